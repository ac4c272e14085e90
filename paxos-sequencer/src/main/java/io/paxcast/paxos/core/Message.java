package io.paxcast.paxos.core;

import java.util.List;
import java.util.Map;

/**
 * Every message Paxcast nodes exchange, named as in the papers.
 *
 * <p>The network is best-effort (DESIGN.md P14): any message may be lost, duplicated, delayed or
 * reordered. Every handler in {@link PaxosNode} is idempotent and every request that matters is
 * retransmitted on ticks until it is answered or superseded.
 */
public sealed interface Message {

    String from();

    String to();

    /** Phase 1a: "promise me to ignore ballots below {@code ballot}, for every slot from {@code fromSlot} on". */
    record Prepare(String from, String to, Ballot ballot, long fromSlot) implements Message {}

    /**
     * Phase 1b: the acceptor promised {@code ballot}. It reports what it accepted in slots above
     * {@code max(fromSlot - 1, chosenPrefix)} so the new leader can re-propose it, and its own chosen
     * prefix so a leader that is behind catches up before it proposes (DESIGN.md P6). A report too
     * large for one message comes in pages (DESIGN.md P6, "page it if large"): {@code nextSlot} > 0
     * says the report goes on from that slot, and the candidate asks for it with a Prepare from there;
     * the promise counts once its last page ({@code nextSlot} == 0) arrived.
     */
    record Promise(String from, String to, Ballot ballot, long chosenPrefix, List<SlotEntry> accepted, long nextSlot)
            implements Message {}

    /** Phase 2a: "accept {@code value} in {@code slot} at {@code ballot}"; carries the leader's commit point. */
    record Accept(String from, String to, Ballot ballot, long slot, Value value, long commitUpTo)
            implements Message {}

    /** Phase 2b: the acceptor durably accepted the proposal ({@code ballot}, {@code slot}). */
    record Accepted(String from, String to, Ballot ballot, long slot) implements Message {}

    /**
     * A rejection: the acceptor promised {@code promised}, higher than {@code rejected}. The proposer
     * steps down and learns of the newer leader (DESIGN.md P8).
     */
    record Nack(String from, String to, Ballot rejected, Ballot promised) implements Message {}

    /**
     * The leader is alive at {@code ballot}, and every slot up to {@code commitUpTo} is chosen. Sent on
     * heartbeat ticks and as soon as the commit point moves, so followers learn chosen slots quickly.
     * {@code echo} is the {@code probe} of the latest {@link HeartbeatAck} the leader got from this
     * follower (0: none yet): proof that the leader heard the follower recently, which an old
     * heartbeat delivered late cannot give.
     */
    record Heartbeat(String from, String to, Ballot ballot, long commitUpTo, long echo) implements Message {}

    /**
     * A follower's answer to a heartbeat: how far it has learned (lets the leader see lagging members),
     * {@code probe}, the follower's own tick when it answered, which the leader echoes back, and whether
     * it votes (a leader counts only voting members towards check-quorum), and the token of its store
     * (0: none): what a change that makes a learner a voter records ({@link Membership#joinTokens}).
     */
    record HeartbeatAck(String from, String to, Ballot ballot, long chosenPrefix, long probe, boolean voting,
                        long storeToken) implements Message {}

    /** A follower hands client commands to the leader it believes in. */
    record Forward(String from, String to, List<Command> commands) implements Message {}

    /**
     * The leader's answer to a {@link Forward}: the counters (of the origin's {@code incarnation}) it took
     * into its queue at {@code ballot}, and those it refused (its queue was full, or it does not lead).
     * The origin's flow control runs on these (see {@link Submissions}).
     */
    record ForwardAck(String from, String to, Ballot ballot, long incarnation, List<Long> taken, List<Long> refused)
            implements Message {}

    /** "Send me the chosen values of the slots from {@code fromSlot} on" (DESIGN.md P13). */
    record CatchupRequest(String from, String to, long fromSlot) implements Message {}

    /** Chosen values only, with their slots; never a merely accepted one. */
    record CatchupReply(String from, String to, List<ChosenEntry> chosen, long senderChosenPrefix,
                        long senderLogStart) implements Message {

        /** A reply from a sender that never compacted. */
        public CatchupReply(String from, String to, List<ChosenEntry> chosen, long senderChosenPrefix) {
            this(from, to, chosen, senderChosenPrefix, 1);
        }
    }

    /**
     * Raft's pre-vote (Ongaro's thesis, 9.6): "would you promise {@code ballot} if I campaigned?",
     * asked before a node raises its own promise. Nobody changes any state for it, so a node that
     * cannot win (cut off, behind a one-way fault) never disturbs the cluster: its promise stays where
     * it was, and when the link heals it does not reject the working leader.
     */
    record PreVote(String from, String to, Ballot ballot) implements Message {}

    /** The answer to a {@link PreVote}: granted unless the voter hears a live leader (or promised higher). */
    record PreVoteReply(String from, String to, Ballot ballot, boolean granted) implements Message {}

    /**
     * A node whose acceptor state is blank (an empty store: a lost disk, a new data dir, a store found
     * corrupt) asks a voter what it holds, before it may vote (DESIGN.md P3). {@code token} names this
     * incarnation of the blank node.
     */
    record StateProbe(String from, String to, long token) implements Message {}

    /**
     * A voter's answer to a {@link StateProbe}, as of when it answered: {@code token} echoes the probe's
     * (a report to an earlier incarnation of the prober proves nothing about the current one); its
     * promised ballot; the highest slot it accepted or knows chosen; whether it holds nothing at all ({@code empty}: nothing promised, accepted or
     * chosen); whether it is blank itself, and then {@code reporterToken}, its own probe token; and the
     * tokens of the blank voters it found empty when it started the cluster from nothing
     * ({@code bootstrap}); and the epoch of the newest configuration it knows ({@code epoch}: above 0,
     * the membership changed, and the bootstrap voters no longer speak for the cluster).
     */
    record StateReport(String from, String to, long token, long reporterToken, Ballot promised, long highestSlot,
                       boolean empty, boolean blank, Map<String, Long> bootstrap, long epoch) implements Message {}

    /**
     * A blank node waits until every slot up to {@code upTo} (the highest any voter knew of when it
     * answered) is chosen ({@link Rejoin}); it asks the leader to fill what no command fills with
     * no-ops, so an idle cluster lets it rejoin too.
     */
    record FillRequest(String from, String to, long upTo) implements Message {}

    /** One slot of an acceptor's state, as reported in a Promise. */
    record SlotEntry(long slot, Ballot ballot, Value value, boolean chosen) {}

    /** One chosen slot. */
    record ChosenEntry(long slot, Value value) {}
}
