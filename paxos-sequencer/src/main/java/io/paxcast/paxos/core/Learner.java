package io.paxcast.paxos.core;

import io.paxcast.paxos.core.Message.SlotEntry;

import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The learner role: which slots are chosen, and their delivery in slot order, each exactly once.
 *
 * <p>Invariants (DESIGN.md P10-P13):
 * <ul>
 *   <li>a slot is learned only from a majority of Accepted at one ballot (the leader), from a leader's
 *       commit point covering a value this node accepted at that very ballot, or from a peer's chosen
 *       log; never from a merely accepted value of a peer;</li>
 *   <li>a slot is delivered only after every lower slot was delivered (hold-back), once per run; a run
 *       delivers from slot 1, so the application state is a function of the log;</li>
 *   <li>a command applied before is left out of a later delivery ({@link AppliedCommands}), identically on
 *       every node: the rule depends on the log alone.</li>
 * </ul>
 * Memory: chosen values above the prefix (the pipeline's worth), and a cache of recent chosen values
 * bounded by {@link PaxosConfig#maxRecentBytes} (and 4096 slots); older values are read back from
 * storage. Values the storage has not yet made durable always stay.
 */
final class Learner {
    private static final int RECENT_MAX_SLOTS = 4096;
    /** How far back a start looks for the newest stamped value (no-ops carry no stamp). */
    private static final int STAMP_LOOKBACK_SLOTS = 1024;

    private final PaxosConfig config;
    private final Outbox out;
    private final ChosenLogReader durableLog;
    private final Acceptor acceptor;
    private final LogClock logClock;

    private long chosenPrefix;
    /** Chosen slots above the prefix, learned out of order. */
    private final TreeMap<Long, Value> chosenAbove = new TreeMap<>();
    /** Recent chosen values at or below the prefix; {@link #recentBytes} of them. */
    private final TreeMap<Long, Value> recent = new TreeMap<>();
    private long recentBytes;

    private long deliveredUpTo;
    /** The log's stamps after the last delivered slot: running maxima, so they never go back. */
    private long wallTime;
    private long logTime;
    private final AppliedCommands applied = new AppliedCommands();

    Learner(PaxosConfig config, Outbox out, ChosenLogReader durableLog, Acceptor acceptor, DurableState state,
            LogClock logClock) {
        this.config = config;
        this.out = out;
        this.durableLog = durableLog;
        this.acceptor = acceptor;
        this.logClock = logClock;
        this.chosenPrefix = state.chosenPrefix();
        for (SlotEntry entry : state.slots()) {
            if (entry.chosen()) {
                chosenAbove.put(entry.slot(), entry.value());
            }
            logClock.observe(entry.value()); // accepted values may be re-proposed: stamp above them too
        }
        for (long slot = chosenPrefix; slot >= 1 && slot > chosenPrefix - STAMP_LOOKBACK_SLOTS; slot--) {
            Optional<Value> value = durableLog.chosen(slot);
            if (value.isEmpty()) {
                break;
            }
            if (!value.get().noop()) {
                logClock.observe(value.get());
                break;
            }
        }
        advancePrefix();
    }

    long chosenPrefix() {
        return chosenPrefix;
    }

    long deliveredUpTo() {
        return deliveredUpTo;
    }

    long highestKnownChosenSlot() {
        return chosenAbove.isEmpty() ? chosenPrefix : chosenAbove.lastKey();
    }

    boolean isChosen(long slot) {
        return slot <= chosenPrefix || chosenAbove.containsKey(slot);
    }

    /** Whether the applied log already settled {@code id} (a leader need not propose it again). */
    boolean isSettled(CommandId id) {
        return applied.isSettled(id);
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
            return false; // chosen, and no longer cached: nothing to learn
        }
        if (!storedByAcceptor) {
            out.write(new StorageWrite.Chosen(slot, value));
        }
        chosenAbove.put(slot, value);
        acceptor.forget(slot);
        logClock.observe(value);
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
            recentBytes += first.getValue().weight();
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
     * Hands the next chosen slots to the application, in order, leaving out commands applied before.
     *
     * @return what this round delivered
     */
    List<Delivery> deliver(int maxDeliveries) {
        int limit = Math.min(maxDeliveries, config.maxDeliveriesPerReady());
        List<Delivery> deliveries = new ArrayList<>();
        while (deliveredUpTo < chosenPrefix && deliveries.size() < limit) {
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
            return new Delivery(slot, wallTime, logTime, value, List.of());
        }
        wallTime = Math.max(wallTime, value.timestampMillis());
        logTime = Math.max(logTime, value.logClockMillis());
        List<Command> fresh = new ArrayList<>(value.size());
        for (Command command : value.commands()) {
            if (applied.firstApplication(command) || config.has(InjectedBug.SKIP_DEDUPE)) {
                fresh.add(command);
            }
        }
        return new Delivery(slot, wallTime, logTime, value, fresh);
    }

    /**
     * Keeps recent values within their bounds, never one the storage has not made durable yet (the
     * caller persists asynchronously, so a read-back could miss it).
     */
    private void trimRecent() {
        long durable = durableLog.chosenPrefix();
        while (!recent.isEmpty() && recent.firstKey() <= durable
                && (recent.size() > RECENT_MAX_SLOTS || recentBytes > config.maxRecentBytes())) {
            recentBytes -= recent.pollFirstEntry().getValue().weight();
        }
    }

    long recentBytes() {
        return recentBytes;
    }

    long appliedStateBytes() {
        return applied.heapBytes();
    }
}
