package io.paxcast.faults.history;

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
 * @param closeReason  why it ended (slow_consumer, node killed, test end...)
 */
public record Subscription(String subscriber, int session, int node, Set<String> channels, long afterSeq,
                           long openedNanos, long closedNanos, String closeReason) {
}
