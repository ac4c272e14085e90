package io.paxcast.paxos.core;

import io.paxcast.paxos.core.Message.FillRequest;
import io.paxcast.paxos.core.Message.StateProbe;
import io.paxcast.paxos.core.Message.StateReport;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * How a voter whose acceptor state is blank earns its vote back (DESIGN.md P3: "a wiped acceptor is a
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
 *       any of them promised and H the highest slot any of them accepted or knew chosen. Before the disk
 *       was lost this node may have promised anything up to M (the candidate of a ballot it promised
 *       holds that promise itself, and answered), and it may have helped choose values in slots up to
 *       H (every other member of that majority accepted them, and answered); nothing it did can reach
 *       further, since it did nothing since. So it waits until it has learned every slot up to H as
 *       chosen (from the others: it never votes for them), then adopts M as its promise and votes. From
 *       then on a majority it belongs to either finds those slots chosen in its chosen prefix (a new
 *       leader catches up from it first) or meets slots above H, which nothing it did touched. It asks
 *       the leader to fill slots up to H with no-ops if no command does ({@link FillRequest}), so an idle
 *       cluster lets it back in too.</li>
 * </ol>
 * Every voter must answer: with one down, a value may be held by it alone, and the node stays a learner
 * until it is back.
 *
 * <p>The rules speak for the cluster only while its voters are the bootstrap ones: once a membership
 * change was applied, other voters may hold what this node forgot, and probing the bootstrap voters
 * proves nothing (a member that was added and holds the log is not asked). So a report or the node's
 * own log showing an epoch above 0 ends rules 1 and 3 for good ({@link #superseded}; rule 2 still holds:
 * it proves this store never held anything, like a new acceptor's); the node stays a
 * learner until a change admits it again with the token of its store (removed, then added: the way a
 * member added by a change votes, see {@link Membership}). And a cluster bootstrapped with a single
 * voter never changes its membership ({@link PaxosNode#changeMembership}): that voter, wiped, would
 * find no one to ask. (An earlier form of rule 3 waited for a new leader elected without the node instead
 * of the chosen prefix: the simulator found it unsafe when that leader died before its re-proposals
 * were chosen; seed 2996.)
 */
final class Rejoin {
    /** Becoming intact: the tokens to record, and the ballot to adopt as promised (null: none). */
    record Decision(Map<String, Long> bootstrap, Ballot adopt) {}

    private final PaxosConfig config;
    private final long token;
    private final Map<String, StateReport> reports = new HashMap<>();
    private Ballot threshold;
    private long horizon;
    private long lastProbeTick = Long.MIN_VALUE / 2;
    private long lastFillTick = Long.MIN_VALUE / 2;
    private boolean superseded;

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

    /** The slot up to which this node must know the log before it votes (rule 3). */
    long horizon() {
        return horizon;
    }

    int reports() {
        return reports.size();
    }

    /** Whether a voter reported a membership change: the rules no longer apply (see the class comment). */
    boolean superseded() {
        return superseded;
    }

    /** What to send now: probes to voters that did not answer; a fill request to the leader. */
    List<Message> tick(long now, String leaderId, long chosenPrefix) {
        List<Message> out = new ArrayList<>();
        if (now - lastProbeTick >= config.retransmitTicks()) {
            lastProbeTick = now;
            for (String voter : config.voters()) {
                if (!voter.equals(config.nodeId()) && !reports.containsKey(voter)) {
                    out.add(new StateProbe(config.nodeId(), voter, token));
                }
            }
        }
        if (threshold != null && chosenPrefix < horizon && leaderId != null && !leaderId.equals(config.nodeId())
                && now - lastFillTick >= config.electionTimeoutTicks()) {
            lastFillTick = now;
            out.add(new FillRequest(config.nodeId(), leaderId, horizon));
        }
        return out;
    }

    /** A report arrived; returns the decision to become intact, or null to keep waiting. */
    Decision onReport(StateReport report, long chosenPrefix, long knownEpoch) {
        if (report.token() != token || !config.voters().contains(report.from())
                || report.from().equals(config.nodeId())) {
            return null; // an answer to an earlier blank store, or from a stranger
        }
        Long listed = report.bootstrap().get(config.nodeId());
        if (listed != null && listed == token) {
            // rule 2, in any epoch: this store has held nothing since the cluster began, a new acceptor
            return new Decision(report.bootstrap(), null);
        }
        if (report.epoch() > 0 || knownEpoch > 0) {
            superseded = true;
        }
        if (superseded) {
            return null;
        }
        reports.put(report.from(), report);
        if (reports.size() < config.voters().size() - 1) {
            return null;
        }
        boolean allEmpty = true;
        Ballot highest = Ballot.ZERO;
        long highestSlot = 0;
        for (StateReport r : reports.values()) {
            allEmpty &= r.empty();
            highest = Ballot.max(highest, r.promised());
            highestSlot = Math.max(highestSlot, r.highestSlot());
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
        horizon = highestSlot;
        return onChosenPrefix(chosenPrefix, knownEpoch);
    }

    /** Rule 3: every slot up to the horizon is known chosen here. */
    Decision onChosenPrefix(long chosenPrefix, long knownEpoch) {
        superseded |= knownEpoch > 0;
        if (!superseded && threshold != null && chosenPrefix >= horizon) {
            return new Decision(Map.of(), threshold);
        }
        return null;
    }

    /** Rule 1 when this node is the only voter: nobody else can hold anything. */
    Decision alone() {
        return config.voters().size() == 1 ? new Decision(Map.of(config.nodeId(), token), null) : null;
    }
}
