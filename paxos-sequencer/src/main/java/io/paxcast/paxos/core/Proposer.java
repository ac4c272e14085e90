package io.paxcast.paxos.core;

import io.paxcast.paxos.core.Message.Accept;
import io.paxcast.paxos.core.Message.Accepted;
import io.paxcast.paxos.core.Message.Heartbeat;
import io.paxcast.paxos.core.Message.Nack;
import io.paxcast.paxos.core.Message.Prepare;
import io.paxcast.paxos.core.Message.Promise;
import io.paxcast.paxos.core.Message.SlotEntry;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.TreeMap;

/**
 * The proposer role, which becomes the distinguished leader of Multi-Paxos.
 *
 * <p>A candidate runs phase 1 once, for every slot from its first unchosen one upward (Paxos Made
 * Moderately Complex, "scouts"). With a quorum of promises it re-proposes, in each open slot, the
 * value accepted at the highest ballot, fills the remaining holes with no-ops (DESIGN.md P7), and
 * then proposes fresh batches above them, keeping at most {@code pipelineWindow} slots in flight
 * (phase 2, "commanders"). Any sign of a higher ballot makes it step down (DESIGN.md P8).
 *
 * <p>Work does not multiply near saturation: a command already waiting, in flight or applied is not
 * queued again when its origin hands it in a second time; an unanswered Accept is resent with
 * back-off, only to the voters that did not answer, and never once the slot is chosen. The queue of
 * commands waiting for a slot is bounded by {@link PaxosConfig#maxQueuedBytes}.
 *
 * <p>Membership change (DESIGN.md P17): every slot has one configuration ({@link Configurations}), and
 * the proposer treats each slot as a classic Paxos instance among that configuration's voters: its
 * Accepts for a slot go to them, a majority of them chooses it, and it proposes in a slot only with
 * promises from a majority of them. So it proposes only up to the {@link Configurations#horizon}, the
 * last slot whose configuration the applied log determines; re-proposals found in phase 1 above it
 * wait there. When a configuration it holds no quorum of promises from comes within the horizon, it
 * runs phase 1 again, at once, with a higher ballot, among the voters of every configuration it now
 * knows.
 *
 * <p>What it knows of the log (its own acceptor's promise, what is chosen) it reads from the
 * {@link PaxosLog} the roles share, and it learns there what its Accepts got chosen; its messages go
 * out through the {@link Outbox}.
 */
class Proposer {
    enum Role { FOLLOWER, CANDIDATE, LEADER }

    private static final int MAX_BACKOFF_SHIFT = 3;

    private final PaxosConfig config;
    private final PaxosLog log;
    private final Outbox out;
    /** Shared with the {@link Learner}: a command the applied log settled is not proposed again. */
    private final AppliedCommands applied;
    private final LogClock clock;
    /** Shared with the {@link Learner}, which applies membership changes in slot order. */
    private final Configurations members;

    private Role role = Role.FOLLOWER;
    private Ballot ballot = Ballot.ZERO;
    /** The highest ballot seen anywhere: a new campaign goes above it. */
    private Ballot highestSeen = Ballot.ZERO;

    // phase 1
    private final PhaseOneReports reports = new PhaseOneReports();
    private long prepareFromSlot;
    private long lastPrepareTick;
    private long awaitedPrefix;
    /**
     * The acceptors whose complete promise this leader's phase 1 holds, each with the token the newest
     * configuration admitted it with then: it proposes where they are a quorum of that incarnation
     * ({@link Membership#isQuorumOfIncarnations}).
     */
    private final Map<String, Long> promisedBy = new HashMap<>();
    /**
     * The incarnation this ballot's Prepares went to, per voter: the token the newest configuration
     * with it as a voter admitted it with when phase 1 began.
     */
    private final Map<String, Long> campaignTokens = new HashMap<>();
    /** Phase 1's re-proposals above the horizon, waiting for their configuration to be known. */
    private final TreeMap<Long, Value> deferred = new TreeMap<>();
    /** A membership change waiting for a slot, then the slot it got (its proposal is in flight until applied). */
    private Membership proposedChange;
    private long changeSlot = Long.MAX_VALUE;

    // phase 2
    private long nextSlot;
    private final InFlightSlots inFlight = new InFlightSlots();
    private final CommandQueue pending;
    private final Map<String, Long> lastHeardFrom = new HashMap<>();
    /** Per follower, the probe of its latest HeartbeatAck at this ballot: echoed in the next Heartbeat. */
    private final Map<String, Long> lastProbe = new HashMap<>();
    private long lastHeartbeatTick;
    private long lastAnnouncedCommit;
    /** A blank voter waits for the slots up to here to be chosen: fill them with no-ops if idle. */
    private long fillUpTo;

    Proposer(PaxosConfig config, PaxosLog log, Outbox out, AppliedCommands applied, LogClock clock,
             Configurations members) {
        this.config = config;
        this.log = log;
        this.out = out;
        this.applied = applied;
        this.clock = clock;
        this.members = members;
        this.pending = new CommandQueue(config.maxQueuedBytes());
        this.highestSeen = log.promised();
    }

    Role role() {
        return role;
    }

    Ballot ballot() {
        return ballot;
    }

    boolean isLeader() {
        return role == Role.LEADER;
    }

    int inFlightCount() {
        return inFlight.size();
    }

    int pendingCount() {
        return pending.size();
    }

    long pendingBytes() {
        return pending.bytes();
    }

    void observe(Ballot seen) {
        highestSeen = Ballot.max(highestSeen, seen);
    }

    Ballot highestSeen() {
        return highestSeen;
    }

    /** The ballot a campaign would use now: above every ballot this node has seen or promised. */
    Ballot nextBallot() {
        return Ballot.max(highestSeen, log.promised()).next(config.nodeId());
    }

    // ---------------------------------------------------------------- phase 1

    /** Starts phase 1 with a ballot above every ballot this node has seen or promised. */
    void campaign(long tick) {
        ballot = nextBallot();
        highestSeen = ballot;
        role = Role.CANDIDATE;
        clearPromises();
        clearInFlight();
        prepareFromSlot = log.chosenPrefix() + 1;
        campaignTokens.clear();
        for (Membership m : members.governing(prepareFromSlot)) { // oldest first: the newest token wins
            for (String voter : m.voters()) {
                campaignTokens.put(voter, m.tokenOf(voter));
            }
        }
        awaitedPrefix = 0;
        lastPrepareTick = tick;
        sendPrepares();
    }

    /**
     * Phase 1a to every voter. The Prepare to this node itself is answered in-process before the
     * node's output is drained, so the promise (and with it the round, DESIGN.md P5) is in the write
     * group that must be durable before the Prepares to the other acceptors leave. (Package-private
     * and overridable only for the simulator's self-test, as {@link #becomeLeader}.)
     */
    void sendPrepares() {
        for (String voter : members.votersFrom(prepareFromSlot)) {
            out.send(new Prepare(config.nodeId(), voter, ballot, prepareFromSlot));
        }
    }

    long prepareFromSlot() {
        return prepareFromSlot;
    }

    void onPromise(Promise promise, long tick) {
        if (role != Role.CANDIDATE || !promise.ballot().equals(ballot)) {
            return;
        }
        String from = promise.from();
        if (reports.isComplete(from)) {
            return; // complete already: a duplicate
        }
        long nextPage = reports.add(promise);
        lastHeardFrom.put(from, tick);
        if (nextPage > 0) {
            out.send(new Prepare(config.nodeId(), from, ballot, nextPage)); // the next page
            return;
        }
        tryTakeOver(tick);
    }

    /**
     * With a quorum of promises, becomes leader, unless an acceptor in the quorum knows more chosen
     * slots than this node: then it first learns them through catch-up (it cannot re-propose a slot
     * whose accepted values it was not told about).
     *
     * @return the prefix to catch up to before taking over, or 0
     */
    long tryTakeOver(long tick) {
        if (role != Role.CANDIDATE || log.chosenPrefix() + 1 > members.horizon()
                || !quorumOfEvery(members.governing(log.chosenPrefix() + 1), reports.completeIds())) {
            return 0; // (beyond the horizon the next slot's voters are unknown: it waits for the learner)
        }
        long maxPrefix = reports.maxChosenPrefix();
        if (maxPrefix > log.chosenPrefix()) {
            awaitedPrefix = maxPrefix;
            return maxPrefix;
        }
        takeOver(tick);
        return 0;
    }

    /** Which peer to catch up from while a candidate: one whose promise reported the awaited prefix. */
    String catchupSource() {
        return reports.peerWithPrefix(awaitedPrefix, config.nodeId());
    }

    long awaitedPrefix() {
        return role == Role.CANDIDATE ? awaitedPrefix : 0;
    }

    private void takeOver(long tick) {
        // For every open slot, the value accepted at the highest ballot in the quorum (P2c).
        PhaseOneReports.Summary summary = reports.summarize();
        for (SlotEntry entry : summary.chosen()) {
            log.learn(entry.slot(), entry.value(), false);
        }
        TreeMap<Long, SlotEntry> highest = summary.highestAccepted();
        log.advancePrefix();
        long maxSlot = Math.max(log.highestKnownChosenSlot(), highest.isEmpty() ? 0 : highest.lastKey());
        Set<String> quorum = reports.completeIds();
        becomeLeader(tick, log.chosenPrefix() + 1);
        for (String id : quorum) {
            // the incarnations this ballot's Prepares went to: a member admitted again since then
            // (a new store, a new token) promised nothing of this ballot
            promisedBy.put(id, campaignTokens.getOrDefault(id, 0L));
        }
        for (long slot = log.chosenPrefix() + 1; slot <= maxSlot; slot++) {
            if (log.isChosen(slot)) {
                continue;
            }
            SlotEntry entry = highest.get(slot);
            deferred.put(slot, entry != null ? entry.value() : Value.NOOP);
        }
        nextSlot = Math.max(nextSlot, maxSlot + 1);
        clearPromises();
        proposeDeferred(tick);
    }

    private boolean quorumOfEvery(List<Membership> configurations, Set<String> answered) {
        Map<String, Long> incarnations = new HashMap<>();
        for (String id : answered) {
            incarnations.put(id, campaignTokens.getOrDefault(id, 0L));
        }
        for (Membership m : configurations) {
            if (!m.isQuorumOfIncarnations(incarnations)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether this leader may propose in {@code slot}: its configuration is known, and the promises of
     * this ballot include a quorum of its voters. If the configuration is known but the quorum is not
     * there (the voters changed since phase 1), it starts phase 1 again among them and returns false.
     */
    private boolean mayPropose(long slot, long tick) {
        if (slot > members.horizon()) {
            return false;
        }
        Membership m = members.at(slot);
        if (!m.isVoter(config.nodeId())) {
            return false; // removed: it lets the others elect a leader among the voters (see tick)
        }
        if (!m.isQuorumOfIncarnations(promisedBy)) {
            campaign(tick); // phase 1 again, now that it knows whom to ask
            return false;
        }
        return true;
    }

    /** Proposes phase 1's re-proposals that came within the horizon, in slot order. */
    private void proposeDeferred(long tick) {
        while (role == Role.LEADER && !deferred.isEmpty()) {
            long slot = deferred.firstKey();
            if (log.isChosen(slot)) {
                deferred.pollFirstEntry();
                continue;
            }
            if (!mayPropose(slot, tick)) {
                return;
            }
            propose(slot, deferred.pollFirstEntry().getValue(), tick);
        }
    }

    /**
     * Leads at the current ballot, proposing fresh batches from {@code firstFreeSlot} on. Package-private
     * only for the simulator's self-test (a planted bug leads without phase 1).
     */
    void becomeLeader(long tick, long firstFreeSlot) {
        role = Role.LEADER;
        nextSlot = firstFreeSlot;
        lastHeartbeatTick = tick - config.heartbeatTicks();
        lastAnnouncedCommit = -1;
        lastProbe.clear(); // probes answer heartbeats of this ballot only
        promisedBy.clear();
        deferred.clear();
        for (String voter : members.votersFrom(firstFreeSlot)) {
            lastHeardFrom.put(voter, tick);
        }
    }

    private void clearPromises() {
        reports.clear();
    }

    // ---------------------------------------------------------------- membership change

    /**
     * Proposes {@code next} (the epoch after the newest) in the next free slot. The caller checked that
     * this node leads and that no other change is under way ({@link #changeUnderWay}).
     */
    void proposeChange(Membership next) {
        proposedChange = next;
        changeSlot = Long.MAX_VALUE;
    }

    /** Whether a change this leader proposed is not applied yet (or waits for its slot). */
    boolean changeUnderWay() {
        return proposedChange != null && members.appliedUpTo() < changeSlot;
    }

    // ---------------------------------------------------------------- phase 2

    /**
     * Queues {@code command} for a slot. A command already waiting, in flight or applied is not queued
     * twice (its origin hands it in again when it does not see it delivered in time).
     *
     * @return false if this node does not lead, or its queue is full (the command is dropped; its
     *         origin tries again later)
     */
    boolean enqueue(Command command) {
        if (role == Role.FOLLOWER) {
            return false;
        }
        CommandId id = command.id();
        if (pending.contains(id) || inFlight.carries(id) || applied.isSettled(id)) {
            return true;
        }
        return pending.offer(command);
    }

    /** {@code id} was abandoned by its origin (this node): if it still waits for a slot, it never gets one. */
    void dropPending(CommandId id) {
        pending.remove(id);
    }

    /** Closes batches from the pending commands while the pipeline window has room. */
    void flush(long tick) {
        if (role != Role.LEADER) {
            return;
        }
        proposeDeferred(tick);
        if (!deferred.isEmpty()) {
            return; // fresh values go above phase 1's
        }
        if (proposedChange != null && changeSlot == Long.MAX_VALUE && inFlight.size() < config.pipelineWindow()
                && mayPropose(nextSlot, tick)) {
            changeSlot = nextSlot;
            propose(nextSlot++, Value.membership(clock.wallStamp(), clock.logStamp(), proposedChange), tick);
            // an idle log must still reach the slot the change governs from: fill up to it with no-ops
            fillUpTo = Math.max(fillUpTo, changeSlot + members.activationDelay());
        }
        while (role == Role.LEADER && !pending.isEmpty() && inFlight.size() < config.pipelineWindow()
                && mayPropose(nextSlot, tick)) {
            var batch = pending.takeBatch(config.maxBatchCommands(), config.maxBatchBytes());
            propose(nextSlot++, Value.batch(clock.wallStamp(), clock.logStamp(), batch), tick);
        }
        // a decided change must take effect even if an earlier leader proposed it and the log is idle
        // now: fill to the slot before the one it governs from (a new leader learns it from the log)
        fillUpTo = Math.max(fillUpTo, members.latestActivation() - 1);
        while (role == Role.LEADER && pending.isEmpty() && nextSlot <= fillUpTo
                && inFlight.size() < config.pipelineWindow() && mayPropose(nextSlot, tick)) {
            propose(nextSlot++, Value.NOOP, tick);
        }
    }

    private void propose(long slot, Value value, long tick) {
        clock.observe(value); // a re-proposed value's stamps: later batches go above them
        inFlight.add(slot, value, tick);
        for (String voter : members.at(slot).voters()) {
            out.send(new Accept(config.nodeId(), voter, ballot, slot, value, log.chosenPrefix()));
        }
    }

    private void clearInFlight() {
        inFlight.clear();
    }

    void onAccepted(Accepted accepted, long tick) {
        if (role != Role.LEADER || !accepted.ballot().equals(ballot)) {
            return;
        }
        lastHeardFrom.put(accepted.from(), tick);
        InFlightSlots.Proposal proposal = inFlight.get(accepted.slot());
        if (proposal == null) {
            return;
        }
        Membership voters = members.at(accepted.slot());
        if (!voters.isVoter(accepted.from())) {
            return; // not an acceptor of this slot (a stale answer from before a change): it counts for nothing
        }
        proposal.acceptedBy.add(accepted.from());
        if (voters.isQuorum(proposal.acceptedBy)) {
            // Chosen: a majority of the slot's voters accepted the same (ballot, value) (DESIGN.md P10, P17).
            inFlight.remove(accepted.slot());
            boolean storedHere = proposal.acceptedBy.contains(config.nodeId());
            log.learn(accepted.slot(), proposal.value, storedHere);
        }
    }

    /**
     * A slot this leader proposed was reported decided with another value. Only a higher ballot can
     * have chosen it (every proposal at this ballot agrees with what lower ballots chose, P2b), so
     * this leader is stale: it steps down rather than announce a commit point over that slot.
     */
    void onChosenElsewhere(long slot, Value value) {
        InFlightSlots.Proposal proposal = inFlight.remove(slot);
        if (proposal != null && !proposal.value.equals(value) && role == Role.LEADER) {
            stepDown();
        }
    }

    void onNack(Nack nack) {
        observe(nack.promised());
        if (role != Role.FOLLOWER && nack.rejected().equals(ballot) && nack.promised().greaterThan(ballot)) {
            stepDown();
        }
    }

    /** A higher ballot is active: stop proposing (DESIGN.md P8). */
    void stepDown() {
        role = Role.FOLLOWER;
        clearPromises();
        clearInFlight();
        pending.clear();
        awaitedPrefix = 0;
        promisedBy.clear();
        deferred.clear();
        proposedChange = null; // its requester sees no change and asks again (the epoch makes a retry safe)
        changeSlot = Long.MAX_VALUE;
    }

    /**
     * A blank voter waits for every slot up to {@code upTo} to be chosen ({@link Rejoin}): a leader fills
     * the slots no command fills with no-ops. A no-op in a fresh slot delivers nothing, so it can never
     * put a message below one already acknowledged (DESIGN.md P7).
     */
    void onFillRequest(long upTo) {
        fillUpTo = Math.max(fillUpTo, upTo);
    }

    // ---------------------------------------------------------------- ticks

    /**
     * Retransmits what is unanswered and sends heartbeats. Returns false if a leader lost touch with
     * a quorum for an election timeout (it then steps down so that clients look elsewhere).
     */
    boolean tick(long tick) {
        if (role == Role.CANDIDATE) {
            if (tick - lastPrepareTick >= config.retransmitTicks()) {
                lastPrepareTick = tick;
                for (String voter : members.votersFrom(prepareFromSlot)) {
                    if (voter.equals(config.nodeId())) {
                        continue;
                    }
                    Long page = reports.nextPageOf(voter);
                    if (page != null) {
                        out.send(new Prepare(config.nodeId(), voter, ballot, page));
                    } else if (!reports.answered(voter)) {
                        out.send(new Prepare(config.nodeId(), voter, ballot, prepareFromSlot));
                    }
                }
            }
            return true;
        }
        if (role != Role.LEADER) {
            return true;
        }
        if (tick - lastHeartbeatTick >= config.heartbeatTicks()) {
            announceCommit(tick);
        }
        for (var entry : inFlight.entries()) {
            InFlightSlots.Proposal proposal = entry.getValue();
            if (tick - proposal.lastSentTick >= (long) config.retransmitTicks() << proposal.resends) {
                proposal.lastSentTick = tick;
                proposal.resends = Math.min(proposal.resends + 1, MAX_BACKOFF_SHIFT);
                for (String voter : members.at(entry.getKey()).voters()) {
                    if (!proposal.acceptedBy.contains(voter)) {
                        out.send(new Accept(config.nodeId(), voter, ballot, entry.getKey(), proposal.value,
                                log.chosenPrefix()));
                    }
                }
            }
        }
        Membership current = members.at(log.chosenPrefix() + 1);
        if (!current.isVoter(config.nodeId())) {
            stepDown(); // a change removed this node: the voters elect a leader among themselves
            return false;
        }
        int inTouch = 0;
        for (String voter : current.voters()) {
            Long heard = lastHeardFrom.get(voter);
            if (voter.equals(config.nodeId()) || (heard != null && tick - heard <= 2L * config.electionTimeoutTicks())) {
                inTouch++;
            } else if (heard == null) {
                lastHeardFrom.put(voter, tick); // a voter a change just added: it gets an election timeout too
            }
        }
        if (inTouch < current.quorum()) {
            stepDown();
            return false;
        }
        return true;
    }

    /**
     * A follower answered a heartbeat. Only a voting follower counts towards check-quorum: a learner
     * or a blank node hears the leader but cannot help it choose anything.
     */
    void onHeartbeatAck(Message.HeartbeatAck ack, long tick) {
        if (role == Role.LEADER && ack.ballot().equals(ballot)) {
            if (ack.voting()) {
                lastHeardFrom.put(ack.from(), tick);
            }
            lastProbe.merge(ack.from(), ack.probe(), Math::max);
        }
    }

    /** Sends the commit point now if it moved since the last announcement. */
    void announceCommitIfMoved(long tick) {
        if (role == Role.LEADER && log.chosenPrefix() != lastAnnouncedCommit) {
            announceCommit(tick);
        }
    }

    private void announceCommit(long tick) {
        lastHeartbeatTick = tick;
        lastAnnouncedCommit = log.chosenPrefix();
        // the voters of every configuration it proposes for, and the newest configuration's learners
        List<String> to = members.votersFrom(log.chosenPrefix() + 1);
        for (String id : members.latest().voters()) {
            if (!to.contains(id)) {
                to.add(id);
            }
        }
        to.addAll(members.latest().learners());
        for (String peer : to) {
            if (!peer.equals(config.nodeId())) {
                out.send(new Heartbeat(config.nodeId(), peer, ballot, log.chosenPrefix(),
                        lastProbe.getOrDefault(peer, 0L)));
            }
        }
    }
}
