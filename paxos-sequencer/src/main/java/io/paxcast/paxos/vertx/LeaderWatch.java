package io.paxcast.paxos.vertx;

import io.paxcast.paxos.core.Ballot;
import io.paxcast.paxos.core.NodeStatus;
import org.slf4j.Logger;

import java.util.Objects;

/**
 * The leader this node believes in, as {@link SequencerDriver} sees it once per tick: one log line per
 * change, and the counts of elections and of losses of touch with the leader.
 *
 * <p>Threading: {@link #observe} runs on the sequencer's context only; the counts are read from any
 * thread.
 */
final class LeaderWatch {
    private final String nodeId;
    /** The driver's logger: the line is the driver's ({@code logger=SequencerDriver}). */
    private final Logger log;
    private String lastLeader;
    private Ballot lastLeaderBallot;
    private volatile long leaderChanges;
    private volatile long leaderLosses;

    LeaderWatch(String nodeId, Logger log) {
        this.nodeId = nodeId;
        this.log = log;
    }

    /** How often a new ballot led after the first leader seen: elections since the start. Any thread. */
    long leaderChanges() {
        return leaderChanges;
    }

    /** How often the view went from a leader to "no leader". Any thread. */
    long leaderLosses() {
        return leaderLosses;
    }

    /** One log line per change of the leader this node believes in (checked once per tick). */
    void observe(NodeStatus s) {
        String leader = s == null || !s.leaderInTouch() ? null : s.leaderId();
        if (leader != null && s.ballot() != null && !s.ballot().equals(lastLeaderBallot)) {
            if (lastLeaderBallot != null) {
                leaderChanges++; // a new ballot leads: an election happened (the first leader seen is not a change)
            }
            lastLeaderBallot = s.ballot();
        }
        if (leader == null && lastLeader != null) {
            leaderLosses++;
        }
        if (!Objects.equals(leader, lastLeader)) {
            log.info("event=leader_changed node={} leader={} ballot={} role={} chosenPrefix={}", nodeId,
                    leader == null ? "none" : leader, s == null ? "-" : s.ballot(),
                    s == null ? "-" : s.role(), s == null ? 0 : s.chosenPrefix());
            lastLeader = leader;
        }
    }
}
