package io.paxcast.paxos.core;

import io.paxcast.paxos.core.Message.Accept;
import io.paxcast.paxos.core.Message.Accepted;
import io.paxcast.paxos.core.Message.CatchupReply;
import io.paxcast.paxos.core.Message.ChosenEntry;
import io.paxcast.paxos.core.Message.Nack;
import io.paxcast.paxos.core.Message.Prepare;
import io.paxcast.paxos.core.Message.Promise;
import io.paxcast.paxos.core.Message.SlotEntry;

import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The acceptor role: the memory of the protocol.
 *
 * <p>Invariants (Paxos Made Simple, P1a and P2b):
 * <ul>
 *   <li>the promised ballot only grows, across restarts too: it is written before any reply that
 *       depends on it leaves the node ({@link Ready} ordering);</li>
 *   <li>it accepts a proposal only if its ballot is at least the promised one, and the accepted
 *       (ballot, value) is durable before the Accepted reply leaves.</li>
 * </ul>
 * It keeps in memory only slots above the chosen prefix that the learner has not yet seen chosen;
 * chosen values belong to the {@link Learner}. Whether it may answer at all (a configured learner,
 * or a blank acceptor that has not rejoined: DESIGN.md P3) is decided by {@link PaxosNode}.
 */
final class Acceptor {
    private final PaxosConfig config;
    private final Outbox out;
    private Ballot promised;
    private final TreeMap<Long, SlotEntry> accepted = new TreeMap<>();

    Acceptor(PaxosConfig config, Outbox out, DurableState state) {
        this.config = config;
        this.out = out;
        this.promised = state.promised();
        for (SlotEntry entry : state.slots()) {
            if (!entry.chosen()) {
                accepted.put(entry.slot(), entry);
            }
        }
    }

    Ballot promised() {
        return promised;
    }

    /**
     * A blank node that {@link Rejoin rejoined} adopts the ballot of the leader elected without it: it
     * can never have promised anything above it that still matters.
     */
    void adopt(Ballot ballot) {
        raisePromise(ballot);
    }

    /** The highest slot with an accepted (not yet chosen) record, or 0. */
    long highestAcceptedSlot() {
        return accepted.isEmpty() ? 0 : accepted.lastKey();
    }

    /** Whether this acceptor holds nothing: no promise and no accepted value. */
    boolean isEmpty() {
        return promised.isZero() && accepted.isEmpty();
    }

    /**
     * Phase 1b. Returns the Promise (or the Nack) to send back to the proposer. A report larger than
     * {@link PaxosConfig#maxPromiseBytes} is cut into pages: this one says where the next starts.
     */
    Message onPrepare(Prepare prepare, Learner learner) {
        if (!promise(prepare.ballot())) {
            return new Nack(config.nodeId(), prepare.from(), prepare.ballot(), promised);
        }
        long above = Math.max(prepare.fromSlot() - 1, learner.chosenPrefix());
        TreeMap<Long, SlotEntry> report = new TreeMap<>(accepted.tailMap(above, false));
        // A slot this node already knows chosen is reported as chosen: the leader must not re-decide it.
        for (var chosen : learner.chosenAbove(above).entrySet()) {
            report.put(chosen.getKey(), new SlotEntry(chosen.getKey(), Ballot.ZERO, chosen.getValue(), true));
        }
        List<SlotEntry> page = new ArrayList<>();
        long bytes = 0;
        long nextSlot = 0;
        for (SlotEntry entry : report.values()) {
            long weight = entry.value().weight();
            if (!page.isEmpty() && bytes + weight > config.maxPromiseBytes()) {
                nextSlot = entry.slot();
                break;
            }
            page.add(entry);
            bytes += weight;
        }
        return new Promise(config.nodeId(), prepare.from(), prepare.ballot(), learner.chosenPrefix(), page, nextSlot);
    }

    /** Phase 2b. Returns the Accepted (or Nack, or the already chosen value) to send back. */
    Message onAccept(Accept accept, Learner learner) {
        if (!config.has(InjectedBug.ACCEPTOR_IGNORES_PROMISE) && accept.ballot().lessThan(promised)) {
            return new Nack(config.nodeId(), accept.from(), accept.ballot(), promised);
        }
        Optional<Value> known = learner.chosenValue(accept.slot());
        if (known.isPresent()) {
            // Never overwrite a decided slot; tell the (lagging) proposer what was chosen there.
            return new CatchupReply(config.nodeId(), accept.from(),
                    List.of(new ChosenEntry(accept.slot(), known.get())), learner.chosenPrefix());
        }
        raisePromise(accept.ballot());
        accepted.put(accept.slot(), new SlotEntry(accept.slot(), accept.ballot(), accept.value(), false));
        out.write(new StorageWrite.Accepted(accept.slot(), accept.ballot(), accept.value()));
        return new Accepted(config.nodeId(), accept.from(), accept.ballot(), accept.slot());
    }

    /** Promises {@code ballot} if it is not below the current promise; persists a raise. */
    private boolean promise(Ballot ballot) {
        if (ballot.lessThan(promised)) {
            return false;
        }
        raisePromise(ballot);
        return true;
    }

    private void raisePromise(Ballot ballot) {
        if (ballot.greaterThan(promised)) {
            promised = ballot;
            if (!config.has(InjectedBug.ACCEPTOR_FORGETS_PROMISE)) {
                out.write(new StorageWrite.Promised(ballot));
            }
        }
    }

    Optional<SlotEntry> acceptedAt(long slot) {
        return Optional.ofNullable(accepted.get(slot));
    }

    /** Accepted slots in [from, to]. */
    NavigableMap<Long, SlotEntry> acceptedBetween(long from, long to) {
        if (from > to) {
            return new TreeMap<>();
        }
        return accepted.subMap(from, true, to, true);
    }

    /** The learner decided {@code slot}: its accepted record is no longer needed in memory. */
    void forget(long slot) {
        accepted.remove(slot);
    }

    void forgetThrough(long slot) {
        accepted.headMap(slot, true).clear();
    }

    int acceptedCount() {
        return accepted.size();
    }
}
