package io.paxcast.paxos.core;

import io.paxcast.paxos.core.Message.SlotEntry;

import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The learner role: which slots are chosen, and their delivery in slot order, each exactly once.
 *
 * <p>Invariants (PAXOS-NOTES 10-13):
 * <ul>
 *   <li>a slot is learned only from a majority of Accepted at one ballot (the leader), from a leader's
 *       commit point covering a value this node accepted at that very ballot, or from a peer's chosen
 *       log; never from a merely accepted value of a peer;</li>
 *   <li>a slot is delivered only after every lower slot was delivered (hold-back), once;</li>
 *   <li>a command id delivered within the dedupe window is skipped, identically on every node.</li>
 * </ul>
 */
final class Learner {
    /** How many delivered values stay in memory to answer catch-up without reading storage. */
    private static final int RECENT_IN_MEMORY = 4096;
    /** Deliveries handed out per drain, so a long replay after a restart cannot stall the node. */
    static final int MAX_DELIVERIES_PER_READY = 1024;

    private final PaxosConfig config;
    private final Outbox out;
    private final ChosenLogReader durableLog;
    private final Acceptor acceptor;

    private long chosenPrefix;
    /** Chosen slots above the prefix, learned out of order. */
    private final TreeMap<Long, Value> chosenAbove = new TreeMap<>();
    /** The most recent chosen values at or below the prefix. */
    private final TreeMap<Long, Value> recent = new TreeMap<>();

    private long deliveredUpTo;
    /** The log clock: the timestamp of the last non-no-op slot delivered. */
    private long logTimeMillis;
    /** The highest batch timestamp of any chosen value this node knows: a new leader stamps above it. */
    private long highestKnownTimestamp;
    private final DedupeWindow dedupe;

    Learner(PaxosConfig config, Outbox out, ChosenLogReader durableLog, Acceptor acceptor, DurableState state,
            long applyFrom) {
        this.config = config;
        this.out = out;
        this.durableLog = durableLog;
        this.acceptor = acceptor;
        this.chosenPrefix = state.chosenPrefix();
        this.deliveredUpTo = Math.max(0, applyFrom - 1);
        this.dedupe = new DedupeWindow(config.dedupeWindowMillis());
        for (SlotEntry entry : state.slots()) {
            if (entry.chosen()) {
                chosenAbove.put(entry.slot(), entry.value());
                highestKnownTimestamp = Math.max(highestKnownTimestamp, entry.value().timestampMillis());
            }
        }
        rebuildDedupeWindow();
        advancePrefix();
    }

    /**
     * After a restart, replays the tail of the already delivered log into the dedupe window: the slots
     * whose timestamps lie within the window of the last delivered one. Because the log's timestamps
     * never decrease, this yields exactly the window a node that never stopped holds.
     */
    private void rebuildDedupeWindow() {
        long last = Math.min(deliveredUpTo, chosenPrefix);
        Deque<Value> tail = new ArrayDeque<>();
        long newest = -1;
        for (long slot = last; slot >= 1; slot--) {
            Optional<Value> value = durableLog.chosen(slot);
            if (value.isEmpty()) {
                break; // compacted away: nothing older can be within the window either
            }
            Value v = value.get();
            if (v.noop()) {
                continue;
            }
            if (newest < 0) {
                newest = v.timestampMillis();
            }
            if (v.timestampMillis() < newest - config.dedupeWindowMillis()) {
                break;
            }
            tail.addFirst(v);
        }
        for (Value v : tail) {
            logTimeMillis = Math.max(logTimeMillis, v.timestampMillis());
            for (Command command : v.commands()) {
                dedupe.firstDelivery(command.id(), logTimeMillis);
            }
        }
        highestKnownTimestamp = Math.max(highestKnownTimestamp, newest);
        // Slots chosen but not yet delivered also count for the stamping rule.
        for (long slot = chosenPrefix; slot > last; slot--) {
            Optional<Value> value = durableLog.chosen(slot);
            if (value.isPresent() && !value.get().noop()) {
                highestKnownTimestamp = Math.max(highestKnownTimestamp, value.get().timestampMillis());
                break;
            }
        }
    }

    long chosenPrefix() {
        return chosenPrefix;
    }

    long deliveredUpTo() {
        return deliveredUpTo;
    }

    long highestKnownTimestamp() {
        return highestKnownTimestamp;
    }

    long highestKnownChosenSlot() {
        return chosenAbove.isEmpty() ? chosenPrefix : chosenAbove.lastKey();
    }

    boolean isChosen(long slot) {
        return slot <= chosenPrefix || chosenAbove.containsKey(slot);
    }

    /** Chosen slots above {@code slot} learned out of order. */
    NavigableMap<Long, Value> chosenAbove(long slot) {
        return chosenAbove.tailMap(slot, false);
    }

    Optional<Value> chosenValue(long slot) {
        if (slot > chosenPrefix) {
            return Optional.ofNullable(chosenAbove.get(slot));
        }
        Value value = recent.get(slot);
        if (value != null) {
            return Optional.of(value);
        }
        return slot <= durableLog.chosenPrefix() ? durableLog.chosen(slot) : Optional.empty();
    }

    /**
     * {@code value} is chosen in {@code slot}.
     *
     * @param storedByAcceptor this node's acceptor holds exactly this value for the slot (it accepted
     *                         it at the choosing ballot), so only the prefix needs writing
     * @return whether this was news
     */
    boolean learn(long slot, Value value, boolean storedByAcceptor) {
        Optional<Value> known = chosenValue(slot);
        if (known.isPresent()) {
            if (!known.get().equals(value)) {
                throw new SafetyViolation("node " + config.nodeId() + ": slot " + slot + " chosen as "
                        + known.get() + " and as " + value);
            }
            return false;
        }
        if (slot <= chosenPrefix) {
            return false; // chosen, delivered and no longer cached: nothing to learn
        }
        if (!storedByAcceptor) {
            out.write(new StorageWrite.Chosen(slot, value));
        }
        chosenAbove.put(slot, value);
        acceptor.forget(slot);
        highestKnownTimestamp = Math.max(highestKnownTimestamp, value.timestampMillis());
        return true;
    }

    /**
     * A leader at {@code ballot} says every slot up to {@code commitUpTo} is chosen. A slot where this
     * acceptor accepted a value at that same ballot holds the chosen value: a leader proposes one
     * value per slot and ballot, and never announces a commit point over a slot it proposed at its
     * ballot but saw decided otherwise (it steps down instead, see {@link Proposer#onChosenElsewhere}).
     *
     * @return whether some slots up to {@code commitUpTo} remain unknown (catch-up is needed)
     */
    boolean onCommitPoint(Ballot ballot, long commitUpTo) {
        if (commitUpTo <= chosenPrefix) {
            return false;
        }
        List<SlotEntry> learnable = new ArrayList<>();
        for (SlotEntry entry : acceptor.acceptedBetween(chosenPrefix + 1, commitUpTo).values()) {
            if (entry.ballot().equals(ballot)) {
                learnable.add(entry);
            }
        }
        for (SlotEntry entry : learnable) {
            learn(entry.slot(), entry.value(), true);
        }
        advancePrefix();
        return chosenPrefix < commitUpTo;
    }

    /** Folds contiguous chosen slots into the prefix; records the new prefix durably. */
    boolean advancePrefix() {
        long before = chosenPrefix;
        while (!chosenAbove.isEmpty() && chosenAbove.firstKey() == chosenPrefix + 1) {
            var first = chosenAbove.pollFirstEntry();
            chosenPrefix = first.getKey();
            recent.put(first.getKey(), first.getValue());
        }
        if (chosenPrefix > before) {
            acceptor.forgetThrough(chosenPrefix);
            out.write(new StorageWrite.ChosenPrefix(chosenPrefix));
            return true;
        }
        return false;
    }

    boolean hasUndelivered() {
        return deliveredUpTo < chosenPrefix;
    }

    /**
     * Hands the next chosen slots to the application, in order, skipping command ids already
     * delivered within the window.
     *
     * @return the ids this round delivered or skipped as duplicates
     */
    List<Delivery> deliver() {
        List<Delivery> deliveries = new ArrayList<>();
        while (deliveredUpTo < chosenPrefix && deliveries.size() < MAX_DELIVERIES_PER_READY) {
            long slot = deliveredUpTo + 1;
            Value value = chosenValue(slot).orElseThrow(() -> new IllegalStateException(
                    "node " + config.nodeId() + ": chosen slot " + slot + " is neither in memory nor on disk"));
            deliveries.add(toDelivery(slot, value));
            deliveredUpTo = slot;
        }
        trimRecent();
        for (Delivery delivery : deliveries) {
            out.deliver(delivery);
        }
        return deliveries;
    }

    private Delivery toDelivery(long slot, Value value) {
        if (value.noop()) {
            return new Delivery(slot, logTimeMillis, List.of(), List.of());
        }
        logTimeMillis = Math.max(logTimeMillis, value.timestampMillis());
        dedupe.advanceTo(logTimeMillis);
        List<Command> fresh = new ArrayList<>(value.size());
        List<String> duplicates = new ArrayList<>();
        for (Command command : value.commands()) {
            if (dedupe.firstDelivery(command.id(), logTimeMillis) || config.has(InjectedBug.SKIP_DEDUPE)) {
                fresh.add(command);
            } else {
                duplicates.add(command.id());
            }
        }
        return new Delivery(slot, logTimeMillis, fresh, duplicates);
    }

    private void trimRecent() {
        // Keep undelivered values (they are needed for delivery) and a tail of delivered ones.
        // and nothing the storage has not yet made durable (the caller persists asynchronously).
        long keepFrom = Math.min(deliveredUpTo + 1, durableLog.chosenPrefix() + 1) - RECENT_IN_MEMORY;
        if (keepFrom > 1 && !recent.isEmpty() && recent.firstKey() < keepFrom) {
            recent.headMap(keepFrom, false).clear();
        }
    }

    int dedupeWindowSize() {
        return dedupe.size();
    }
}
