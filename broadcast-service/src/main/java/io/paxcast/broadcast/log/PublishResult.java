package io.paxcast.broadcast.log;

import io.vertx.core.json.JsonObject;

/**
 * Where a published message landed. {@code replay} is true when an idempotency key matched an earlier
 * message: nothing was appended and this is the original result. A conditional publish whose expected
 * offset did not match when its slot was applied landed nowhere: {@link #mismatch()} is true,
 * {@code seq} is 0 and {@code offset} is the channel's offset at that slot.
 */
public record PublishResult(long seq, String channel, long offset, long ts, boolean replay) {
    /** A conditional publish not ordered: at its slot, {@code channel}'s last offset (before it) was {@code current}. */
    public static PublishResult mismatch(String channel, long current, long ts) {
        return new PublishResult(0, channel, current, ts, false);
    }

    public boolean mismatch() {
        return seq == 0;
    }

    public JsonObject toJson() {
        return new JsonObject().put("seq", seq).put("channel", channel).put("offset", offset).put("ts", ts);
    }
}
