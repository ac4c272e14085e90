package io.paxcast.faults.history;

/** One message of a node's final global log ({@code GET /v1/messages}). */
public record LogEntry(long seq, String channel, long offset, String key, String payload) {
}
