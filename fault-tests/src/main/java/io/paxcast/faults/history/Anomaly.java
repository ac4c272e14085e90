package io.paxcast.faults.history;

/** A violated property, with enough detail to find it in the history. */
public record Anomaly(Kind kind, String detail) {
    public enum Kind {
        AGREEMENT, LOST_WRITE, INTEGRITY, DUPLICATE, SUBSCRIBER_ORDER, SUBSCRIBER_GAP, REAL_TIME_ORDER, RECOVERY, CHAIN
    }
}
