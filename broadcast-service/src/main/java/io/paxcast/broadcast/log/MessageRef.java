package io.paxcast.broadcast.log;

/**
 * Where a message's body is and what the log assigned it, as {@link MessageIndex#message} finds it:
 * the body is item {@code position} (counted over every item of every command) of the chosen value
 * of {@code slot}, read back from the Paxos storage; {@code hash} is its {@link ChainHash}, h(seq).
 */
public record MessageRef(long seq, long slot, int position, String channel, long offset, long ts, ChainHash hash) {}
