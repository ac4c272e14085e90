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
 * Its memory (the promise, the accepted values) is in the {@link PaxosLog} the roles share; its
 * replies go out through the {@link Outbox}, after the writes that make them true. Whether it may
 * answer at all (a configured learner, or a blank acceptor that has not rejoined: DESIGN.md P3) is
 * decided by {@link PaxosNode}.
 */
// Not final, nor Learner, Proposer, PaxosLog and LogClock: the simulator's self-test plants bugs in
// subclasses (src/test: PlantedBugs), through the package-private Roles.
class Acceptor {
    /** What a Prepare or an Accept led to (the reply itself is in the {@link Outbox}). */
    enum Vote { PROMISED, ACCEPTED, REFUSED, ALREADY_CHOSEN }

    private final PaxosConfig config;
    private final PaxosLog log;
    private final Outbox out;

    Acceptor(PaxosConfig config, PaxosLog log, Outbox out) {
        this.config = config;
        this.log = log;
        this.out = out;
    }

    /**
     * A blank node that {@link Rejoin rejoined} adopts the ballot of the leader elected without it: it
     * can never have promised anything above it that still matters.
     */
    void adopt(Ballot ballot) {
        log.raisePromise(ballot);
    }

    /**
     * Phase 1b: a Promise (or a Nack) back to the proposer. A report larger than
     * {@link PaxosConfig#maxPromiseBytes} is cut into pages: this one says where the next starts.
     */
    Vote onPrepare(Prepare prepare) {
        if (refuses(prepare.ballot())) {
            out.send(new Nack(config.nodeId(), prepare.from(), prepare.ballot(), log.promised()));
            return Vote.REFUSED;
        }
        log.raisePromise(prepare.ballot());
        long above = Math.max(prepare.fromSlot() - 1, log.chosenPrefix());
        TreeMap<Long, SlotEntry> report = new TreeMap<>(log.acceptedAbove(above));
        // A slot this node already knows chosen is reported as chosen: the leader must not re-decide it.
        for (var chosen : log.chosenAbove(above).entrySet()) {
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
        out.send(new Promise(config.nodeId(), prepare.from(), prepare.ballot(), log.chosenPrefix(), page, nextSlot));
        return Vote.PROMISED;
    }

    /** Phase 2b: an Accepted (or a Nack, or the value already chosen in that slot) back to the proposer. */
    Vote onAccept(Accept accept) {
        if (refusesAccept(accept)) {
            out.send(new Nack(config.nodeId(), accept.from(), accept.ballot(), log.promised()));
            return Vote.REFUSED;
        }
        Optional<Value> known = log.chosenValue(accept.slot());
        if (known.isPresent()) {
            // Never overwrite a decided slot; tell the (lagging) proposer what was chosen there.
            out.send(new CatchupReply(config.nodeId(), accept.from(),
                    List.of(new ChosenEntry(accept.slot(), known.get())), log.chosenPrefix()));
            return Vote.ALREADY_CHOSEN;
        }
        log.raisePromise(accept.ballot());
        log.accept(accept.slot(), accept.ballot(), accept.value());
        out.send(new Accepted(config.nodeId(), accept.from(), accept.ballot(), accept.slot()));
        return Vote.ACCEPTED;
    }

    /** P1a: an acceptor answers no request below the ballot it promised. */
    boolean refuses(Ballot ballot) {
        return ballot.lessThan(log.promised());
    }

    /** P1a for phase 2: "it accepts a proposal numbered n unless it has promised a higher one". */
    boolean refusesAccept(Accept accept) {
        return refuses(accept.ballot());
    }
}
