package io.paxcast.paxos.core;

import java.util.List;

/**
 * What a node finds on its disk when it (re)starts: everything the acceptor promised and accepted
 * that the learner has not folded into the chosen prefix.
 *
 * @param promised     the highest ballot the acceptor promised
 * @param chosenPrefix every slot up to here is chosen and durable (read it through {@link ChosenLogReader})
 * @param slots        records of the slots above the chosen prefix, in slot order: accepted ones, and
 *                     chosen ones learned out of order
 */
public record DurableState(Ballot promised, long chosenPrefix, List<Message.SlotEntry> slots) {

    public static final DurableState EMPTY = new DurableState(Ballot.ZERO, 0, List.of());

    public DurableState {
        slots = List.copyOf(slots);
    }
}
