package io.paxcast.faults.history;

/** A {@code message} frame a subscriber received. */
public record Frame(String subscriber, int session, long receivedNanos, long seq, String channel, long offset,
                    String payload) {
}
