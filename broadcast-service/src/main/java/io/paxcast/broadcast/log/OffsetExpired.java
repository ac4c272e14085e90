package io.paxcast.broadcast.log;

/**
 * A read asked for positions retention has removed ({@link RetentionPoint}). {@link #earliest} is the
 * earliest position still there: a {@code seq} for the global log, an offset for a channel. The edges
 * answer it as the contract's {@code offset_expired} (HTTP 410, or the WebSocket error frame).
 */
public final class OffsetExpired extends RuntimeException {
    public final long earliest;

    public OffsetExpired(String what, long earliest) {
        super(what + " has expired: the earliest retained position is " + earliest
                + " (ask with after=" + (earliest - 1) + ")", null, false, false);
        this.earliest = earliest;
    }
}
