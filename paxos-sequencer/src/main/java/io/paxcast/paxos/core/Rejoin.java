package io.paxcast.paxos.core;

import io.paxcast.paxos.core.Message.BallotRequest;
import io.paxcast.paxos.core.Message.StateProbe;
import io.paxcast.paxos.core.Message.StateReport;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * How a voter whose acceptor state is blank earns its vote back (PAXOS-NOTES 3: "a wiped acceptor is a
 * new acceptor").
 *
 * <p>An empty store cannot tell a new voter from one that lost its disk. If a voter that lost its disk
 * voted again, two majorities might not intersect: x chosen in slot 1 by {n1, n2}; n2 wiped; n1 down;
 * n3 and the blank n2 would choose y in slot 1. So a blank node starts as a learner (it learns and
 * serves the log and forwards commands, but answers no Prepare or Accept) and asks every other voter
 * for its state ({@link StateProbe}). Then:
 * <ol>
 *   <li><b>A new cluster.</b> If every other voter answers that it holds nothing at all (nothing
 *       promised, accepted or chosen), nothing can ever have been chosen or promised with this node's
 *       help: every such act leaves state on some other voter (a candidate persists its own promise before
 *       its Prepares leave). The node votes, and records the probe tokens of the blank voters it found
 *       empty.</li>
 *   <li><b>A late member of that new cluster.</b> If a voter's report lists this store's token among
 *       those it found empty when it started, this node held nothing then and has voted for nothing
 *       since (the token lives in the blank store; a lost disk loses it): it votes.</li>
 *   <li><b>A lost disk.</b> Otherwise, once every other voter has answered, let M be the highest ballot
 *       any of them promised. This node may have promised anything up to M before it lost its disk (a
 *       candidate's own promise is among the answers), and a value it helped choose is held by the rest
 *       of that majority. It waits for a leader at a ballot B above M, elected without it (it answers
 *       no Prepare): every member of B's majority promised B after answering the probe, so B's phase 1
 *       intersected every majority this node ever voted in and re-proposes whatever they chose. From
 *       then on it votes, at B or above (Paxos Made Live, section 5.1, made precise). It asks the
 *       leader for such a ballot ({@link BallotRequest}).</li>
 * </ol>
 * Every voter must answer: with one down, a value may be held by it alone, and the node stays a learner
 * until it is back. Two voters blank at once in a cluster of three have lost a majority of disks: they
 * stay learners (the operator's path is in docs/FAULTS.md).
 */
final class Rejoin {
    /** Becoming intact: the tokens to record, and the ballot to adopt as promised (null: none). */
    record Decision(Map<String, Long> bootstrap, Ballot adopt) {}

    private final PaxosConfig config;
    private final long token;
    private final Map<String, StateReport> reports = new HashMap<>();
    private Ballot threshold;
    private long lastProbeTick = Long.MIN_VALUE / 2;
    private long lastRequestTick = Long.MIN_VALUE / 2;

    Rejoin(PaxosConfig config, long token) {
        this.config = config;
        this.token = token == 0 ? 1 : token;
    }

    long token() {
        return token;
    }

    /** The highest ballot promised among every other voter, once all answered; else null. */
    Ballot threshold() {
        return threshold;
    }

    int reports() {
        return reports.size();
    }

    /** What to send now: probes to voters that did not answer; a ballot request to the leader. */
    List<Message> tick(long now, String leaderId) {
        List<Message> out = new ArrayList<>();
        if (now - lastProbeTick >= config.retransmitTicks()) {
            lastProbeTick = now;
            for (String voter : config.voters()) {
                if (!voter.equals(config.nodeId()) && !reports.containsKey(voter)) {
                    out.add(new StateProbe(config.nodeId(), voter, token));
                }
            }
        }
        if (threshold != null && leaderId != null && !leaderId.equals(config.nodeId())
                && now - lastRequestTick >= config.electionTimeoutTicks()) {
            lastRequestTick = now;
            out.add(new BallotRequest(config.nodeId(), leaderId, threshold));
        }
        return out;
    }

    /** A report arrived; returns the decision to become intact, or null to keep waiting. */
    Decision onReport(StateReport report) {
        if (report.token() != token || !config.voters().contains(report.from())
                || report.from().equals(config.nodeId())) {
            return null; // an answer to an earlier incarnation, or from a stranger
        }
        Long listed = report.bootstrap().get(config.nodeId());
        if (listed != null && listed == token) {
            return new Decision(report.bootstrap(), null); // rule 2
        }
        reports.put(report.from(), report);
        if (reports.size() < config.voters().size() - 1) {
            return null;
        }
        boolean allEmpty = true;
        Ballot highest = Ballot.ZERO;
        for (StateReport r : reports.values()) {
            allEmpty &= r.empty();
            highest = Ballot.max(highest, r.promised());
        }
        if (allEmpty) { // rule 1
            Map<String, Long> found = new HashMap<>();
            found.put(config.nodeId(), token);
            for (StateReport r : reports.values()) {
                if (r.blank()) {
                    found.put(r.from(), r.reporterToken());
                }
            }
            return new Decision(found, null);
        }
        threshold = highest;
        return null;
    }

    /** Rule 1 when this node is the only voter: nobody else can hold anything. */
    Decision alone() {
        return config.voters().size() == 1 ? new Decision(Map.of(config.nodeId(), token), null) : null;
    }

    /** A leader at {@code ballot} is at work (it sent an Accept or a heartbeat): rule 3. */
    Decision onLeader(Ballot ballot) {
        if (threshold != null && ballot.greaterThan(threshold)) {
            return new Decision(Map.of(), ballot);
        }
        return null;
    }
}
