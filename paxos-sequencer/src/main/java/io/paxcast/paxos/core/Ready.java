package io.paxcast.paxos.core;

import java.util.List;

/**
 * What one round of {@link PaxosNode} work asks its caller to do, in this order (etcd-raft's Ready):
 * <ol>
 *   <li>make every {@link #writes() write} durable (per the fsync policy; one commit for the lot);</li>
 *   <li>only then send the {@link #messages() messages} (persist before you answer: DESIGN.md P1);</li>
 *   <li>then apply the {@link #deliveries() deliveries}, in order.</li>
 * </ol>
 * A caller processes Ready values one at a time, in the order it drained them.
 */
public record Ready(List<StorageWrite> writes, List<Message> messages, List<Delivery> deliveries) {

    public static final Ready EMPTY = new Ready(List.of(), List.of(), List.of());

    public Ready {
        writes = List.copyOf(writes);
        messages = List.copyOf(messages);
        deliveries = List.copyOf(deliveries);
    }

    public boolean isEmpty() {
        return writes.isEmpty() && messages.isEmpty() && deliveries.isEmpty();
    }
}
