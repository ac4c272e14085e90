package io.paxcast.paxos.core;

import java.util.ArrayList;
import java.util.List;

/** What the roles of one node produced since the caller last drained it. */
final class Outbox {
    private List<StorageWrite> writes = new ArrayList<>();
    private List<Message> messages = new ArrayList<>();
    private List<Delivery> deliveries = new ArrayList<>();

    void write(StorageWrite write) {
        writes.add(write);
    }

    void send(Message message) {
        messages.add(message);
    }

    void deliver(Delivery delivery) {
        deliveries.add(delivery);
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
