package io.paxcast.paxos.core;

import java.util.Map;

/**
 * A change to a node's durable state, produced by the core and performed by the caller.
 *
 * <p>The rule (Paxos Made Simple, P1a/P2b; DESIGN.md P1): the writes of a {@link Ready} are durable
 * before any of its messages leaves the node. Writes are applied in list order; a storage applies a
 * whole list as one atomic commit (group commit).
 */
public sealed interface StorageWrite {

    /** The acceptor promised {@code ballot}; it only ever grows (DESIGN.md P2). */
    record Promised(Ballot ballot) implements StorageWrite {}

    /** The acceptor accepted {@code value} in {@code slot} at {@code ballot}. */
    record Accepted(long slot, Ballot ballot, Value value) implements StorageWrite {}

    /**
     * {@code value} is chosen in {@code slot}. Written when the node learned the slot's chosen value
     * other than by having accepted it itself at the choosing ballot (catch-up, a reported chosen slot,
     * or a leader whose own acceptor missed the vote); it replaces any accepted record of that slot.
     */
    record Chosen(long slot, Value value) implements StorageWrite {}

    /**
     * Every slot up to {@code slot} is chosen and its stored record holds the chosen value. Written
     * after (or in the same commit as) the records it vouches for.
     */
    record ChosenPrefix(long slot) implements StorageWrite {}

    /**
     * Every slot below {@code slot} is chosen and its value may be forgotten: the application holds a
     * snapshot of its state there (compaction), or installed one from a peer. It only grows, and it
     * raises the chosen prefix to {@code slot - 1} if that is higher (an installed snapshot vouches for
     * those slots: they were chosen, as the snapshot's checkpoint proves). Accepted or chosen records of
     * slots below it are ignored from then on.
     */
    record LogStart(long slot) implements StorageWrite {}

    /**
     * Node {@code owner} started with {@code incarnation} (which only grows). The first write of every
     * start: the origin of the node's commands must be durable before any of them leaves.
     */
    record Incarnation(String owner, long incarnation) implements StorageWrite {}

    /**
     * This node's acceptor may vote from now on ({@link Rejoin}), with the probe tokens it found empty if
     * it started the cluster. Written before (or with) its first promise.
     */
    record Intact(Map<String, Long> bootstrap) implements StorageWrite {}

    /**
     * A blank store's probe token ({@link Rejoin}): kept so that a blank node restarted on the same
     * store can still show it has not voted since a voter found it empty.
     */
    record BlankToken(long token) implements StorageWrite {}
}
