package io.paxcast.broadcast.publish;

import io.paxcast.broadcast.api.ApiException;
import io.paxcast.broadcast.api.Validation;
import io.paxcast.broadcast.log.PublishItem;

import java.nio.charset.StandardCharsets;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The one set of rules a message must pass before it is sequenced, whichever way it came in: an HTTP
 * publish or batch item, a WebSocket {@code publish} frame, a Kafka record. Each entrance parses its
 * own format into (channel, key, data as compact JSON); this decides whether that is a message.
 * Failures are the contract's errors (docs/API.md): 400 {@code invalid_channel}, 403 {@code forbidden},
 * 400 {@code invalid_idempotency_key}, 413 {@code payload_too_large}; nothing is published.
 */
public final class PublishValidator {
    private final int maxPayloadBytes;

    public PublishValidator(int maxPayloadBytes) {
        this.maxPayloadBytes = maxPayloadBytes;
    }

    /**
     * A client's message: the channel is a valid name the client may publish to, the key (null: none)
     * a valid idempotency key, the data (parsed by the entrance, which may refuse it in its own terms
     * when asked for it) within {@code publish.maxPayloadBytes}.
     */
    public PublishItem clientItem(String channel, String key, Supplier<String> dataJson, Predicate<String> mayPublish) {
        // the cheap checks first: a refused channel or key is answered before the data is parsed
        String name = Validation.channel(channel);
        if (!mayPublish.test(name)) {
            throw new ApiException(403, "forbidden", "the token does not allow publishing to " + name);
        }
        String validKey = Validation.idempotencyKey(key);
        String data = dataJson.get();
        checkSize(data);
        return new PublishItem(name, validKey, data);
    }

    /** The data within {@code publish.maxPayloadBytes} (UTF-8 bytes), or 413 {@code payload_too_large}. */
    public void checkSize(String dataJson) {
        int bytes = utf8Length(dataJson);
        if (bytes > maxPayloadBytes) {
            throw new ApiException(413, "payload_too_large",
                    "payload is " + bytes + " bytes; the limit is " + maxPayloadBytes);
        }
    }

    public int maxPayloadBytes() {
        return maxPayloadBytes;
    }

    /** UTF-8 length without encoding: a payload is checked on every publish. */
    static int utf8Length(String s) {
        return io.paxcast.broadcast.api.Utf8.length(s);
    }
}
