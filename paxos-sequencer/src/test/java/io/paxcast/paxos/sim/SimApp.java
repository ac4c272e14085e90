package io.paxcast.paxos.sim;

import io.paxcast.paxos.core.Command;
import io.paxcast.paxos.core.Delivery;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The simulated application: a state machine over the decided log, shaped like the broadcast layer's.
 * Each command carries a client key; the first command with a key appends it ({@code seq} 1, 2, ...),
 * and a later command with the same key within {@code windowMillis} of the log clock is a client retry:
 * it appends nothing. At every restart of its node it is rebuilt like the production state: from the
 * snapshot its node took at a {@link io.paxcast.paxos.core.Checkpoint} (a {@link #copy}), or else
 * from slot 1.
 *
 * <p>Deterministic: it reads nothing but the deliveries, so every node (and every replay) must
 * decide the same; {@link History} checks that it does.
 */
final class SimApp {
    /** What applying one slot decided: the keys it appended, in order, and those it found retried. */
    record Outcome(long slot, List<String> appended, List<String> retried) {}

    private final long windowMillis;
    /** key -> log clock of its append, in append order (so expiry pops from the head). */
    private final LinkedHashMap<String, Long> window = new LinkedHashMap<>();
    final List<String> log = new ArrayList<>();

    SimApp(long windowMillis) {
        this.windowMillis = windowMillis;
    }

    /** A snapshot of the state (what a node keeps with a checkpoint). */
    SimApp copy() {
        SimApp copy = new SimApp(windowMillis);
        copy.window.putAll(window);
        copy.log.addAll(log);
        return copy;
    }

    static byte[] payload(String key, byte[] body) {
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        byte[] p = new byte[1 + k.length + body.length];
        p[0] = (byte) k.length;
        System.arraycopy(k, 0, p, 1, k.length);
        System.arraycopy(body, 0, p, 1 + k.length, body.length);
        return p;
    }

    static String keyOf(Command command) {
        byte[] p = command.payload();
        return new String(p, 1, p[0] & 0xFF, StandardCharsets.UTF_8);
    }

    Outcome apply(Delivery delivery) {
        long now = delivery.logClockMillis();
        var it = window.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<String, Long> e = it.next();
            if (e.getValue() >= now - windowMillis) {
                break;
            }
            it.remove();
        }
        List<String> appended = new ArrayList<>();
        List<String> retried = new ArrayList<>();
        for (Command command : delivery.commands()) {
            String key = keyOf(command);
            if (window.containsKey(key)) {
                retried.add(key);
            } else {
                window.put(key, now);
                log.add(key);
                appended.add(key);
            }
        }
        return new Outcome(delivery.slot(), appended, retried);
    }
}
