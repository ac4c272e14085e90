package io.paxcast.paxos.core;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a node finds on its disk when it (re)starts.
 *
 * @param promised     the highest ballot the acceptor promised
 * @param chosenPrefix every slot up to here is chosen and durable (read it through {@link ChosenLogReader})
 * @param slots        records of the slots above the chosen prefix, in slot order: accepted ones, and
 *                     chosen ones learned out of order
 * @param owner        the node id this store was written by ("" for a store that was never written)
 * @param incarnation  the incarnation the node last started with (0: never started)
 * @param intact       the acceptor state here is the node's whole memory of what it promised and
 *                     accepted: it was started as a voter from nothing ({@link Rejoin}) and has kept
 *                     its store since. False for an empty store, which may be a lost disk: then the
 *                     node must not vote until {@link Rejoin} proves it safe (DESIGN.md P3)
 * @param bootstrap    when this node started the cluster from nothing: the probe token of every voter
 *                     it found empty then (see {@link Message.StateReport}); empty otherwise
 * @param blankToken   the probe token of a blank store (0: none yet). Kept across restarts of a blank
 *                     node, lost with its disk: a store that still has it has never voted since
 * @param logStart     the first slot the store still holds (1: nothing compacted): every slot below it
 *                     is chosen, and its value was forgotten ({@link StorageWrite.LogStart})
 */
public record DurableState(Ballot promised, long chosenPrefix, List<Message.SlotEntry> slots, String owner,
                           long incarnation, boolean intact, Map<String, Long> bootstrap, long blankToken,
                           long logStart) {

    public static final DurableState EMPTY = new DurableState(Ballot.ZERO, 0, List.of(), "", 0, false, Map.of(), 0);

    public DurableState {
        Objects.requireNonNull(promised, "promised");
        Objects.requireNonNull(owner, "owner");
        slots = List.copyOf(slots);
        bootstrap = Map.copyOf(bootstrap);
        if (logStart < 1 || logStart > chosenPrefix + 1) {
            throw new IllegalArgumentException("log start " + logStart + " with chosen prefix " + chosenPrefix);
        }
    }

    /** A state with nothing compacted. */
    public DurableState(Ballot promised, long chosenPrefix, List<Message.SlotEntry> slots, String owner,
                        long incarnation, boolean intact, Map<String, Long> bootstrap, long blankToken) {
        this(promised, chosenPrefix, slots, owner, incarnation, intact, bootstrap, blankToken, 1);
    }

    /**
     * Whether the acceptor here remembers anything it promised or accepted. A store of the old format
     * (without the intact flag) that holds a promise is the node's own, and intact.
     */
    public boolean hasAcceptorState() {
        if (!promised.isZero()) {
            return true;
        }
        for (Message.SlotEntry entry : slots) {
            if (!entry.chosen()) {
                return true;
            }
        }
        return false;
    }
}
