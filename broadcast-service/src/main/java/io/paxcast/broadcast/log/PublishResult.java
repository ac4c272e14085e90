package io.paxcast.broadcast.log;

import io.vertx.core.json.JsonObject;

/**
 * Where a published message landed. {@code replay} is true when an idempotency key matched an earlier
 * message: nothing was appended and this is the original result.
 */
public record PublishResult(long seq, String channel, long offset, long ts, boolean replay) {
    public JsonObject toJson() {
        return new JsonObject().put("seq", seq).put("channel", channel).put("offset", offset).put("ts", ts);
    }
}
