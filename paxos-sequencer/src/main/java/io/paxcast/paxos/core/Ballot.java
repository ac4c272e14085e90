package io.paxcast.paxos.core;

import java.util.Objects;

/**
 * A proposal number: (round, nodeId), totally ordered first by round, then by node id.
 *
 * <p>Two proposers never share a ballot because the node id breaks every tie (Paxos Made Simple,
 * section 2.2: "different proposers choose their numbers from disjoint sets"). A node never reuses a
 * round because the round it campaigns with is promised, and so persisted, by its own acceptor before
 * its first Prepare leaves (DESIGN.md P5).
 */
public record Ballot(long round, String nodeId) implements Comparable<Ballot> {

    /** Below every real ballot: what an acceptor has promised before it promised anything. */
    public static final Ballot ZERO = new Ballot(0, "");

    public Ballot {
        Objects.requireNonNull(nodeId, "nodeId");
        if (round < 0) {
            throw new IllegalArgumentException("round < 0: " + round);
        }
    }

    /** The smallest ballot owned by {@code nodeId} that is higher than {@code this}. */
    public Ballot next(String ownerId) {
        return new Ballot(round + 1, ownerId);
    }

    public boolean isZero() {
        return round == 0 && nodeId.isEmpty();
    }

    @Override
    public int compareTo(Ballot other) {
        int byRound = Long.compare(round, other.round);
        return byRound != 0 ? byRound : nodeId.compareTo(other.nodeId);
    }

    public boolean greaterThan(Ballot other) {
        return compareTo(other) > 0;
    }

    public boolean lessThan(Ballot other) {
        return compareTo(other) < 0;
    }

    public static Ballot max(Ballot a, Ballot b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    /** Text form used in logs and in {@code GET /v1/cluster}: {@code <round>.<nodeId>}. */
    @Override
    public String toString() {
        return round + "." + nodeId;
    }
}
