package io.paxcast.paxos.core;

import java.util.List;
import java.util.Objects;

/**
 * The tunables of one node. Every duration is in ticks, the core's only notion of time; the driver
 * decides how long a tick is ({@code paxos.tickMillis}) and says so in {@link #millisPerTick}, which
 * the core uses only to advance the log clock ({@link LogClock}), never to decide anything.
 *
 * <p>Every queue the core holds has a bound here, in entries and in bytes (the Javadoc of the field
 * that holds it names the bound); past it the core refuses work ({@link PaxosNode#submit} returns null,
 * a leader drops forwarded commands, which their origin hands in again later), never grows.
 *
 * @param nodeId               this node
 * @param voters               the bootstrap voters (epoch 0 of the {@link Membership}); a majority of them
 *                             is a quorum until a change decided in the log says otherwise. Comes from
 *                             configuration, never from a cluster manager's view. A node not listed
 *                             starts as a learner and votes once a change makes it a voter.
 * @param pipelineWindow       the leader proposes a fresh batch only while fewer than this many slots are
 *                             in flight (DESIGN.md P16); the re-proposals of a takeover are all sent at
 *                             once, whatever their number, since the log cannot move on without them
 * @param maxBatchCommands     a batch closes when it holds this many commands...
 * @param maxBatchBytes        ...or this many bytes
 * @param heartbeatTicks       a leader sends heartbeats this often
 * @param electionTimeoutTicks a follower that heard no leader for a random time in
 *                             [electionTimeoutTicks, 2 * electionTimeoutTicks) campaigns
 * @param retransmitTicks      unanswered Prepare/Accept/catch-up requests are resent after this long,
 *                             then after twice as long, up to 8 times as long (back-off: a loaded peer is
 *                             not sent the same batch again and again)
 * @param resubmitTicks        a command submitted here and not yet delivered is handed to the
 *                             leader again after this long (the forward may have been lost), with the
 *                             same back-off; at once when a new leader appears
 * @param catchupBatchSlots    chosen slots per catch-up reply, at most...
 * @param catchupReplyBytes    ...and this many bytes (one slot always fits, whatever its size)
 * @param millisPerTick        how long a tick is, for the log clock
 * @param maxPendingCommands   commands submitted on this node and not yet delivered; past it
 *                             {@link PaxosNode#submit} refuses...
 * @param maxPendingBytes      ...and past this many bytes of them
 * @param maxQueuedBytes       bytes of commands a leader holds waiting for a slot; past it forwarded
 *                             commands are refused (their origin hands them in again later)
 * @param forwardWindowBytes   bytes of commands a follower has forwarded and the leader not yet answered
 *                             ({@link Message.ForwardAck}): flow control between followers and leader
 * @param maxRecentBytes       bytes of delivered values the learner keeps in memory to answer catch-up
 *                             without reading storage
 * @param maxPromiseBytes      bytes of accepted values one Promise carries; more come in further pages
 * @param maxDeliveriesPerReady slots delivered per {@link Ready}, so a long replay after a restart
 *                             cannot hold the node's thread (the rest come in the following Readies)
 * @param checkpointEverySlots the learner attaches a {@link Checkpoint} to the delivery of every slot
 *                             that is a multiple of this: how often an application can snapshot its state
 * @param voting               false for a node that must never vote or lead (a configured learner); it
 *                             still learns the chosen log, serves it, and forwards client commands
 * @param leaderStickiness     while a node hears a live leader it ignores other candidates' Prepares
 * @param preVote              a node asks the voters whether they would vote for it before it campaigns
 *                             (Raft's pre-vote), so a node that cannot win never raises a promise
 * @param activationDelay      α: a membership change decided in slot s governs the slots from s + α on
 *                             ({@link Configurations}). Part of the protocol: every node of a cluster
 *                             must use the same value for its whole life (production never changes the
 *                             default; the simulator uses small ones)
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
        int catchupBatchSlots,
        int catchupReplyBytes,
        long millisPerTick,
        int maxPendingCommands,
        long maxPendingBytes,
        long maxQueuedBytes,
        long forwardWindowBytes,
        long maxRecentBytes,
        int maxPromiseBytes,
        int maxDeliveriesPerReady,
        int checkpointEverySlots,
        boolean voting,
        boolean leaderStickiness,
        boolean preVote,
        int activationDelay) {

    public PaxosConfig {
        Objects.requireNonNull(nodeId, "nodeId");
        voters = List.copyOf(voters);
        if (voters.isEmpty()) {
            throw new IllegalArgumentException("no bootstrap voter");
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
        requirePositive("catchupBatchSlots", catchupBatchSlots);
        requirePositive("catchupReplyBytes", catchupReplyBytes);
        requirePositive("millisPerTick", millisPerTick);
        requirePositive("maxPendingCommands", maxPendingCommands);
        requirePositive("maxPendingBytes", maxPendingBytes);
        requirePositive("maxQueuedBytes", maxQueuedBytes);
        requirePositive("forwardWindowBytes", forwardWindowBytes);
        requirePositive("maxRecentBytes", maxRecentBytes);
        requirePositive("maxPromiseBytes", maxPromiseBytes);
        requirePositive("maxDeliveriesPerReady", maxDeliveriesPerReady);
        requirePositive("checkpointEverySlots", checkpointEverySlots);
        requirePositive("activationDelay", activationDelay);
        if (electionTimeoutTicks <= heartbeatTicks) {
            throw new IllegalArgumentException("electionTimeoutTicks must exceed heartbeatTicks");
        }
    }

    /** Defaults that suit a 10 ms tick: heartbeat 50 ms, election timeout 300-600 ms. */
    public static PaxosConfig defaults(String nodeId, List<String> voters) {
        return builder(nodeId, voters).build();
    }

    public static Builder builder(String nodeId, List<String> voters) {
        return new Builder(nodeId, voters);
    }

    public Builder toBuilder() {
        Builder b = new Builder(nodeId, voters);
        b.pipelineWindow = pipelineWindow;
        b.maxBatchCommands = maxBatchCommands;
        b.maxBatchBytes = maxBatchBytes;
        b.heartbeatTicks = heartbeatTicks;
        b.electionTimeoutTicks = electionTimeoutTicks;
        b.retransmitTicks = retransmitTicks;
        b.resubmitTicks = resubmitTicks;
        b.catchupBatchSlots = catchupBatchSlots;
        b.catchupReplyBytes = catchupReplyBytes;
        b.millisPerTick = millisPerTick;
        b.maxPendingCommands = maxPendingCommands;
        b.maxPendingBytes = maxPendingBytes;
        b.maxQueuedBytes = maxQueuedBytes;
        b.forwardWindowBytes = forwardWindowBytes;
        b.maxRecentBytes = maxRecentBytes;
        b.maxPromiseBytes = maxPromiseBytes;
        b.maxDeliveriesPerReady = maxDeliveriesPerReady;
        b.checkpointEverySlots = checkpointEverySlots;
        b.voting = voting;
        b.leaderStickiness = leaderStickiness;
        b.preVote = preVote;
        b.activationDelay = activationDelay;
        return b;
    }

    /** A majority of the bootstrap voters (the quorum of epoch 0; later ones: {@link Membership#quorum}). */
    public int quorum() {
        return voters.size() / 2 + 1;
    }

    /** Whether this node is one of the bootstrap voters. */
    public boolean bootstrapVoter() {
        return voters.contains(nodeId);
    }

    public PaxosConfig withTimeouts(int heartbeat, int electionTimeout, int retransmit, int resubmit) {
        return toBuilder().timeouts(heartbeat, electionTimeout, retransmit, resubmit).build();
    }

    public PaxosConfig withBatching(int window, int batchCommands, int batchBytes) {
        return toBuilder().batching(window, batchCommands, batchBytes).build();
    }

    /** The same node as a learner that never votes or leads. */
    public PaxosConfig asNonVoting() {
        return toBuilder().voting(false).build();
    }

    public PaxosConfig withLeaderStickiness(boolean sticky) {
        return toBuilder().leaderStickiness(sticky).build();
    }

    public PaxosConfig withPreVote(boolean on) {
        return toBuilder().preVote(on).build();
    }

    private static void requirePositive(String name, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be > 0, was " + value);
        }
    }

    /** Builds a {@link PaxosConfig}; starts from the defaults of a 10 ms tick. */
    public static final class Builder {
        private final String nodeId;
        private final List<String> voters;
        private int pipelineWindow = 64;
        private int maxBatchCommands = 512;
        private int maxBatchBytes = 128 * 1024;
        private int heartbeatTicks = 5;
        private int electionTimeoutTicks = 30;
        private int retransmitTicks = 10;
        private int resubmitTicks = 100;
        private int catchupBatchSlots = 64;
        private int catchupReplyBytes = 1 << 20;
        private long millisPerTick = 10;
        private int maxPendingCommands = 100_000;
        private long maxPendingBytes = 8L << 20;
        private long maxQueuedBytes = 8L << 20;
        private long forwardWindowBytes = 2L << 20;
        private long maxRecentBytes = 8L << 20;
        private int maxPromiseBytes = 1 << 20;
        private int maxDeliveriesPerReady = 1024;
        private int checkpointEverySlots = 32;
        private boolean voting = true;
        private boolean leaderStickiness = true;
        private boolean preVote = true;
        private int activationDelay = 256;

        private Builder(String nodeId, List<String> voters) {
            this.nodeId = nodeId;
            this.voters = voters;
        }

        public Builder batching(int window, int batchCommands, int batchBytes) {
            this.pipelineWindow = window;
            this.maxBatchCommands = batchCommands;
            this.maxBatchBytes = batchBytes;
            return this;
        }

        public Builder timeouts(int heartbeat, int electionTimeout, int retransmit, int resubmit) {
            this.heartbeatTicks = heartbeat;
            this.electionTimeoutTicks = electionTimeout;
            this.retransmitTicks = retransmit;
            this.resubmitTicks = resubmit;
            return this;
        }

        public Builder catchup(int slots, int bytes) {
            this.catchupBatchSlots = slots;
            this.catchupReplyBytes = bytes;
            return this;
        }

        public Builder millisPerTick(long millis) {
            this.millisPerTick = millis;
            return this;
        }

        /** The bounds of the submissions this node tracks. */
        public Builder pending(int commands, long bytes) {
            this.maxPendingCommands = commands;
            this.maxPendingBytes = bytes;
            return this;
        }

        public Builder maxQueuedBytes(long bytes) {
            this.maxQueuedBytes = bytes;
            return this;
        }

        public Builder forwardWindowBytes(long bytes) {
            this.forwardWindowBytes = bytes;
            return this;
        }

        public Builder maxRecentBytes(long bytes) {
            this.maxRecentBytes = bytes;
            return this;
        }

        public Builder maxPromiseBytes(int bytes) {
            this.maxPromiseBytes = bytes;
            return this;
        }

        public Builder maxDeliveriesPerReady(int slots) {
            this.maxDeliveriesPerReady = slots;
            return this;
        }

        public Builder checkpointEverySlots(int slots) {
            this.checkpointEverySlots = slots;
            return this;
        }

        public Builder voting(boolean on) {
            this.voting = on;
            return this;
        }

        public Builder leaderStickiness(boolean on) {
            this.leaderStickiness = on;
            return this;
        }

        public Builder preVote(boolean on) {
            this.preVote = on;
            return this;
        }

        public Builder activationDelay(int slots) {
            this.activationDelay = slots;
            return this;
        }

        public PaxosConfig build() {
            return new PaxosConfig(nodeId, voters, pipelineWindow, maxBatchCommands, maxBatchBytes, heartbeatTicks,
                    electionTimeoutTicks, retransmitTicks, resubmitTicks, catchupBatchSlots, catchupReplyBytes,
                    millisPerTick, maxPendingCommands, maxPendingBytes, maxQueuedBytes, forwardWindowBytes, maxRecentBytes,
                    maxPromiseBytes, maxDeliveriesPerReady, checkpointEverySlots, voting, leaderStickiness, preVote,
                    activationDelay);
        }
    }
}
