package io.paxcast.broadcast.log;

import java.util.Objects;

/**
 * One message a client asked to publish.
 *
 * @param channel      a valid channel name
 * @param key          the idempotency key, or null
 * @param dataJson     the payload as compact JSON text
 * @param expectOffset {@link #UNCONDITIONAL}, or the channel's last offset this message must follow
 *                     (conditional publish: checked where the slot is applied, so on every node alike)
 */
public record PublishItem(String channel, String key, String dataJson, long expectOffset) {
    /** No condition: the message is appended whatever the channel holds. */
    public static final long UNCONDITIONAL = -1;

    public PublishItem {
        Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(dataJson, "dataJson");
        if (expectOffset < UNCONDITIONAL) {
            throw new IllegalArgumentException("expectOffset " + expectOffset);
        }
    }

    public PublishItem(String channel, String key, String dataJson) {
        this(channel, key, dataJson, UNCONDITIONAL);
    }

    public boolean conditional() {
        return expectOffset != UNCONDITIONAL;
    }

    /** The same item, ordered only if {@code channel}'s last offset is {@code offset} when applied. */
    public PublishItem expecting(long offset) {
        return new PublishItem(channel, key, dataJson, offset);
    }
}
