package io.paxcast.paxos.core;

import java.util.Objects;

/**
 * One membership change an operator asks for, one member at a time. A leader turns it into the next
 * {@link Membership} and proposes that ({@link PaxosNode#changeMembership}); a voter is added in two
 * changes, as a learner first and promoted once it caught up, so it never slows a quorum it cannot
 * yet serve.
 */
public sealed interface MemberChange {
    String id();

    /** Adds {@code id} as a learner: it receives the log and counts in no quorum. */
    record AddLearner(String id) implements MemberChange {
        public AddLearner {
            Objects.requireNonNull(id, "id");
        }
    }

    /** Makes learner {@code id} a voter, recording its store token (it must have caught up). */
    record Promote(String id) implements MemberChange {
        public Promote {
            Objects.requireNonNull(id, "id");
        }
    }

    /** Removes voter or learner {@code id}. */
    record Remove(String id) implements MemberChange {
        public Remove {
            Objects.requireNonNull(id, "id");
        }
    }

    /**
     * A leader's answer to a change.
     *
     * @param outcome  what happened
     * @param detail   for a refusal, why, in words for the operator
     * @param proposed the configuration proposed, for {@link Outcome#PROPOSED}
     * @param leaderId the leader as this node knows it (for {@link Outcome#NOT_LEADER})
     */
    record Answer(Outcome outcome, String detail, Membership proposed, String leaderId) {}

    enum Outcome {
        /** Proposed; it is done once {@link NodeStatus#membership} reaches its epoch. */
        PROPOSED,
        /** This node does not lead. */
        NOT_LEADER,
        /** Another change is under way or does not govern the log yet: one at a time. */
        BUSY,
        /** The learner to promote has not caught up with the leader yet. */
        NOT_CAUGHT_UP,
        /** The change makes no sense for the newest configuration (named in the detail). */
        INVALID
    }
}
