package io.paxcast.paxos.core;

import java.util.List;

/**
 * Every message Paxcast nodes exchange, named as in the papers.
 *
 * <p>The network is best-effort (PAXOS-NOTES 14): any message may be lost, duplicated, delayed or
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
     * prefix so a leader that is behind catches up before it proposes (PAXOS-NOTES 6).
     */
    record Promise(String from, String to, Ballot ballot, long chosenPrefix, List<SlotEntry> accepted)
            implements Message {}

    /** Phase 2a: "accept {@code value} in {@code slot} at {@code ballot}"; carries the leader's commit point. */
    record Accept(String from, String to, Ballot ballot, long slot, Value value, long commitUpTo)
            implements Message {}

    /** Phase 2b: the acceptor durably accepted the proposal ({@code ballot}, {@code slot}). */
    record Accepted(String from, String to, Ballot ballot, long slot) implements Message {}

    /**
     * A rejection: the acceptor promised {@code promised}, higher than {@code rejected}. The proposer
     * steps down and learns of the newer leader (PAXOS-NOTES 8).
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
     * and {@code probe}, the follower's own tick when it answered, which the leader echoes back.
     */
    record HeartbeatAck(String from, String to, Ballot ballot, long chosenPrefix, long probe) implements Message {}

    /** A follower hands client commands to the leader it believes in. */
    record Forward(String from, String to, List<Command> commands) implements Message {}

    /** "Send me the chosen values of the slots from {@code fromSlot} on" (PAXOS-NOTES 13). */
    record CatchupRequest(String from, String to, long fromSlot) implements Message {}

    /** Chosen values only, with their slots; never a merely accepted one. */
    record CatchupReply(String from, String to, List<ChosenEntry> chosen, long senderChosenPrefix)
            implements Message {}

    /** One slot of an acceptor's state, as reported in a Promise. */
    record SlotEntry(long slot, Ballot ballot, Value value, boolean chosen) {}

    /** One chosen slot. */
    record ChosenEntry(long slot, Value value) {}
}
