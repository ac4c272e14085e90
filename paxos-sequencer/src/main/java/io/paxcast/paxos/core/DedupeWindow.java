package io.paxcast.paxos.core;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The ids delivered within the last {@code windowMillis} of log time (DESIGN.md P11).
 *
 * <p>Deterministic: it depends only on the decided log, never on a local clock. The log's
 * timestamps do not decrease in slot order (see {@link Proposer#stamp}), and an id is moved to the
 * end each time it occurs, so the oldest entry is always first and expiry walks from the head. Every node, restarted or not, computes the same set
 * after the same slot, and so skips the same duplicates.
 */
final class DedupeWindow {
    private final long windowMillis;
    private final LinkedHashMap<String, Long> deliveredAt = new LinkedHashMap<>();

    DedupeWindow(long windowMillis) {
        this.windowMillis = windowMillis;
    }

    /** Moves the window's end to {@code logTimeMillis}, forgetting ids older than the window. */
    void advanceTo(long logTimeMillis) {
        long oldestKept = logTimeMillis - windowMillis;
        Iterator<Map.Entry<String, Long>> it = deliveredAt.entrySet().iterator();
        while (it.hasNext()) {
            if (it.next().getValue() >= oldestKept) {
                break;
            }
            it.remove();
        }
    }

    /**
     * Records that {@code id} occurs at {@code logTimeMillis}; false if it occurred within the window
     * before (a duplicate). Every occurrence, skipped or not, refreshes the id's time: the window
     * then depends only on each id's last occurrence, which a restarted node rebuilds exactly by
     * replaying the log's tail (a first-occurrence rule would need the whole log).
     */
    boolean firstDelivery(String id, long logTimeMillis) {
        Long previous = deliveredAt.remove(id);
        deliveredAt.put(id, logTimeMillis);
        return previous == null;
    }

    long windowMillis() {
        return windowMillis;
    }

    int size() {
        return deliveredAt.size();
    }
}
