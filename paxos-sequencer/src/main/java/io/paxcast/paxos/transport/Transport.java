package io.paxcast.paxos.transport;

import io.paxcast.paxos.core.Message;

import java.util.function.Consumer;

/**
 * Carries Paxos messages between nodes. Best-effort (DESIGN.md P14): a message may be lost,
 * duplicated or reordered, and the core retransmits on its own ticks.
 *
 * <p>Contract (after MicroRaft): {@link #send} never blocks and never throws; received messages are
 * handed to the handler on the node's own context, one at a time.
 */
public interface Transport {

    /** Sends {@code message} to {@code message.to()}. */
    void send(Message message);

    /** Starts receiving messages addressed to {@code nodeId}. */
    void receive(String nodeId, Consumer<Message> handler);

    void close();
}
