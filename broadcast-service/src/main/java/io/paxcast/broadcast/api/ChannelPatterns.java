package io.paxcast.broadcast.api;

import java.util.ArrayList;
import java.util.List;

/**
 * A set of channel patterns, as tokens' {@code pub}/{@code sub} claims and the Kafka export filter
 * write them: {@code *} (every channel), {@code room-*} (a prefix) or an exact name.
 */
public record ChannelPatterns(List<String> patterns) {
    public static final ChannelPatterns ALL = new ChannelPatterns(List.of("*"));

    public ChannelPatterns {
        patterns = List.copyOf(patterns);
    }

    /** Comma-separated patterns; each is {@code *}, a valid channel name, or one followed by {@code *}. */
    public static ChannelPatterns parse(String text) {
        List<String> patterns = new ArrayList<>();
        for (String part : text.split(",")) {
            String p = part.trim();
            if (p.isEmpty()) {
                continue;
            }
            String name = p.endsWith("*") ? p.substring(0, p.length() - 1) : p;
            if (!name.isEmpty()) {
                Validation.channel(name); // throws invalid_channel with the rule
            }
            patterns.add(p);
        }
        if (patterns.isEmpty()) {
            throw new IllegalArgumentException("no channel pattern in '" + text + "'");
        }
        return new ChannelPatterns(patterns);
    }

    public boolean matches(String channel) {
        for (String p : patterns) {
            if (p.equals("*") || p.equals(channel) || (p.endsWith("*") && channel.startsWith(p.substring(0, p.length() - 1)))) {
                return true;
            }
        }
        return false;
    }

    public boolean matchesAll() {
        return patterns.contains("*");
    }

    @Override
    public String toString() {
        return String.join(",", patterns);
    }
}
