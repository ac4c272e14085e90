package io.paxcast.bench.peer;

import java.nio.charset.StandardCharsets;

/**
 * The one payload every system carries: a JSON object {@code {"sent":<nanoTime>,"pad":"xx..."}} of
 * exactly {@code size} bytes (JSON because Paxcast's {@code data} must be JSON; the same bytes go to
 * NATS and Kafka). The stamp is this JVM's {@link System#nanoTime()} at the (intended) send time,
 * so a subscriber in the same JVM times publish -> deliver without clock skew.
 */
final class Payload {
    private static final String PREFIX = "{\"sent\":";
    private static final byte[] PREFIX_BYTES = PREFIX.getBytes(StandardCharsets.US_ASCII);

    static byte[] make(long sentNanos, int size) {
        String head = PREFIX + sentNanos + ",\"pad\":\"";
        int pad = Math.max(0, size - head.length() - 2);
        byte[] out = new byte[head.length() + pad + 2];
        int i = 0;
        for (; i < head.length(); i++) {
            out[i] = (byte) head.charAt(i);
        }
        for (int end = i + pad; i < end; i++) {
            out[i] = 'x';
        }
        out[i++] = '"';
        out[i] = '}';
        return out;
    }

    /** The stamp of a payload as sent (NATS, Kafka: the message body is the payload itself). */
    static long sentOf(byte[] payload) {
        long v = 0;
        for (int i = PREFIX_BYTES.length; i < payload.length; i++) {
            byte b = payload[i];
            if (b < '0' || b > '9') {
                break;
            }
            v = v * 10 + (b - '0');
        }
        return v;
    }

    /** The stamp inside a text that embeds the payload (a Paxcast message frame); -1 if none. */
    static long sentIn(CharSequence text) {
        int at = indexOf(text, PREFIX);
        if (at < 0) {
            return -1;
        }
        long v = 0;
        for (int i = at + PREFIX.length(); i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                break;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    private static int indexOf(CharSequence text, String needle) {
        outer:
        for (int i = 0, last = text.length() - needle.length(); i <= last; i++) {
            for (int j = 0; j < needle.length(); j++) {
                if (text.charAt(i + j) != needle.charAt(j)) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private Payload() {
    }
}
