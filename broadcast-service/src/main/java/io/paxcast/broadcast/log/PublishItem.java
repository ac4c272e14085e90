package io.paxcast.broadcast.log;

import java.util.Objects;

/**
 * One message a client asked to publish.
 *
 * @param channel  a valid channel name
 * @param key      the idempotency key, or null
 * @param dataJson the payload as compact JSON text
 */
public record PublishItem(String channel, String key, String dataJson) {
    public PublishItem {
        Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(dataJson, "dataJson");
    }
}
