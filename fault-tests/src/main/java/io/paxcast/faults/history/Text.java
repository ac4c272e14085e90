package io.paxcast.faults.history;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;

import java.util.Locale;
import java.util.Objects;

/** Small, pure helpers shared by the checks: payload comparison and how anomaly details print things. */
final class Text {
    private static final int PAYLOAD_CHARS = 80;

    private Text() {
    }

    /**
     * Whether two payloads are the same JSON value. Exact string equality first (the common, cheap case);
     * only on a mismatch both sides are decoded and re-encoded, so that whitespace a recorder or the
     * server added or removed is not reported as a different message.
     */
    static boolean samePayload(String a, String b) {
        if (Objects.equals(a, b)) {
            return true;
        }
        if (a == null || b == null) {
            return false;
        }
        return canonical(a).equals(canonical(b));
    }

    /**
     * The payload decoded and re-encoded compactly. Text that is not JSON is taken for a JSON string
     * recorded without its quotes (as {@code String.valueOf} of a decoded string value prints it).
     */
    static String canonical(String payload) {
        if (payload == null) {
            return null;
        }
        try {
            return Json.encode(Json.decodeValue(payload));
        } catch (DecodeException | IllegalStateException e) {
            return Json.encode(payload);
        }
    }

    /** Same channel, offset, payload and (where both sides carry one) key. */
    static boolean sameMessage(LogEntry a, LogEntry b) {
        return Objects.equals(a.channel(), b.channel()) && a.offset() == b.offset()
                && samePayload(a.payload(), b.payload())
                && (a.key() == null || b.key() == null || a.key().equals(b.key()))
                && (a.hash() == null || b.hash() == null || a.hash().equals(b.hash()));
    }

    /** Whether a subscriber frame carries the message of this log entry (frames have no key). */
    static boolean sameMessage(Frame f, LogEntry e) {
        return Objects.equals(f.channel(), e.channel()) && f.offset() == e.offset()
                && samePayload(f.payload(), e.payload());
    }

    static String payload(String payload) {
        if (payload == null) {
            return "null";
        }
        return payload.length() <= PAYLOAD_CHARS ? payload : payload.substring(0, PAYLOAD_CHARS) + "...";
    }

    static String entry(LogEntry e) {
        if (e == null) {
            return "(missing)";
        }
        return "{" + e.channel() + "#" + e.offset() + (e.key() == null ? "" : " key=" + e.key()) + " "
                + payload(e.payload()) + (e.hash() == null ? "" : " hash=" + e.hash().substring(0, Math.min(12, e.hash().length())))
                + "}";
    }

    static String frame(Frame f) {
        return "{" + f.channel() + "#" + f.offset() + " " + payload(f.payload()) + "}";
    }

    static String op(PublishOp op) {
        return op.client() + " key=" + op.key() + " " + op.channel() + " " + payload(op.payload()) + " via n"
                + op.node();
    }

    /** A point in time of the run, relative to its start {@code t0}, in seconds with millisecond precision. */
    static String at(long nanos, long t0) {
        return String.format(Locale.ROOT, "t=%.3fs", (nanos - t0) / 1e9);
    }

    /** Nanoseconds as milliseconds with one decimal. */
    static String millis(long nanos) {
        return String.format(Locale.ROOT, "%.1fms", nanos / 1e6);
    }
}
