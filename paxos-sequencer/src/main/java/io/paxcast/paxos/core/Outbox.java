package io.paxcast.paxos.core;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * What the roles of one node produced since the caller last drained it: the only way out of the
 * core. Every role writes here, and {@link #drain} turns it into the {@link Ready}.
 *
 * <p>A message to this node itself stays in-process ({@link #pollToSelf}, handled before the output
 * is drained), except the phase-2 pair: the leader's Accept to its own acceptor and that acceptor's
 * Accepted leave through the {@link Ready}, like a peer's. So the leader's own accepted write is
 * persisted in parallel with the followers' (its Accepts to them do not wait for it), and its own vote
 * still counts only once durable. The Prepare to itself stays in-process: its promise must be in the
 * write group that is durable before the other Prepares leave (DESIGN.md P5).
 */
final class Outbox {
    private final String self;
    private List<StorageWrite> writes = new ArrayList<>();
    private List<Message> messages = new ArrayList<>();
    private List<Delivery> deliveries = new ArrayList<>();
    private final ArrayDeque<Message> toSelf = new ArrayDeque<>();

    Outbox(String self) {
        this.self = self;
    }

    void write(StorageWrite write) {
        writes.add(write);
    }

    void send(Message message) {
        if (message.to().equals(self) && !(message instanceof Message.Accept) && !(message instanceof Message.Accepted)) {
            toSelf.addLast(message);
        } else {
            messages.add(message);
        }
    }

    void deliver(Delivery delivery) {
        deliveries.add(delivery);
    }

    /** The next message this node sent itself, or null. */
    Message pollToSelf() {
        return toSelf.pollFirst();
    }

    boolean hasToSelf() {
        return !toSelf.isEmpty();
    }

    Ready drain() {
        if (writes.isEmpty() && messages.isEmpty() && deliveries.isEmpty()) {
            return Ready.EMPTY;
        }
        Ready ready = new Ready(writes, messages, deliveries);
        writes = new ArrayList<>();
        messages = new ArrayList<>();
        deliveries = new ArrayList<>();
        return ready;
    }
}
