package io.paxcast.broadcast.api;

import java.util.regex.Pattern;

/** The input rules of the wire contract (docs/API.md), each failing with the documented error. */
public final class Validation {
    private static final Pattern CHANNEL = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$");

    private Validation() {
    }

    public static String channel(String name) {
        if (name == null || !CHANNEL.matcher(name).matches()) {
            throw ApiException.badRequest("invalid_channel",
                    "channel names match ^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$, got " + quote(name));
        }
        return name;
    }

    /** Null stays null (no key); otherwise 1..128 printable ASCII characters. */
    public static String idempotencyKey(String key) {
        if (key == null) {
            return null;
        }
        if (key.isEmpty() || key.length() > 128 || !key.chars().allMatch(c -> c >= 0x20 && c <= 0x7e)) {
            throw ApiException.badRequest("invalid_idempotency_key",
                    "an idempotency key is 1..128 printable ASCII characters");
        }
        return key;
    }

    /** A non-negative integer query parameter, or {@code fallback} when absent. */
    public static long nonNegative(String name, String text, long fallback) {
        if (text == null) {
            return fallback;
        }
        try {
            long value = Long.parseLong(text.trim());
            if (value >= 0) {
                return value;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw ApiException.badRequest("invalid_parameter", name + " must be a non-negative integer, got " + quote(text));
    }

    public static int limit(String text, int max) {
        long value = nonNegative("limit", text, 100);
        if (value < 1 || value > max) {
            throw ApiException.badRequest("invalid_parameter", "limit must be within 1.." + max + ", got " + value);
        }
        return (int) value;
    }

    private static String quote(String s) {
        if (s == null) {
            return "nothing";
        }
        String shown = s.length() > 40 ? s.substring(0, 40) + "..." : s;
        return "'" + shown + "'";
    }
}
