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

import java.util.HashMap;
import java.util.Map;
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
 * found corrupt) votes only once it is proved safe; until then it learns, serves and forwards like a
 * learner. A bootstrap voter proves it by {@link Rejoin}; a node a membership change added, by the
 * change that made it a voter recording the token its store still holds ({@link Membership#joinTokens}).
 *
 * <p>Membership changes ({@link #changeMembership}) are decided in the log, one at a time, and govern
 * the slots from α after their own ({@link Configurations}).
 *
 * <p>Threading: not thread-safe. The caller invokes every method from one thread (a Vert.x context,
 * or the simulator), and processes Ready values one at a time, in order: persist, send, deliver.
 */
public final class PaxosNode {
    private final PaxosConfig config;
    private final RandomGenerator random;
    private final Outbox out;
    private final LogClock logClock;
    /** The state the roles share; they hold no reference to each other. */
    private final PaxosLog log;
    private final Acceptor acceptor;
    private final Learner learner;
    private final Proposer proposer;
    private final Submissions submissions;
    private final Catchup catchup;
    private final CommandRouting routing;
    private final Elections elections;
    private final long incarnation;
    private final Map<String, Long> peerChosenPrefix = new HashMap<>();
    /** The learner's exactly-once state, shared by the learner and the proposer. */
    private final AppliedCommands applied;
    /** Which membership governs which slot: learner state, shared by the learner, proposer and elections. */
    private final Configurations members;
    private final SenderCheck senderCheck;
    /** Written on the node's thread only; read by metrics from others. */
    private volatile long refusedFromOutsiders;
    /** The token of this node's store (0: none): a change that makes it a voter records it. */
    private final long storeToken;
    /** Per peer, the store token of its latest HeartbeatAck (a leader promotes learners with it). */
    private final Map<String, Long> peerTokens = new HashMap<>();
    /** True while this node started blank, is no bootstrap voter, and no change made it a voter with its token. */
    private boolean awaitingJoin;

    private long now;
    /** Non-null while this node's acceptor is blank and may not vote yet. */
    private Rejoin rejoin;
    /** The tokens this node found empty when it started the cluster from nothing (see {@link Rejoin}). */
    private Map<String, Long> bootstrap;
    /** Whether this node's leadership has been taken note of (see {@link #settle}). */
    private boolean leadershipNoted;

    /**
     * @param state what storage loaded ({@link DurableState#EMPTY} for a new node)
     * @param log   read access to durable chosen values (catch-up, delivery of older slots)
     * @throws IllegalStateException if the store belongs to another node
     */
    public PaxosNode(PaxosConfig config, DurableState state, ChosenLogReader log, Clock clock, RandomGenerator random) {
        this(config, state, log, clock, random, null, Roles.STANDARD);
    }

    /**
     * A node whose application restored its state as of {@code resumeFrom} (a snapshot it took at that
     * checkpoint): this run delivers from the slot after it, with the learner's rules in the state they
     * had there. The slot may lie above the durable chosen prefix (a snapshot forced to disk while
     * the storage's last groups were not, under a relaxed fsync policy, or a snapshot installed from a
     * peer just before a crash): the slots up to it then count as chosen and forgotten here, as after
     * {@link #install}, since a checkpoint is only ever taken of a delivered slot.
     *
     * @param resumeFrom null to deliver from slot 1
     */
    public PaxosNode(PaxosConfig config, DurableState state, ChosenLogReader log, Clock clock, RandomGenerator random,
                     Checkpoint resumeFrom) {
        this(config, state, log, clock, random, resumeFrom, Roles.STANDARD);
    }

    /** As the public constructors, with the node's parts built by {@code roles} (see {@link Roles}). */
    PaxosNode(PaxosConfig config, DurableState state, ChosenLogReader durableLog, Clock clock, RandomGenerator random,
              Checkpoint resumeFrom, Roles roles) {
        if (!state.owner().isEmpty() && !state.owner().equals(config.nodeId())) {
            throw new IllegalStateException("this data directory holds the state of node " + state.owner()
                    + ", not of " + config.nodeId() + ": a node must never vote with another acceptor's promises");
        }
        this.config = config;
        this.random = random;
        this.senderCheck = roles.senderCheck();
        this.out = new Outbox(config.nodeId());
        this.incarnation = Math.max(state.incarnation() + 1, Math.max(1, clock.nowMillis()));
        out.write(new StorageWrite.Incarnation(config.nodeId(), incarnation));
        this.logClock = roles.logClock(clock, config.millisPerTick(), () -> now);
        this.log = roles.log(config, out, durableLog, state, logClock);
        this.applied = resumeFrom == null ? new AppliedCommands() : restore(resumeFrom);
        this.members = new Configurations(Membership.bootstrap(config.voters()), config.activationDelay());
        this.acceptor = roles.acceptor(config, log, out);
        this.learner = roles.learner(config, log, out, applied, members);
        if (resumeFrom != null) {
            if (resumeFrom.slot() + 1 < state.logStart()) {
                throw new IllegalArgumentException("cannot resume from " + resumeFrom + ": the store compacted below slot "
                        + state.logStart() + ", so the slots in between are gone");
            }
            learner.resumeFrom(resumeFrom);
            if (resumeFrom.slot() > state.chosenPrefix()) {
                // the snapshot is durable, the store's last groups were not (a relaxed fsync, or a crash right
                // after installing a snapshot): every slot up to it is chosen, as its checkpoint proves
                log.install(resumeFrom.slot());
            }
        }
        this.proposer = roles.proposer(config, log, out, applied, logClock, members);
        this.catchup = new Catchup(config, log, out);
        this.submissions = new Submissions(config.nodeId(), incarnation, config.maxPendingCommands(),
                config.maxPendingBytes(), config.forwardWindowBytes(), config.resubmitTicks());
        this.routing = new CommandRouting(config, submissions, proposer, out);
        this.elections = new Elections(config, random, log, proposer, out, members);
        this.bootstrap = state.bootstrap();
        boolean intact = state.intact() || state.hasAcceptorState();
        long token = state.blankToken();
        if (!intact && config.voting()) {
            if (token == 0) {
                token = random.nextLong() | 1; // never 0: that means "none"
                out.write(new StorageWrite.BlankToken(token));
            }
            if (config.bootstrapVoter()) {
                rejoin = new Rejoin(config, token);
                Rejoin.Decision alone = rejoin.alone();
                if (alone != null) {
                    becomeIntact(alone);
                }
            } else {
                awaitingJoin = true;
            }
        }
        this.storeToken = token;
        elections.resetTimer();
        settle();
    }

    private static AppliedCommands restore(Checkpoint checkpoint) {
        try {
            return AppliedCommands.decode(checkpoint.applied());
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("cannot resume from " + checkpoint + ": " + e.getMessage(), e);
        }
    }

    public String id() {
        return config.nodeId();
    }

    /** Whether this node's acceptor answers Prepares and Accepts. */
    public boolean votes() {
        return config.voting() && rejoin == null && !awaitingJoin;
    }

    // ---------------------------------------------------------------- inputs

    /** A message from a peer (or a duplicate, or a stale one: all are handled idempotently). */
    public void step(Message message) {
        if (!message.to().equals(config.nodeId())) {
            return;
        }
        SenderCheck.Verdict verdict = senderCheck.verdict(message, members, members.appliedUpTo());
        if (verdict != SenderCheck.Verdict.HEAR) {
            refusedFromOutsiders++; // not a member this node knows (P19)
            if (verdict == SenderCheck.Verdict.LEARN_FROM) {
                // it knows more of the log: the change that added it may be in there
                catchup.need(message.from(), SenderCheck.claimedPrefix(message));
                settle();
            }
            return;
        }
        dispatch(message);
        settle();
    }

    /** Messages refused because their sender is outside the membership this node knows ({@link SenderCheck}). */
    public long refusedFromOutsiders() {
        return refusedFromOutsiders;
    }

    /** One unit of logical time: drives heartbeats, elections, retransmission and batch closing. */
    public void tick() {
        now++;
        if (proposer.isLeader()) {
            if (!proposer.tick(now)) {
                elections.forgetLeader(); // lost touch with a quorum: let clients and peers look elsewhere
                elections.resetTimer();
            }
        } else {
            proposer.tick(now);
            if (elections.tickElapsed() && votes() && elections.mayCampaign()) {
                elections.timeout(now);
            }
        }
        if (rejoin != null) {
            for (Message m : rejoin.tick(now, elections.leaderInTouch() ? elections.leaderId() : null,
                    log.chosenPrefix())) {
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

    /**
     * The application holds a durable snapshot of its state past {@code belowSlot - 1} and keeps no
     * history below {@code belowSlot}: the node may forget the values of the slots below it (their
     * storage is reclaimed). Never past what was delivered here, nor past the chosen prefix. A peer
     * that later asks for a forgotten slot is told to install a snapshot instead.
     */
    public void compact(long belowSlot) {
        log.compact(Math.min(belowSlot, learner.deliveredUpTo() + 1));
        settle();
    }

    /**
     * The application replaced its state by a snapshot a peer took at {@code checkpoint}'s slot (after
     * {@link NodeStatus#installFrom} asked for one): every slot up to it counts as chosen and delivered
     * here, the values below are forgotten, and catch-up goes on from the slot after it. Ignored if this
     * node has delivered that far already.
     *
     * @throws IllegalArgumentException if the checkpoint's state does not read back
     */
    public void install(Checkpoint checkpoint) {
        if (checkpoint.slot() <= learner.deliveredUpTo()) {
            return;
        }
        AppliedCommands restored = restore(checkpoint);
        log.install(checkpoint.slot());
        learner.installed(checkpoint, restored);
        submissions.resolveSettled(applied::isSettled); // their slots are never delivered here
        catchup.installed();
        settle();
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
            proposer.tryTakeOver(now); // a candidate may have waited for the horizon (its promises are still good)
            settle(); // the applied slots may have moved the membership horizon, or made this node a voter
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
        String waiting = awaitingJoin
                ? "joined with store token " + Long.toHexString(storeToken) + ": votes once a change makes it a voter"
                : rejoin == null ? null : members.latest().epoch() > 0 || rejoin.superseded()
                ? "blank store (token " + Long.toHexString(storeToken) + ") of a bootstrap voter after a membership"
                  + " change: remove this member and add it again, or replace it"
                : rejoin.threshold() == null
                ? "blank store: waiting for every voter's state (" + rejoin.reports() + " of "
                  + (config.voters().size() - 1) + " answered)"
                : "blank store: learning the log up to slot " + rejoin.horizon() + " (now " + log.chosenPrefix()
                  + "), then it votes with promise " + rejoin.threshold();
        return new NodeStatus(config.nodeId(), role,
                leading ? config.nodeId() : elections.leaderId(), leading ? proposer.ballot() : elections.leaderBallot(),
                log.promised(), log.chosenPrefix(), learner.deliveredUpTo(), proposer.inFlightCount(),
                proposer.pendingCount(), submissions.size(), Map.copyOf(peerChosenPrefix),
                leading || elections.leaderInTouch(), leading ? log.chosenPrefix() : elections.leaderCommit(), votes(),
                waiting,
                incarnation, submissions.bytes(), proposer.pendingBytes(), log.logStart(), catchup.installFrom(),
                members.latest(), members.at(log.chosenPrefix() + 1).epoch(), storeToken);
    }

    /**
     * Asks this node, if it leads, to propose {@code change} as the next configuration (one change at a
     * time: refused while the previous one does not govern the next slot yet, or is under way). The
     * change is done once {@link NodeStatus#membership} has the proposed epoch; if this node stops
     * leading first, it may or may not be; asking again is safe (a change names its epoch: a second copy
     * is ignored, and the newest configuration tells which).
     */
    public MemberChange.Answer changeMembership(MemberChange change) {
        if (!proposer.isLeader()) {
            return answer(MemberChange.Outcome.NOT_LEADER, "this node does not lead", null);
        }
        if (config.voters().size() == 1) {
            // its one bootstrap voter, wiped, could not tell that the cluster grew (see Rejoin)
            return answer(MemberChange.Outcome.INVALID, "a cluster bootstrapped with a single voter cannot change"
                    + " its membership: start it with three (cluster.voters)", null);
        }
        Membership latest = members.latest();
        if (proposer.changeUnderWay() || members.latestActivation() > log.chosenPrefix() + 1) {
            return answer(MemberChange.Outcome.BUSY, "epoch " + latest.epoch() + " governs from slot "
                    + members.latestActivation() + " (now " + (log.chosenPrefix() + 1) + ")"
                    + (proposer.changeUnderWay() ? "; a change is under way" : ""), null);
        }
        Membership next;
        try {
            if (change instanceof MemberChange.AddLearner a) {
                next = latest.withLearner(a.id());
            } else if (change instanceof MemberChange.Promote p) {
                long behind = log.chosenPrefix() - peerChosenPrefix.getOrDefault(p.id(), 0L);
                next = latest.isLearner(p.id()) && behind > config.pipelineWindow()
                        ? null : latest.promoted(p.id(), peerTokens.getOrDefault(p.id(), 0L));
            } else {
                String id = change.id();
                if (latest.isVoter(id) && latest.voters().size() == 1) {
                    throw new IllegalArgumentException(id + " is the last voter");
                }
                next = latest.without(id);
            }
        } catch (IllegalArgumentException e) {
            return answer(MemberChange.Outcome.INVALID, e.getMessage(), null);
        }
        if (next == null) {
            return answer(MemberChange.Outcome.NOT_CAUGHT_UP, change.id() + " has learned up to slot "
                    + peerChosenPrefix.getOrDefault(change.id(), 0L) + ", the leader " + log.chosenPrefix(), null);
        }
        proposer.proposeChange(next);
        settle();
        return answer(MemberChange.Outcome.PROPOSED, null, next);
    }

    private MemberChange.Answer answer(MemberChange.Outcome outcome, String detail, Membership proposed) {
        return new MemberChange.Answer(outcome, detail, proposed,
                proposer.isLeader() ? config.nodeId() : elections.leaderId());
    }

    // ---------------------------------------------------------------- dispatch

    private void dispatch(Message message) {
        if (message instanceof Prepare prepare) {
            onPrepare(prepare);
        } else if (message instanceof Promise promise) {
            if (proposer.role() == Proposer.Role.CANDIDATE && promise.ballot().equals(proposer.ballot())) {
                elections.progress(); // phase 1 is making progress (a long report comes in pages): let it finish
            }
            proposer.onPromise(promise, now);
        } else if (message instanceof Accept accept) {
            onAccept(accept);
        } else if (message instanceof Accepted accepted) {
            proposer.onAccepted(accepted, now);
        } else if (message instanceof Nack nack) {
            proposer.onNack(nack);
            if (!proposer.isLeader() && config.nodeId().equals(elections.leaderId())) {
                elections.forgetLeader();
            }
        } else if (message instanceof Heartbeat heartbeat) {
            onHeartbeat(heartbeat);
        } else if (message instanceof HeartbeatAck ack) {
            peerChosenPrefix.put(ack.from(), ack.chosenPrefix());
            peerTokens.put(ack.from(), ack.storeToken());
            proposer.onHeartbeatAck(ack, now);
        } else if (message instanceof Forward forward) {
            routing.onForward(forward);
        } else if (message instanceof Message.ForwardAck ack) {
            routing.onForwardAck(ack, incarnation, now);
        } else if (message instanceof CatchupRequest request) {
            catchup.serve(request);
        } else if (message instanceof CatchupReply reply) {
            for (ChosenEntry entry : catchup.onReply(reply)) {
                proposer.onChosenElsewhere(entry.slot(), entry.value());
            }
        } else if (message instanceof PreVote vote) {
            elections.onPreVote(vote, votes(), probe());
        } else if (message instanceof PreVoteReply reply) {
            elections.onPreVoteReply(reply, votes(), now);
        } else if (message instanceof StateProbe probe) {
            onStateProbe(probe);
        } else if (message instanceof StateReport report) {
            if (rejoin != null) {
                Rejoin.Decision decision = rejoin.onReport(report, log.chosenPrefix(), members.latest().epoch());
                if (decision != null) {
                    becomeIntact(decision);
                }
            }
        } else if (message instanceof FillRequest request) {
            proposer.onFillRequest(request.upTo());
        }
        if (proposer.role() != Proposer.Role.FOLLOWER && log.promised().greaterThan(proposer.ballot())) {
            proposer.stepDown(); // this node's own acceptor promised a newer leader
        }
    }

    private void onPrepare(Prepare prepare) {
        if (!votes() || elections.disruptive(prepare, probe())) {
            return; // a node that may not vote answers nothing; ignoring a Prepare is always safe
        }
        proposer.observe(prepare.ballot());
        if (acceptor.onPrepare(prepare) == Acceptor.Vote.PROMISED && !prepare.from().equals(config.nodeId())) {
            elections.progress(); // a candidate is collecting votes: don't start a rival election
        }
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
            elections.raiseLeaderCommit(accept.commitUpTo());
            if (accept.commitUpTo() > log.chosenPrefix()) {
                catchup.need(accept.from(), accept.commitUpTo());
            }
            return;
        }
        Acceptor.Vote vote = acceptor.onAccept(accept);
        if (vote == Acceptor.Vote.REFUSED) {
            return;
        }
        if (vote == Acceptor.Vote.ALREADY_CHOSEN) {
            return; // the slot is decided here; the proposer is told, nothing to learn from it
        }
        heardFromLeader(accept.from(), accept.ballot());
        elections.raiseLeaderCommit(accept.commitUpTo());
        if (learner.onCommitPoint(accept.ballot(), accept.commitUpTo())) {
            catchup.need(accept.from(), accept.commitUpTo());
        }
    }

    private void onHeartbeat(Heartbeat heartbeat) {
        proposer.observe(heartbeat.ballot());
        if (heartbeat.ballot().lessThan(log.promised())) {
            out.send(new Nack(config.nodeId(), heartbeat.from(), heartbeat.ballot(), log.promised()));
            return;
        }
        heardFromLeader(heartbeat.from(), heartbeat.ballot());
        elections.echoed(heartbeat.from(), heartbeat.echo(), probe());
        elections.raiseLeaderCommit(heartbeat.commitUpTo());
        if (learner.onCommitPoint(heartbeat.ballot(), heartbeat.commitUpTo())) {
            if (votes()) {
                catchup.need(heartbeat.from(), heartbeat.commitUpTo());
            } else {
                // a learner fetches from a follower, so that learners add no work to the leader (it
                // falls back to the leader when that follower does not answer)
                catchup.need(followerFor(heartbeat.from()), heartbeat.commitUpTo(), heartbeat.from());
            }
        }
        out.send(new HeartbeatAck(config.nodeId(), heartbeat.from(), heartbeat.ballot(), log.chosenPrefix(), probe(),
                votes(), storeToken));
    }

    private void heardFromLeader(String from, Ballot ballot) {
        if (elections.heardFrom(from, ballot)) {
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
        elections.resetTimer();
    }

    /** The follower this learner fetches the log from: one of the voters besides the leader, spread by id. */
    private String followerFor(String leader) {
        java.util.List<String> followers = new java.util.ArrayList<>(members.at(log.chosenPrefix() + 1).voters());
        followers.remove(leader);
        followers.remove(config.nodeId());
        return followers.isEmpty() ? leader : followers.get(Math.floorMod(config.nodeId().hashCode(), followers.size()));
    }

    /** Whether the newest configuration has this node as a voter admitted with its store's token. */
    private boolean admittedWithThisStore() {
        Membership latest = members.latest();
        return latest.isVoter(config.nodeId()) && Long.valueOf(storeToken).equals(latest.joinTokens().get(config.nodeId()));
    }

    private void onStateProbe(StateProbe probe) {
        long highestSlot = Math.max(log.highestAcceptedSlot(), log.highestKnownChosenSlot());
        boolean empty = log.acceptorIsEmpty() && highestSlot == 0;
        out.send(new StateReport(config.nodeId(), probe.from(), probe.token(), rejoin == null ? 0 : rejoin.token(),
                log.promised(), highestSlot, empty, rejoin != null, bootstrap, members.latest().epoch()));
    }

    // ---------------------------------------------------------------- plumbing

    /** Runs everything this node owes itself until nothing changes. */
    private void settle() {
        do {
            for (Message m = out.pollToSelf(); m != null; m = out.pollToSelf()) {
                dispatch(m);
            }
            log.advancePrefix();
            long awaited = proposer.awaitedPrefix();
            if (awaited > 0) {
                if (log.chosenPrefix() >= awaited) {
                    proposer.tryTakeOver(now);
                } else {
                    catchup.need(proposer.catchupSource(), awaited);
                }
            }
            if (!proposer.isLeader()) {
                leadershipNoted = false;
            } else if (!leadershipNoted) {
                // Just became leader (possibly inside the dispatch that preceded this settle).
                leadershipNoted = true;
                elections.leading(proposer.ballot());
                submissions.rerouteAll(now);
                routing.handIn(now, elections.leaderId());
                proposer.flush(now);
            }
        } while (out.hasToSelf());
        if (rejoin != null) {
            // Rule 3 holds for the voters it probed: the bootstrap ones. Once a change is applied, other
            // voters may hold what this node forgot: Rejoin gives up, and only a change can admit it.
            Rejoin.Decision decision = rejoin.onChosenPrefix(learner.deliveredUpTo(), members.latest().epoch());
            if (decision != null) {
                becomeIntact(decision);
            }
        }
        if ((awaitingJoin || rejoin != null) && admittedWithThisStore()) {
            // A change made this node a voter with the token its store holds: it learned (and applied) the
            // log up to that change before it votes, so a candidate it promises catches up past every slot
            // an earlier store of this id could have touched; and leaders count only promises made by
            // this store (Membership#isQuorumOfIncarnations).
            awaitingJoin = false;
            rejoin = null;
            out.write(new StorageWrite.Intact(Map.of()));
            elections.resetTimer();
        }
        routing.handIn(now, elections.leaderId());
        proposer.announceCommitIfMoved(now);
        catchup.requestIfBehind(now);
        if (!learner.canDeliverNext()) {
            catchup.requireInstall(installSource());
        }
        routing.flushForwards(elections.leaderId());
    }

    /** Whom to ask for a snapshot when no peer named itself: the leader, else the first other voter. */
    private String installSource() {
        String leader = elections.leaderId();
        if (leader != null && !leader.equals(config.nodeId())) {
            return leader;
        }
        for (String voter : members.latest().voters()) {
            if (!voter.equals(config.nodeId())) {
                return voter;
            }
        }
        return null;
    }

    private void deliver(int maxDeliveries) {
        for (Delivery delivery : learner.deliver(maxDeliveries)) {
            for (Command command : delivery.commands()) {
                submissions.resolved(command.id());
            }
        }
    }
}
