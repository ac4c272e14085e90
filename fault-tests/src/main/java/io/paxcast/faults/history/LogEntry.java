package io.paxcast.faults.history;

/**
 * One message of a node's final global log ({@code GET /v1/messages}); {@code hash} is its chain
 * hash as the node reported it (hex), null where a history has none (synthetic ones in tests).
 */
public record LogEntry(long seq, String channel, long offset, String key, String payload, String hash) {
    public LogEntry(long seq, String channel, long offset, String key, String payload) {
        this(seq, channel, offset, key, payload, null);
    }
}
