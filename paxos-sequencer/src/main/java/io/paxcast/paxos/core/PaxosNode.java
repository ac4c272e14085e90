package io.paxcast.paxos.core;

import io.paxcast.paxos.core.Message.Accept;
import io.paxcast.paxos.core.Message.Accepted;
import io.paxcast.paxos.core.Message.FillRequest;
import io.paxcast.paxos.core.Message.CatchupReply;
import io.paxcast.paxos.core.Message.CatchupRequest;
import io.paxcast.paxos.core.Message.ChosenEntry;
import io.paxcast.paxos.core.Message.Forward;
import io.paxcast.paxos.core.Message.Heartbeat;
import io.paxcast.paxos.core.Message.HeartbeatAck;
import io.paxcast.paxos.core.Message.Nack;
import io.paxcast.paxos.core.Message.PreVote;
import io.paxcast.paxos.core.Message.PreVoteReply;
import io.paxcast.paxos.core.Message.Prepare;
import io.paxcast.paxos.core.Message.Promise;
import io.paxcast.paxos.core.Message.StateProbe;
import io.paxcast.paxos.core.Message.StateReport;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * One Multi-Paxos node: acceptor, proposer (leader when elected) and learner, as a pure,
 * deterministic state machine.
 *
 * <p>Messages and ticks go in ({@link #step}, {@link #tick}, {@link #submit}, {@link #flush}); what
 * to persist, send and deliver comes out of {@link #drain} as a {@link Ready}: the one way out. There
 * are no threads, sockets or clocks in here (the {@link Clock} only stamps batches as data) and
 * randomness comes from the seeded generator passed in, so a run is reproducible from its inputs.
 *
 * <p>A node that starts on a blank store (no acceptor state: a new data dir, a lost disk, a store
 * found corrupt) votes only once {@link Rejoin} proved it safe; until then it learns, serves and
 * forwards like a learner.
 *
 * <p>Threading: not thread-safe. The caller invokes every method from one thread (a Vert.x context,
 * or the simulator), and processes Ready values one at a time, in order: persist, send, deliver.
 */
public final class PaxosNode {
    private final PaxosConfig config;
    private final RandomGenerator random;
    private final Outbox out = new Outbox();
    private final LogClock logClock;
    private final Acceptor acceptor;
    private final Learner learner;
    private final Proposer proposer;
    private final Submissions submissions;
    private final long incarnation;
    /** Messages this node sends itself: handled in-process before the output is drained. */
    private final ArrayDeque<Message> toSelf = new ArrayDeque<>();
    private final List<Command> forwardBuffer = new ArrayList<>();
    private final Map<String, Long> peerChosenPrefix = new HashMap<>();

    private long now;
    /** Non-null while this node's acceptor is blank and may not vote yet. */
    private Rejoin rejoin;
    /** The tokens this node found empty when it started the cluster from nothing (see {@link Rejoin}). */
    private Map<String, Long> bootstrap;
    private PreVoteRound preVote;
    /** Whether this node was leader or candidate at the last {@link #handInSubmissions}. */
    private boolean wasProposing;
    /** Whether this node's leadership has been taken note of (see {@link #settle}). */
    private boolean leadershipNoted;
    private String leaderId;
    private Ballot leaderBallot = Ballot.ZERO;
    private long ticksWithoutLeader;
    /** The probe ({@link #probe()}) of this node's latest ack its leader has echoed (0: none): the last proven round trip. */
    private long freshLeaderTick;
    private long leaderCommit;
    private long electionDeadline;

    private long catchupTarget;
    private String catchupSource;
    private long lastCatchupRequest = Long.MIN_VALUE / 2;
    private int catchupResends;

    /**
     * @param state what storage loaded ({@link DurableState#EMPTY} for a new node)
     * @param log   read access to durable chosen values (catch-up, delivery of older slots)
     * @throws IllegalStateException if the store belongs to another node
     */
    public PaxosNode(PaxosConfig config, DurableState state, ChosenLogReader log, Clock clock, RandomGenerator random) {
        if (!state.owner().isEmpty() && !state.owner().equals(config.nodeId())) {
            throw new IllegalStateException("this data directory holds the state of node " + state.owner()
                    + ", not of " + config.nodeId() + ": a node must never vote with another acceptor's promises");
        }
        this.config = config;
        this.random = random;
        this.incarnation = Math.max(state.incarnation() + 1, Math.max(1, clock.nowMillis()));
        out.write(new StorageWrite.Incarnation(config.nodeId(), incarnation));
        this.logClock = new LogClock(clock, config.millisPerTick(), () -> now,
                config.has(InjectedBug.LOG_CLOCK_FROM_WALL_CLOCK));
        this.acceptor = new Acceptor(config, out, state);
        this.learner = new Learner(config, out, log, acceptor, state, logClock);
        this.proposer = new Proposer(config, acceptor, learner, logClock, this::send);
        this.submissions = new Submissions(config.nodeId(), incarnation, config.maxPendingCommands(),
                config.maxPendingBytes(), config.forwardWindowBytes(), config.resubmitTicks());
        this.bootstrap = state.bootstrap();
        boolean intact = state.intact() || state.hasAcceptorState() || config.has(InjectedBug.WIPED_ACCEPTOR_VOTES);
        if (!intact && config.voting()) {
            long token = state.blankToken();
            if (token == 0) {
                token = random.nextLong() | 1; // never 0: that means "none"
                out.write(new StorageWrite.BlankToken(token));
            }
            rejoin = new Rejoin(config, token);
            Rejoin.Decision alone = rejoin.alone();
            if (alone != null) {
                becomeIntact(alone);
            }
        }
        resetElectionTimer();
        settle();
    }

    public String id() {
        return config.nodeId();
    }

    /** Whether this node's acceptor answers Prepares and Accepts. */
    public boolean votes() {
        return config.voting() && rejoin == null;
    }

    // ---------------------------------------------------------------- inputs

    /** A message from a peer (or a duplicate, or a stale one: all are handled idempotently). */
    public void step(Message message) {
        if (!message.to().equals(config.nodeId())) {
            return;
        }
        dispatch(message);
        settle();
    }

    /** One unit of logical time: drives heartbeats, elections, retransmission and batch closing. */
    public void tick() {
        now++;
        if (proposer.isLeader()) {
            if (!proposer.tick(now)) {
                leaderId = null; // lost touch with a quorum: let clients and peers look elsewhere
                resetElectionTimer();
            }
        } else {
            proposer.tick(now);
            ticksWithoutLeader++;
            if (ticksWithoutLeader >= electionDeadline && votes()) {
                electionTimeout();
            }
        }
        if (rejoin != null) {
            for (Message m : rejoin.tick(now, leaderInTouch() ? leaderId : null, learner.chosenPrefix())) {
                out.send(m);
            }
        }
        proposer.flush(now);
        settle();
    }

    /**
     * A client command to be ordered, with this node as its origin. It is acknowledged when a
     * {@link Delivery} carries its id.
     *
     * @return its id, or null if this node tracks too many undelivered commands or bytes (back-pressure)
     */
    public CommandId submit(byte[] payload) {
        Command command = submissions.create(payload, now);
        if (command == null) {
            return null;
        }
        settle(); // hands it in (to its own queue, or to the leader within the forward window)
        return command.id();
    }

    /**
     * The client of {@code id} gave up: it is never handed to a leader again, and if it still waits for a
     * slot here it gets none. A copy already proposed may still be chosen and delivered.
     */
    public void abandon(CommandId id) {
        submissions.abandon(id);
        proposer.dropPending(id);
    }

    /** Closes a batch from the pending commands now, if this node leads and the window has room. */
    public void flush() {
        proposer.flush(now);
        settle();
    }

    /** What to persist, send and deliver, accumulated since the last call. */
    public Ready drain() {
        return drain(Integer.MAX_VALUE);
    }

    /**
     * Like {@link #drain()}, with at most {@code maxDeliveries} deliveries (and never more than
     * {@link PaxosConfig#maxDeliveriesPerReady}): a caller whose application lags asks for fewer, and the
     * chosen slots wait in storage until it asks again ({@link #hasUndelivered}).
     */
    public Ready drain(int maxDeliveries) {
        if (learner.hasUndelivered() && maxDeliveries > 0) {
            deliver(maxDeliveries);
        }
        return out.drain();
    }

    /** Whether deliveries remain that did not fit into the last {@link Ready}. */
    public boolean hasUndelivered() {
        return learner.hasUndelivered();
    }

    public NodeStatus status() {
        boolean leading = proposer.isLeader();
        String role = votes() ? proposer.role().name().toLowerCase(java.util.Locale.ROOT) : "learner";
        String waiting = rejoin == null ? null : rejoin.threshold() == null
                ? "blank store: waiting for every voter's state (" + rejoin.reports() + " of "
                  + (config.voters().size() - 1) + " answered)"
                : "blank store: learning the log up to slot " + rejoin.horizon() + " (now " + learner.chosenPrefix()
                  + "), then it votes with promise " + rejoin.threshold();
        return new NodeStatus(config.nodeId(), role,
                leading ? config.nodeId() : leaderId, leading ? proposer.ballot() : leaderBallot,
                acceptor.promised(), learner.chosenPrefix(), learner.deliveredUpTo(), proposer.inFlightCount(),
                proposer.pendingCount(), submissions.size(), Map.copyOf(peerChosenPrefix),
                leading || leaderInTouch(), leading ? learner.chosenPrefix() : leaderCommit, votes(), waiting,
                incarnation, submissions.bytes(), proposer.pendingBytes());
    }

    private boolean leaderInTouch() {
        return leaderId != null && ticksWithoutLeader < config.electionTimeoutTicks();
    }

    // ---------------------------------------------------------------- dispatch

    private void dispatch(Message message) {
        if (message instanceof Prepare prepare) {
            onPrepare(prepare);
        } else if (message instanceof Promise promise) {
            if (proposer.role() == Proposer.Role.CANDIDATE && promise.ballot().equals(proposer.ballot())) {
                ticksWithoutLeader = 0; // phase 1 is making progress (a long report comes in pages): let it finish
            }
            proposer.onPromise(promise, now);
        } else if (message instanceof Accept accept) {
            onAccept(accept);
        } else if (message instanceof Accepted accepted) {
            proposer.onAccepted(accepted, now);
        } else if (message instanceof Nack nack) {
            proposer.onNack(nack);
            if (!proposer.isLeader() && leaderId != null && leaderId.equals(config.nodeId())) {
                leaderId = null;
            }
        } else if (message instanceof Heartbeat heartbeat) {
            onHeartbeat(heartbeat);
        } else if (message instanceof HeartbeatAck ack) {
            peerChosenPrefix.put(ack.from(), ack.chosenPrefix());
            proposer.onHeartbeatAck(ack, now);
        } else if (message instanceof Forward forward) {
            onForward(forward);
        } else if (message instanceof Message.ForwardAck ack) {
            if (ack.incarnation() == incarnation) {
                for (long counter : ack.taken()) {
                    submissions.taken(counter, now);
                }
                for (long counter : ack.refused()) {
                    submissions.refused(counter, now);
                }
            }
        } else if (message instanceof CatchupRequest request) {
            onCatchupRequest(request);
        } else if (message instanceof CatchupReply reply) {
            onCatchupReply(reply);
        } else if (message instanceof PreVote vote) {
            onPreVote(vote);
        } else if (message instanceof PreVoteReply reply) {
            onPreVoteReply(reply);
        } else if (message instanceof StateProbe probe) {
            onStateProbe(probe);
        } else if (message instanceof StateReport report) {
            if (rejoin != null) {
                Rejoin.Decision decision = rejoin.onReport(report, learner.chosenPrefix());
                if (decision != null) {
                    becomeIntact(decision);
                }
            }
        } else if (message instanceof FillRequest request) {
            proposer.onFillRequest(request.upTo());
        }
        if (proposer.role() != Proposer.Role.FOLLOWER && acceptor.promised().greaterThan(proposer.ballot())) {
            proposer.stepDown(); // this node's own acceptor promised a newer leader
        }
    }

    private void onPrepare(Prepare prepare) {
        if (!votes() || disruptive(prepare)) {
            return; // a node that may not vote answers nothing; ignoring a Prepare is always safe
        }
        proposer.observe(prepare.ballot());
        Message reply = acceptor.onPrepare(prepare, learner);
        if (reply instanceof Promise && !prepare.from().equals(config.nodeId())) {
            ticksWithoutLeader = 0; // a candidate is collecting votes: don't start a rival election
        }
        send(reply);
    }

    /**
     * Leader stickiness (Raft's answer to disruptive candidates, Ongaro's thesis 9.6): while this node
     * hears a live leader, it ignores other candidates' Prepares. A node that cannot hear the leader
     * (a one-way cut, a half-healed partition) would otherwise campaign again and again with higher
     * ballots, each Prepare making the working leader's quorum promise it and the leader step down,
     * and nothing would be chosen. Ignoring a Prepare is always safe: an acceptor may refuse to answer.
     * Once the leader is silent for an election timeout, Prepares are answered again.
     *
     * <p>"Hears a live leader" means a recent round trip: a heartbeat that echoes an ack this node
     * sent less than an election timeout ago. Any message from the leader is not enough: messages
     * sent before the leader stopped (paused, or dead with data still in the network) can arrive
     * seconds late on a loaded machine, and each would keep this node loyal to a leader that is
     * gone, refusing the candidate that could take over.
     */
    private boolean disruptive(Prepare prepare) {
        if (!config.leaderStickiness() || prepare.from().equals(config.nodeId())) {
            return false;
        }
        if (proposer.isLeader()) {
            return true; // a leader in touch with a quorum (else check-quorum made it step down)
        }
        return hearsLiveLeader(prepare.from());
    }

    /** A recent round trip with a leader other than {@code candidate} (see {@link #disruptive}). */
    private boolean hearsLiveLeader(String candidate) {
        return leaderId != null && !leaderId.equals(candidate) && !leaderId.equals(config.nodeId())
                && ticksWithoutLeader < config.electionTimeoutTicks()
                && freshLeaderTick > 0 && probe() - freshLeaderTick < config.electionTimeoutTicks();
    }

    /** This node's clock as a heartbeat probe: {@code now + 1}, so that 0 can mean "no probe". */
    private long probe() {
        return now + 1;
    }

    private void onAccept(Accept accept) {
        proposer.observe(accept.ballot());
        if (!votes()) {
            // a learner or a blank node: the leader is alive; its commit point tells what to fetch
            heardFromLeader(accept.from(), accept.ballot());
            leaderCommit = Math.max(leaderCommit, accept.commitUpTo());
            if (accept.commitUpTo() > learner.chosenPrefix()) {
                needCatchup(accept.from(), accept.commitUpTo());
            }
            return;
        }
        Message reply = acceptor.onAccept(accept, learner);
        send(reply);
        if (reply instanceof Nack) {
            return;
        }
        if (reply instanceof CatchupReply) {
            return; // the slot is decided here; the proposer is told, nothing to learn from it
        }
        heardFromLeader(accept.from(), accept.ballot());
        leaderCommit = Math.max(leaderCommit, accept.commitUpTo());
        if (learner.onCommitPoint(accept.ballot(), accept.commitUpTo())) {
            needCatchup(accept.from(), accept.commitUpTo());
        }
    }

    private void onHeartbeat(Heartbeat heartbeat) {
        proposer.observe(heartbeat.ballot());
        if (heartbeat.ballot().lessThan(acceptor.promised())) {
            send(new Nack(config.nodeId(), heartbeat.from(), heartbeat.ballot(), acceptor.promised()));
            return;
        }
        heardFromLeader(heartbeat.from(), heartbeat.ballot());
        if (heartbeat.from().equals(leaderId) && heartbeat.echo() > 0 && heartbeat.echo() <= probe()) {
            // the leader heard this node's ack sent at probe `echo` (a probe above the current one is
            // from this node's previous life, before a restart reset its clock: no proof of anything)
            freshLeaderTick = Math.max(freshLeaderTick, heartbeat.echo());
        }
        leaderCommit = Math.max(leaderCommit, heartbeat.commitUpTo());
        if (learner.onCommitPoint(heartbeat.ballot(), heartbeat.commitUpTo())) {
            needCatchup(heartbeat.from(), heartbeat.commitUpTo());
        }
        send(new HeartbeatAck(config.nodeId(), heartbeat.from(), heartbeat.ballot(), learner.chosenPrefix(), probe(),
                votes()));
    }

    private void heardFromLeader(String from, Ballot ballot) {
        if (ballot.lessThan(leaderBallot)) {
            return;
        }
        if (!from.equals(config.nodeId())) {
            ticksWithoutLeader = 0;
            preVote = null;
            if (proposer.role() != Proposer.Role.FOLLOWER && ballot.greaterThan(proposer.ballot())) {
                proposer.stepDown();
            }
        }
        boolean newLeader = !from.equals(leaderId);
        boolean newBallot = newLeader || !ballot.equals(leaderBallot);
        if (newLeader) {
            freshLeaderTick = 0; // round trips with the previous leader prove nothing about this one
        }
        leaderId = from;
        leaderBallot = ballot;
        if (newBallot && !from.equals(config.nodeId())) {
            // A new leader (or a new term of the same one, whose queue started empty): hand it every
            // command still waiting here, without waiting for the back-off.
            submissions.rerouteAll(now);
        }
    }

    private void becomeIntact(Rejoin.Decision decision) {
        rejoin = null;
        bootstrap = decision.bootstrap();
        out.write(new StorageWrite.Intact(decision.bootstrap()));
        if (decision.adopt() != null) {
            acceptor.adopt(decision.adopt());
            proposer.observe(decision.adopt());
        }
        resetElectionTimer();
    }

    private void onStateProbe(StateProbe probe) {
        long highestSlot = Math.max(acceptor.highestAcceptedSlot(), learner.highestKnownChosenSlot());
        boolean empty = acceptor.isEmpty() && highestSlot == 0;
        send(new StateReport(config.nodeId(), probe.from(), probe.token(), rejoin == null ? 0 : rejoin.token(),
                acceptor.promised(), highestSlot, empty, rejoin != null, bootstrap));
    }

    // ---------------------------------------------------------------- elections

    /** The election timer fired: ask for pre-votes first, or campaign at once. */
    private void electionTimeout() {
        leaderId = null;
        if (config.preVote() && !config.has(InjectedBug.NO_PRE_VOTE) && config.quorum() > 1) {
            preVote = new PreVoteRound(proposer.nextBallot(), config.nodeId());
            preVote.requests(config).forEach(out::send);
        } else {
            proposer.campaign(now);
        }
        resetElectionTimer();
    }

    /** Granted unless this node hears a live leader (or leads), or promised more than the ballot asked for. */
    private void onPreVote(PreVote vote) {
        boolean leading = proposer.isLeader();
        boolean granted = votes() && !leading && !hearsLiveLeader(vote.from())
                && !vote.ballot().lessThan(acceptor.promised());
        Ballot answer = granted ? vote.ballot() : Ballot.max(vote.ballot(), acceptor.promised());
        send(new PreVoteReply(config.nodeId(), vote.from(), answer, granted));
    }

    private void onPreVoteReply(PreVoteReply reply) {
        proposer.observe(reply.ballot());
        if (preVote != null && preVote.onReply(reply, config.quorum()) && votes()
                && proposer.role() == Proposer.Role.FOLLOWER) {
            preVote = null;
            proposer.campaign(now);
        }
    }

    // ---------------------------------------------------------------- catch-up

    private void onCatchupRequest(CatchupRequest request) {
        List<ChosenEntry> entries = new ArrayList<>();
        long bytes = 0;
        for (long slot = request.fromSlot(); entries.size() < config.catchupBatchSlots(); slot++) {
            Optional<Value> value = learner.chosenValue(slot);
            if (value.isEmpty()) {
                break;
            }
            long weight = value.get().weight();
            if (!entries.isEmpty() && bytes + weight > config.catchupReplyBytes()) {
                break;
            }
            entries.add(new ChosenEntry(slot, value.get()));
            bytes += weight;
        }
        send(new CatchupReply(config.nodeId(), request.from(), entries, learner.chosenPrefix()));
    }

    private void onCatchupReply(CatchupReply reply) {
        for (ChosenEntry entry : reply.chosen()) {
            if (learner.learn(entry.slot(), entry.value(), false)) {
                proposer.onChosenElsewhere(entry.slot(), entry.value());
            }
        }
        learner.advancePrefix();
        if (reply.senderChosenPrefix() > learner.chosenPrefix()) {
            needCatchup(reply.from(), reply.senderChosenPrefix());
            if (!reply.chosen().isEmpty()) {
                // a page arrived: ask for the next one in the next output, which leaves only once this
                // page is durable (the Ready order), so a node catches up at the pace of its own disk
                lastCatchupRequest = Long.MIN_VALUE / 2;
                catchupResends = 0;
            }
        }
    }

    private void needCatchup(String source, long upTo) {
        if (upTo > catchupTarget || catchupSource == null) {
            catchupSource = source;
        }
        catchupTarget = Math.max(catchupTarget, upTo);
    }

    // ---------------------------------------------------------------- plumbing

    /**
     * A message to this node itself is handled in-process, except the phase-2 pair: the leader's
     * Accept to its own acceptor and that acceptor's Accepted leave through the {@link Ready}, like a
     * peer's. So the leader's own accepted write is persisted in parallel with the followers' (its
     * Accepts to them no longer wait for it), and its own vote still counts only once durable. The
     * Prepare to itself stays in-process: its promise must be durable before the other Prepares leave
     * (DESIGN.md P5).
     */
    private void send(Message message) {
        if (message.to().equals(config.nodeId())
                && !(message instanceof Accept) && !(message instanceof Accepted)) {
            toSelf.addLast(message);
        } else {
            out.send(message);
        }
    }

    /**
     * Hands the submissions that are due to the leader: this node's own queue when it leads (or is a
     * candidate: its queue carries over), else a forward within the window. With no leader known they
     * wait until one appears.
     */
    private void handInSubmissions() {
        boolean proposing = proposer.role() != Proposer.Role.FOLLOWER;
        if (proposing != wasProposing) {
            wasProposing = proposing;
            submissions.rerouteAll(now); // became leader or candidate, or stepped down: a queue began or ended
        }
        if (proposing) {
            for (Command command : submissions.toSend(now, false)) {
                if (proposer.enqueue(command)) {
                    submissions.taken(command.id().counter(), now);
                } else {
                    submissions.refused(command.id().counter(), now);
                }
            }
        } else if (leaderId != null && !leaderId.equals(config.nodeId())) {
            forwardBuffer.addAll(submissions.toSend(now, true));
        }
    }

    /** The leader takes what its queue has room for and says which it took and which it refused. */
    private void onForward(Forward forward) {
        List<Long> taken = new ArrayList<>();
        List<Long> refused = new ArrayList<>();
        for (Command command : forward.commands()) {
            (proposer.enqueue(command) ? taken : refused).add(command.id().counter());
        }
        if (!forward.commands().isEmpty()) {
            send(new Message.ForwardAck(config.nodeId(), forward.from(), proposer.ballot(),
                    forward.commands().get(0).id().incarnation(), taken, refused));
        }
    }

    /** Runs everything this node owes itself until nothing changes. */
    private void settle() {
        do {
            while (!toSelf.isEmpty()) {
                dispatch(toSelf.pollFirst());
            }
            learner.advancePrefix();
            long awaited = proposer.awaitedPrefix();
            if (awaited > 0) {
                if (learner.chosenPrefix() >= awaited) {
                    proposer.tryTakeOver(now);
                } else {
                    needCatchup(proposer.catchupSource(), awaited);
                }
            }
            if (!proposer.isLeader()) {
                leadershipNoted = false;
            } else if (!leadershipNoted) {
                // Just became leader (possibly inside the dispatch that preceded this settle).
                leadershipNoted = true;
                leaderId = config.nodeId();
                leaderBallot = proposer.ballot();
                preVote = null;
                submissions.rerouteAll(now);
                handInSubmissions();
                proposer.flush(now);
            }
        } while (!toSelf.isEmpty());
        if (rejoin != null) {
            Rejoin.Decision decision = rejoin.onChosenPrefix(learner.chosenPrefix());
            if (decision != null) {
                becomeIntact(decision);
            }
        }
        handInSubmissions();
        proposer.announceCommitIfMoved(now);
        requestCatchupIfBehind();
        flushForwards();
    }

    /** Hands the buffered commands to the leader, in messages of at most one batch's bytes. */
    private void flushForwards() {
        if (forwardBuffer.isEmpty()) {
            return;
        }
        if (leaderId != null && !leaderId.equals(config.nodeId())) {
            List<Command> chunk = new ArrayList<>();
            long bytes = 0;
            for (Command command : forwardBuffer) {
                if (!chunk.isEmpty() && bytes + command.weight() > config.maxBatchBytes()) {
                    out.send(new Forward(config.nodeId(), leaderId, chunk));
                    chunk = new ArrayList<>();
                    bytes = 0;
                }
                chunk.add(command);
                bytes += command.weight();
            }
            out.send(new Forward(config.nodeId(), leaderId, chunk));
        }
        forwardBuffer.clear();
    }

    private void deliver(int maxDeliveries) {
        for (Delivery delivery : learner.deliver(maxDeliveries)) {
            for (Command command : delivery.commands()) {
                submissions.resolved(command.id());
            }
        }
    }

    private void requestCatchupIfBehind() {
        if (catchupTarget <= learner.chosenPrefix()) {
            catchupTarget = 0;
            catchupSource = null;
            catchupResends = 0;
            return;
        }
        if (catchupSource == null || catchupSource.equals(config.nodeId())
                || now - lastCatchupRequest < config.retransmitTicks()) {
            return;
        }
        if (now - lastCatchupRequest < (long) config.retransmitTicks() << catchupResends) {
            return; // the last request is unanswered: back off, a loaded peer is not asked the same page again and again
        }
        lastCatchupRequest = now;
        catchupResends = Math.min(catchupResends + 1, 3);
        out.send(new CatchupRequest(config.nodeId(), catchupSource, learner.chosenPrefix() + 1));
    }

    private void resetElectionTimer() {
        ticksWithoutLeader = 0;
        electionDeadline = config.electionTimeoutTicks() + random.nextInt(config.electionTimeoutTicks());
    }
}
