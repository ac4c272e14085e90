package io.paxcast.paxos.core;

import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The tunables of one node. Every duration is in ticks, the core's only notion of time; the driver
 * decides how long a tick is (the Vert.x driver: {@code paxos.tickMillis}).
 *
 * @param nodeId               this node
 * @param voters               the acceptors, this node included; a majority of them is a quorum.
 *                             Comes from configuration, never from a cluster manager's view.
 * @param pipelineWindow       the leader proposes a fresh batch only while fewer than this many slots are
 *                             in flight (PAXOS-NOTES 16); the re-proposals of a takeover are all sent at
 *                             once, whatever their number, since the log cannot move on without them
 * @param maxBatchCommands     a batch closes when it holds this many commands...
 * @param maxBatchBytes        ...or this many bytes
 * @param heartbeatTicks       a leader sends heartbeats this often
 * @param electionTimeoutTicks a follower that heard no leader for a random time in
 *                             [electionTimeoutTicks, 2 * electionTimeoutTicks) campaigns
 * @param retransmitTicks      unanswered Prepare/Accept/catch-up requests are resent this often
 * @param resubmitTicks        a command submitted here and not yet delivered is handed to the
 *                             leader again after this long (the forward may have been lost)
 * @param maxPendingCommands   submissions this node tracks at once; beyond it {@code submit} refuses
 * @param catchupBatchSlots    chosen slots per catch-up reply
 * @param dedupeWindowMillis   a command id is skipped if delivered within this much log time before
 * @param bugs                 deliberately broken behaviours, for the simulator's self-test only
 * @param voting               false for a node that must not vote or lead (its storage was found corrupt,
 *                             so it cannot prove what it promised: PAXOS-NOTES 3-4); it still learns
 *                             the chosen log from its peers, serves it, and forwards client commands
 * @param leaderStickiness     while a node hears a live leader it ignores other candidates' Prepares
 *                             (a liveness rule: see {@link PaxosNode}; the papers' scenarios are tested
 *                             without it)
 */
public record PaxosConfig(
        String nodeId,
        List<String> voters,
        int pipelineWindow,
        int maxBatchCommands,
        int maxBatchBytes,
        int heartbeatTicks,
        int electionTimeoutTicks,
        int retransmitTicks,
        int resubmitTicks,
        int maxPendingCommands,
        int catchupBatchSlots,
        long dedupeWindowMillis,
        Set<InjectedBug> bugs,
        boolean voting,
        boolean leaderStickiness) {

    public PaxosConfig(String nodeId, List<String> voters, int pipelineWindow, int maxBatchCommands, int maxBatchBytes,
                       int heartbeatTicks, int electionTimeoutTicks, int retransmitTicks, int resubmitTicks,
                       int maxPendingCommands, int catchupBatchSlots, long dedupeWindowMillis, Set<InjectedBug> bugs) {
        this(nodeId, voters, pipelineWindow, maxBatchCommands, maxBatchBytes, heartbeatTicks, electionTimeoutTicks,
                retransmitTicks, resubmitTicks, maxPendingCommands, catchupBatchSlots, dedupeWindowMillis, bugs, true, true);
    }

    public PaxosConfig {
        Objects.requireNonNull(nodeId, "nodeId");
        voters = List.copyOf(voters);
        if (!voters.contains(nodeId)) {
            throw new IllegalArgumentException("node " + nodeId + " is not among the voters " + voters);
        }
        if (voters.stream().distinct().count() != voters.size()) {
            throw new IllegalArgumentException("duplicate voter in " + voters);
        }
        requirePositive("pipelineWindow", pipelineWindow);
        requirePositive("maxBatchCommands", maxBatchCommands);
        requirePositive("maxBatchBytes", maxBatchBytes);
        requirePositive("heartbeatTicks", heartbeatTicks);
        requirePositive("electionTimeoutTicks", electionTimeoutTicks);
        requirePositive("retransmitTicks", retransmitTicks);
        requirePositive("resubmitTicks", resubmitTicks);
        requirePositive("maxPendingCommands", maxPendingCommands);
        requirePositive("catchupBatchSlots", catchupBatchSlots);
        if (dedupeWindowMillis < 0) {
            throw new IllegalArgumentException("dedupeWindowMillis < 0");
        }
        if (electionTimeoutTicks <= heartbeatTicks) {
            throw new IllegalArgumentException("electionTimeoutTicks must exceed heartbeatTicks");
        }
        bugs = bugs.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(bugs));
    }

    /** Defaults that suit a 10 ms tick: heartbeat 50 ms, election timeout 300-600 ms. */
    public static PaxosConfig defaults(String nodeId, List<String> voters) {
        return new PaxosConfig(nodeId, voters, 64, 512, 256 * 1024, 5, 30, 10, 100, 100_000, 64,
                10 * 60 * 1000L, Set.of());
    }

    public int quorum() {
        return voters.size() / 2 + 1;
    }

    public PaxosConfig withBugs(Set<InjectedBug> injected) {
        return new PaxosConfig(nodeId, voters, pipelineWindow, maxBatchCommands, maxBatchBytes, heartbeatTicks,
                electionTimeoutTicks, retransmitTicks, resubmitTicks, maxPendingCommands, catchupBatchSlots,
                dedupeWindowMillis, injected, voting, leaderStickiness);
    }

    public PaxosConfig withTimeouts(int heartbeat, int electionTimeout, int retransmit, int resubmit) {
        return new PaxosConfig(nodeId, voters, pipelineWindow, maxBatchCommands, maxBatchBytes, heartbeat,
                electionTimeout, retransmit, resubmit, maxPendingCommands, catchupBatchSlots,
                dedupeWindowMillis, bugs, voting, leaderStickiness);
    }

    public PaxosConfig withBatching(int window, int batchCommands, int batchBytes) {
        return new PaxosConfig(nodeId, voters, window, batchCommands, batchBytes, heartbeatTicks,
                electionTimeoutTicks, retransmitTicks, resubmitTicks, maxPendingCommands, catchupBatchSlots,
                dedupeWindowMillis, bugs, voting, leaderStickiness);
    }

    /** The same node as a non-voting learner (see {@link #voting}). */
    public PaxosConfig asNonVoting() {
        return new PaxosConfig(nodeId, voters, pipelineWindow, maxBatchCommands, maxBatchBytes, heartbeatTicks,
                electionTimeoutTicks, retransmitTicks, resubmitTicks, maxPendingCommands, catchupBatchSlots,
                dedupeWindowMillis, bugs, false, leaderStickiness);
    }

    public PaxosConfig withLeaderStickiness(boolean sticky) {
        return new PaxosConfig(nodeId, voters, pipelineWindow, maxBatchCommands, maxBatchBytes, heartbeatTicks,
                electionTimeoutTicks, retransmitTicks, resubmitTicks, maxPendingCommands, catchupBatchSlots,
                dedupeWindowMillis, bugs, voting, sticky);
    }

    public boolean has(InjectedBug bug) {
        return bugs.contains(bug);
    }

    private static void requirePositive(String name, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be > 0, was " + value);
        }
    }
}
