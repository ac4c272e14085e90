package io.paxcast.bench.peer;

import java.nio.charset.StandardCharsets;

/**
 * The one payload every system carries: a JSON object {@code {"sent":<nanoTime>,"pad":"xx..."}} of
 * exactly {@code size} bytes (JSON because Paxcast's {@code data} must be JSON; the same bytes go to
 * NATS and Kafka). The stamp is this JVM's {@link System#nanoTime()} at the (intended) send time,
 * so a subscriber in the same JVM times publish -> deliver without clock skew.
 *
 * <p>The fan-out benchmark numbers its messages too: {@code {"sent":<nanoTime>,"n":<number>,"pad":"xx..."}}
 * (still starting with the stamp, so {@link #sentOf} and {@link #sentIn} read both forms).
 */
public final class Payload {
    private static final String PREFIX = "{\"sent\":";
    private static final byte[] PREFIX_BYTES = PREFIX.getBytes(StandardCharsets.US_ASCII);
    private static final String NUMBER = ",\"n\":";
    private static final byte[] NUMBER_BYTES = NUMBER.getBytes(StandardCharsets.US_ASCII);

    public static byte[] make(long sentNanos, int size) {
        return make(PREFIX + sentNanos + ",\"pad\":\"", size);
    }

    /** {@code {"sent":<sentNanos>,"n":<number>,"pad":"xx..."}} of {@code size} bytes (more if the head is longer). */
    public static byte[] make(long sentNanos, long number, int size) {
        return make(PREFIX + sentNanos + NUMBER + number + ",\"pad\":\"", size);
    }

    private static byte[] make(String head, int size) {
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
    public static long sentOf(byte[] payload) {
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
    public static long sentIn(CharSequence text) {
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

    /** The number of a payload made by {@link #make(long, long, int)}; {@link Long#MIN_VALUE} if it has none. */
    public static long numberOf(byte[] payload) {
        outer:
        for (int i = PREFIX_BYTES.length, last = payload.length - NUMBER_BYTES.length; i <= last; i++) {
            for (int j = 0; j < NUMBER_BYTES.length; j++) {
                if (payload[i + j] != NUMBER_BYTES[j]) {
                    continue outer;
                }
            }
            int k = i + NUMBER_BYTES.length;
            boolean negative = k < payload.length && payload[k] == '-';
            if (negative) {
                k++;
            }
            long v = 0;
            for (; k < payload.length && payload[k] >= '0' && payload[k] <= '9'; k++) {
                v = v * 10 + (payload[k] - '0');
            }
            return negative ? -v : v;
        }
        return Long.MIN_VALUE;
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
