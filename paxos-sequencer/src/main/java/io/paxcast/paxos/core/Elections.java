package io.paxcast.paxos.core;

import io.paxcast.paxos.core.Message.PreVote;
import io.paxcast.paxos.core.Message.PreVoteReply;
import io.paxcast.paxos.core.Message.Prepare;

import java.util.random.RandomGenerator;

/**
 * Who leads, as this node sees it, and when this node campaigns: the leader it follows (with its
 * ballot and commit point), the randomized election timer, pre-vote, and leader stickiness. Timers
 * only decide when to try, never what is safe (DESIGN.md P15): a campaign is a {@link Proposer}'s
 * phase 1, which is safe at any time.
 *
 * <p>Leader stickiness (Raft's answer to disruptive candidates, Ongaro's thesis 9.6): while this node
 * hears a live leader, it ignores other candidates' Prepares and refuses their pre-votes. A node that
 * cannot hear the leader (a one-way cut, a half-healed partition) would otherwise campaign again and
 * again with higher ballots, each Prepare making the working leader's quorum promise it and the leader
 * step down, and nothing would be chosen. Ignoring a Prepare is always safe: an acceptor may refuse to
 * answer. Once the leader is silent for an election timeout, Prepares are answered again.
 *
 * <p>"Hears a live leader" means a recent round trip: a heartbeat that echoes an ack this node sent
 * less than an election timeout ago. Any message from the leader is not enough: messages sent before
 * the leader stopped (paused, or dead with data still in the network) can arrive seconds late on a
 * loaded machine, and each would keep this node loyal to a leader that is gone, refusing the
 * candidate that could take over.
 */
final class Elections {
    private final PaxosConfig config;
    private final RandomGenerator random;
    private final PaxosLog log;
    private final Proposer proposer;
    private final Outbox out;
    private final Configurations members;

    private String leaderId;
    private Ballot leaderBallot = Ballot.ZERO;
    private long leaderCommit;
    private long ticksWithoutLeader;
    private long electionDeadline;
    /** The probe ({@link #probe}) of this node's latest ack its leader has echoed (0: none): the last proven round trip. */
    private long freshLeaderTick;
    private PreVoteRound preVote;

    Elections(PaxosConfig config, RandomGenerator random, PaxosLog log, Proposer proposer, Outbox out,
              Configurations members) {
        this.config = config;
        this.members = members;
        this.random = random;
        this.log = log;
        this.proposer = proposer;
        this.out = out;
    }

    /** The leader this node follows (possibly itself), or null. */
    String leaderId() {
        return leaderId;
    }

    Ballot leaderBallot() {
        return leaderBallot;
    }

    /** The highest commit point a leader announced to this node. */
    long leaderCommit() {
        return leaderCommit;
    }

    void raiseLeaderCommit(long commitUpTo) {
        leaderCommit = Math.max(leaderCommit, commitUpTo);
    }

    /** A leader is known and was heard from within an election timeout. */
    boolean leaderInTouch() {
        return leaderId != null && ticksWithoutLeader < config.electionTimeoutTicks();
    }

    /** This node believes in no leader any more (it lost touch with a quorum, or stopped leading). */
    void forgetLeader() {
        leaderId = null;
    }

    /** Some sign of progress (a candidate collecting votes, phase 1 pages): no rival election yet. */
    void progress() {
        ticksWithoutLeader = 0;
    }

    /** One tick without a leader's word; true if the election timer fired. */
    boolean tickElapsed() {
        ticksWithoutLeader++;
        return ticksWithoutLeader >= electionDeadline;
    }

    /** Restarts the election timer, at a random deadline between one and two election timeouts. */
    void resetTimer() {
        ticksWithoutLeader = 0;
        electionDeadline = config.electionTimeoutTicks() + random.nextInt(config.electionTimeoutTicks());
    }

    /** This node just became leader at {@code ballot}. */
    void leading(Ballot ballot) {
        leaderId = config.nodeId();
        leaderBallot = ballot;
        preVote = null;
    }

    /**
     * A leader's message at {@code ballot} from {@code from}.
     *
     * @return whether it names a new leader or a new ballot of a peer (its queue started empty: hand it
     *         every command still waiting here), false for a stale one or for this node's own
     */
    boolean heardFrom(String from, Ballot ballot) {
        if (ballot.lessThan(leaderBallot)) {
            return false;
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
        return newBallot && !from.equals(config.nodeId());
    }

    /** The leader {@code from} echoed this node's ack sent at probe {@code echo}: a proven round trip. */
    void echoed(String from, long echo, long probe) {
        if (from.equals(leaderId) && echo > 0 && echo <= probe) {
            // (a probe above the current one is from this node's previous life, before a restart reset
            // its clock: no proof of anything)
            freshLeaderTick = Math.max(freshLeaderTick, echo);
        }
    }

    /** Whether answering {@code prepare} would disrupt a live leader (see the class comment). */
    boolean disruptive(Prepare prepare, long probe) {
        if (!config.leaderStickiness() || prepare.from().equals(config.nodeId())) {
            return false;
        }
        if (proposer.isLeader()) {
            return true; // a leader in touch with a quorum (else check-quorum made it step down)
        }
        return hearsLiveLeader(prepare.from(), probe);
    }

    /** A recent round trip with a leader other than {@code candidate}. */
    private boolean hearsLiveLeader(String candidate, long probe) {
        return leaderId != null && !leaderId.equals(candidate) && !leaderId.equals(config.nodeId())
                && ticksWithoutLeader < config.electionTimeoutTicks()
                && freshLeaderTick > 0 && probe - freshLeaderTick < config.electionTimeoutTicks();
    }

    /**
     * Whether this node may campaign: it is a voter of the configuration of the next slot and of the
     * newest one (a node a change removes leaves leading to the voters that stay).
     */
    boolean mayCampaign() {
        return members.at(log.chosenPrefix() + 1).isVoter(config.nodeId()) && members.latest().isVoter(config.nodeId());
    }

    /** The election timer fired: ask for pre-votes first, or campaign at once. */
    void timeout(long now) {
        leaderId = null;
        if (config.preVote() && members.at(log.chosenPrefix() + 1).quorum() > 1) {
            preVote = new PreVoteRound(proposer.nextBallot(), config.nodeId());
            preVote.requests(config.nodeId(), members.votersFrom(log.chosenPrefix() + 1)).forEach(out::send);
        } else {
            proposer.campaign(now);
        }
        resetTimer();
    }

    /** Granted unless this node hears a live leader (or leads), or promised more than the ballot asked for. */
    void onPreVote(PreVote vote, boolean votes, long probe) {
        boolean granted = votes && !proposer.isLeader() && !hearsLiveLeader(vote.from(), probe)
                && !vote.ballot().lessThan(log.promised());
        Ballot answer = granted ? vote.ballot() : Ballot.max(vote.ballot(), log.promised());
        out.send(new PreVoteReply(config.nodeId(), vote.from(), answer, granted));
    }

    void onPreVoteReply(PreVoteReply reply, boolean votes, long now) {
        proposer.observe(reply.ballot());
        if (preVote != null && preVote.onReply(reply, members.at(log.chosenPrefix() + 1)) && votes
                && proposer.role() == Proposer.Role.FOLLOWER) {
            preVote = null;
            proposer.campaign(now);
        }
    }
}
