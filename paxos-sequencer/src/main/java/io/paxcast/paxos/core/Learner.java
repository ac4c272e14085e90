package io.paxcast.paxos.core;

import io.paxcast.paxos.core.Message.SlotEntry;

import java.util.ArrayList;
import java.util.List;

/**
 * The learner role: which slots are chosen, and their delivery in slot order, each exactly once.
 *
 * <p>Invariants (DESIGN.md P10-P13):
 * <ul>
 *   <li>a slot is learned only from a majority of Accepted at one ballot (the leader), from a leader's
 *       commit point covering a value this node accepted at that very ballot, or from a peer's chosen
 *       log; never from a merely accepted value of a peer;</li>
 *   <li>a slot is delivered only after every lower slot was delivered (hold-back), once per run; a run
 *       delivers from slot 1, or from the slot after the {@link Checkpoint} it resumed from, so the
 *       application state is a function of the log;</li>
 *   <li>a command applied before is left out of a later delivery ({@link AppliedCommands}), identically on
 *       every node: the rule depends on the log alone.</li>
 * </ul>
 * What is chosen is kept in the {@link PaxosLog} the roles share (the proposer learns there too, when
 * its Accepts reach a majority); this role adds the two rules that are the learner's own: the commit
 * point a leader announces, and delivery. Deliveries go out through the {@link Outbox}.
 */
class Learner {
    private final PaxosConfig config;
    private final PaxosLog log;
    private final Outbox out;
    /** Shared with the {@link Proposer}, which need not propose a command the log already settled. */
    private final AppliedCommands applied;
    /** Shared with the {@link Proposer}: which membership governs which slot, advanced by deliveries. */
    private final Configurations members;

    private long deliveredUpTo;
    /** The log's stamps after the last delivered slot: running maxima, so they never go back. */
    private long wallTime;
    private long logTime;

    Learner(PaxosConfig config, PaxosLog log, Outbox out, AppliedCommands applied, Configurations members) {
        this.config = config;
        this.log = log;
        this.out = out;
        this.applied = applied;
        this.members = members;
    }

    /**
     * Starts this run as if slots 1 to {@code checkpoint.slot()} had been delivered: the application
     * restored its own state at that slot, and the next delivery is the slot after it.
     */
    void resumeFrom(Checkpoint checkpoint) {
        members.restore(configurationsOf(checkpoint));
        deliveredUpTo = checkpoint.slot();
        wallTime = checkpoint.timestampMillis();
        logTime = checkpoint.logClockMillis();
    }

    /**
     * The application replaced its state by a snapshot of {@code checkpoint}'s slot, installed from a
     * peer: delivery goes on from the slot after it, with the learner's rules as they were there.
     * Ignored if this node delivered that far already.
     */
    void installed(Checkpoint checkpoint, AppliedCommands restored) {
        if (checkpoint.slot() <= deliveredUpTo) {
            return;
        }
        applied.replaceWith(restored);
        resumeFrom(checkpoint);
    }

    long deliveredUpTo() {
        return deliveredUpTo;
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
        if (commitUpTo <= log.chosenPrefix()) {
            return false;
        }
        List<SlotEntry> learnable = new ArrayList<>();
        for (SlotEntry entry : log.acceptedBetween(log.chosenPrefix() + 1, commitUpTo).values()) {
            if (entry.ballot().equals(ballot)) {
                learnable.add(entry);
            }
        }
        for (SlotEntry entry : learnable) {
            log.learn(entry.slot(), entry.value(), true);
        }
        log.advancePrefix();
        return log.chosenPrefix() < commitUpTo;
    }

    boolean hasUndelivered() {
        return deliveredUpTo < log.chosenPrefix() && canDeliverNext();
    }

    /**
     * Whether the next slot's value is still held: false when the store compacted past what this run
     * delivered (it started without the snapshot it compacted for): only an installed snapshot helps.
     */
    boolean canDeliverNext() {
        return deliveredUpTo + 1 >= log.logStart();
    }

    /**
     * Hands the next chosen slots to the application, in order, leaving out commands applied before.
     *
     * @return what this round delivered
     */
    List<Delivery> deliver(int maxDeliveries) {
        int limit = Math.min(maxDeliveries, config.maxDeliveriesPerReady());
        List<Delivery> deliveries = new ArrayList<>();
        while (deliveredUpTo < log.chosenPrefix() && canDeliverNext() && deliveries.size() < limit) {
            long slot = deliveredUpTo + 1;
            Value value = log.chosenValue(slot).orElseThrow(() -> new IllegalStateException(
                    "node " + config.nodeId() + ": chosen slot " + slot + " is neither in memory nor on disk"));
            deliveries.add(toDelivery(slot, value));
            deliveredUpTo = slot;
        }
        log.trimRecent();
        for (Delivery delivery : deliveries) {
            out.deliver(delivery);
        }
        return deliveries;
    }

    private Delivery toDelivery(long slot, Value value) {
        List<Command> fresh = new ArrayList<>(value.size());
        if (!value.noop()) {
            wallTime = Math.max(wallTime, value.timestampMillis());
            logTime = Math.max(logTime, value.logClockMillis());
            for (Command command : value.commands()) {
                if (firstApplication(command)) {
                    fresh.add(command);
                }
            }
        }
        members.applied(slot, value.membership());
        Checkpoint checkpoint = slot % config.checkpointEverySlots() == 0
                ? new Checkpoint(slot, wallTime, logTime, applied.encode(), members.encode()) : null;
        return new Delivery(slot, wallTime, logTime, value, fresh, checkpoint);
    }

    /**
     * The configurations a checkpoint carries; for one of version 1 (no membership change was possible
     * then), the bootstrap configuration, applied up to its slot.
     */
    Configurations configurationsOf(Checkpoint checkpoint) {
        byte[] bytes = checkpoint.members();
        if (bytes.length == 0) {
            Configurations c = new Configurations(Membership.bootstrap(config.voters()), config.activationDelay());
            c.applied(checkpoint.slot(), null);
            return c;
        }
        try {
            return Configurations.decode(bytes);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("cannot resume from " + checkpoint + ": " + e.getMessage(), e);
        }
    }

    /** DESIGN.md P11: whether {@code command} is applied here for the first time (and from now on it is not). */
    boolean firstApplication(Command command) {
        return applied.firstApplication(command);
    }
}
