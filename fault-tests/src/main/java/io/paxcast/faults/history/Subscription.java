package io.paxcast.faults.history;

import java.util.Locale;
import java.util.Set;

/**
 * One WebSocket session of a subscriber. A subscriber reconnects (to any node) with
 * {@code after=<last seq it received>}; its sessions, in order, must form one gap-free stream.
 *
 * @param subscriber   the logical subscriber
 * @param session      0, 1, 2... in order
 * @param node         the node of this session
 * @param channels     the channels, or null for every channel
 * @param afterSeq     the {@code after} it connected with (for session 0: the head it started from)
 * @param openedNanos  when the session was opened
 * @param closedNanos  when it ended (or the end of the run)
 * @param closeReason  why it ended (slow_consumer, node killed, test end...); {@link #TEST_END} (or null)
 *                     for a session still open when the run ended
 */
public record Subscription(String subscriber, int session, int node, Set<String> channels, long afterSeq,
                           long openedNanos, long closedNanos, String closeReason) {

    /** The close reason of a session that was still open when the run ended. */
    public static final String TEST_END = "test end";

    /**
     * Whether this session was still open when the run ended: its close reason is null, blank or
     * {@link #TEST_END} or a synonym ("test ended", "run end", "run ended", "end of run", "end of test",
     * "end"; case, '_' and '-' ignored). The checker holds only such subscribers to the recovery bound.
     */
    public boolean openAtEnd() {
        if (closeReason == null || closeReason.isBlank()) {
            return true;
        }
        String r = closeReason.trim().toLowerCase(Locale.ROOT).replace('_', ' ').replace('-', ' ');
        return END_OF_RUN.contains(r);
    }

    private static final Set<String> END_OF_RUN = Set.of(TEST_END, "test ended", "run end", "run ended",
            "end of run", "end of test", "end");
}
