package io.paxcast.paxos.core;

import io.paxcast.paxos.core.Message.SlotEntry;

import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One node's view of the Multi-Paxos log, the state its three roles share (as etcd-raft's step
 * functions share one {@code raftLog}): the acceptor's promise and the values it accepted, and the
 * values this node knows chosen. The roles ({@link Acceptor}, {@link Proposer}, {@link Learner}) hold
 * no reference to each other; they read and change this, and send through the {@link Outbox}.
 *
 * <p>Every change that must survive a crash is written to the {@link Outbox} as the
 * {@link StorageWrite} that makes it durable, in the same call; the {@link Ready} order (writes,
 * then messages) makes it durable before any reply that depends on it leaves (DESIGN.md P1).
 *
 * <p>Invariants:
 * <ul>
 *   <li>the promise only grows (DESIGN.md P2);</li>
 *   <li>a slot has at most one chosen value: learning another one for it is a {@link SafetyViolation};</li>
 *   <li>an accepted record is kept in memory only while its slot is above the chosen prefix and not
 *       known chosen: a chosen value replaces it.</li>
 * </ul>
 * Memory: accepted values of open slots, chosen values above the prefix (the pipeline's worth), and a
 * cache of recent chosen values bounded by {@link PaxosConfig#maxRecentBytes} (and
 * {@value #RECENT_MAX_SLOTS} slots); older values are read back from storage. Values the storage has
 * not yet made durable always stay.
 */
class PaxosLog {
    private static final int RECENT_MAX_SLOTS = 4096;
    /** How far back a start looks for the newest stamped value (no-ops carry no stamp). */
    private static final int STAMP_LOOKBACK_SLOTS = 1024;

    private final PaxosConfig config;
    private final Outbox out;
    private final ChosenLogReader durableLog;
    private final LogClock logClock;

    // acceptor state
    private Ballot promised;
    /** Accepted, not (known) chosen, above the chosen prefix. */
    private final TreeMap<Long, SlotEntry> accepted = new TreeMap<>();

    // learned state
    private long chosenPrefix;
    /** The first slot held: below it every slot is chosen and its value compacted away. */
    private long logStart;
    /** Chosen slots above the prefix, learned out of order. */
    private final TreeMap<Long, Value> chosenAbove = new TreeMap<>();
    /** Recent chosen values at or below the prefix; {@link #recentBytes} of them. */
    private final TreeMap<Long, Value> recent = new TreeMap<>();
    private long recentBytes;

    PaxosLog(PaxosConfig config, Outbox out, ChosenLogReader durableLog, DurableState state, LogClock logClock) {
        this.config = config;
        this.out = out;
        this.durableLog = durableLog;
        this.logClock = logClock;
        this.promised = state.promised();
        this.chosenPrefix = state.chosenPrefix();
        this.logStart = state.logStart();
        for (SlotEntry entry : state.slots()) {
            if (entry.chosen()) {
                chosenAbove.put(entry.slot(), entry.value());
            } else {
                accepted.put(entry.slot(), entry);
            }
            logClock.observe(entry.value()); // accepted values may be re-proposed: stamp above them too
        }
        for (long slot = chosenPrefix; slot >= logStart && slot > chosenPrefix - STAMP_LOOKBACK_SLOTS; slot--) {
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

    // ---------------------------------------------------------------- the acceptor's memory

    Ballot promised() {
        return promised;
    }

    /** Raises the promise to {@code ballot} if it is higher, and writes the raise. */
    void raisePromise(Ballot ballot) {
        if (ballot.greaterThan(promised)) {
            promised = ballot;
            writePromise(ballot);
        }
    }

    /** The write that makes a raised promise durable (it only grows: DESIGN.md P2). */
    void writePromise(Ballot ballot) {
        out.write(new StorageWrite.Promised(ballot));
    }

    /** Records that the acceptor accepted {@code value} in {@code slot} at {@code ballot}, and writes it. */
    void accept(long slot, Ballot ballot, Value value) {
        accepted.put(slot, new SlotEntry(slot, ballot, value, false));
        out.write(new StorageWrite.Accepted(slot, ballot, value));
    }

    Optional<SlotEntry> acceptedAt(long slot) {
        return Optional.ofNullable(accepted.get(slot));
    }

    /** Accepted slots above {@code slot}, in slot order. */
    NavigableMap<Long, SlotEntry> acceptedAbove(long slot) {
        return accepted.tailMap(slot, false);
    }

    /** Accepted slots in [from, to]. */
    NavigableMap<Long, SlotEntry> acceptedBetween(long from, long to) {
        if (from > to) {
            return new TreeMap<>();
        }
        return accepted.subMap(from, true, to, true);
    }

    /** The highest slot with an accepted (not yet chosen) record, or 0. */
    long highestAcceptedSlot() {
        return accepted.isEmpty() ? 0 : accepted.lastKey();
    }

    /** Whether the acceptor holds nothing: no promise and no accepted value. */
    boolean acceptorIsEmpty() {
        return promised.isZero() && accepted.isEmpty();
    }

    // ---------------------------------------------------------------- what is chosen

    long chosenPrefix() {
        return chosenPrefix;
    }

    long logStart() {
        return logStart;
    }

    /**
     * Forgets the values of the slots below {@code below} (the application holds a snapshot past them),
     * and writes it: it only grows, and never past the chosen prefix + 1.
     *
     * @return whether the log start moved
     */
    boolean compact(long below) {
        below = Math.min(below, chosenPrefix + 1);
        if (below <= logStart) {
            return false;
        }
        logStart = below;
        dropRecentBelow(below);
        out.write(new StorageWrite.LogStart(below));
        return true;
    }

    /**
     * The application installed a snapshot of slot {@code slot} from a peer: every slot up to it is
     * chosen (the snapshot's checkpoint was delivered there), and none of their values is needed here.
     * The prefix moves up to it if it is behind, what was accepted or learned below goes, and the log
     * start becomes the slot after it.
     */
    void install(long slot) {
        if (slot + 1 <= logStart) {
            return;
        }
        logStart = slot + 1;
        if (slot > chosenPrefix) {
            chosenPrefix = slot;
            chosenAbove.headMap(slot, true).clear();
            accepted.headMap(slot, true).clear();
        }
        dropRecentBelow(logStart);
        out.write(new StorageWrite.LogStart(logStart));
        advancePrefix();
    }

    private void dropRecentBelow(long below) {
        while (!recent.isEmpty() && recent.firstKey() < below) {
            recentBytes -= recent.pollFirstEntry().getValue().weight();
        }
    }

    long highestKnownChosenSlot() {
        return chosenAbove.isEmpty() ? chosenPrefix : chosenAbove.lastKey();
    }

    boolean isChosen(long slot) {
        return slot <= chosenPrefix || chosenAbove.containsKey(slot);
    }

    /** Whether the value of {@code slot} was compacted away here (it is chosen, and gone). */
    boolean isCompacted(long slot) {
        return slot < logStart;
    }

    /** Chosen slots above {@code slot} learned out of order. */
    NavigableMap<Long, Value> chosenAbove(long slot) {
        return chosenAbove.tailMap(slot, false);
    }

    Optional<Value> chosenValue(long slot) {
        if (slot < logStart) {
            return Optional.empty(); // compacted
        }
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
     * @throws SafetyViolation if another value is known chosen there
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
        if (slot <= chosenPrefix || slot < logStart) {
            return false; // chosen, and no longer cached (or compacted): nothing to learn
        }
        if (!storedByAcceptor) {
            out.write(new StorageWrite.Chosen(slot, value));
        }
        chosenAbove.put(slot, value);
        accepted.remove(slot);
        logClock.observe(value);
        return true;
    }

    /** Folds contiguous chosen slots into the prefix; writes the new prefix. */
    boolean advancePrefix() {
        long before = chosenPrefix;
        while (!chosenAbove.isEmpty() && chosenAbove.firstKey() == chosenPrefix + 1) {
            var first = chosenAbove.pollFirstEntry();
            chosenPrefix = first.getKey();
            recent.put(first.getKey(), first.getValue());
            recentBytes += first.getValue().weight();
        }
        if (chosenPrefix > before) {
            accepted.headMap(chosenPrefix, true).clear();
            out.write(new StorageWrite.ChosenPrefix(chosenPrefix));
            return true;
        }
        return false;
    }

    /**
     * Keeps recent values within their bounds, never one the storage has not made durable yet (the
     * caller persists asynchronously, so a read-back could miss it).
     */
    void trimRecent() {
        long durable = durableLog.chosenPrefix();
        while (!recent.isEmpty() && recent.firstKey() <= durable
                && (recent.size() > RECENT_MAX_SLOTS || recentBytes > config.maxRecentBytes())) {
            recentBytes -= recent.pollFirstEntry().getValue().weight();
        }
    }
}
