package io.paxcast.paxos.core;

/**
 * Known ways to break Multi-Paxos, each switched on only by the simulator's self-test to prove that
 * the invariant checks can fail. They live in test scope: {@link PlantedBugs} builds a node whose
 * parts break the rule, through the package-private seam {@link Roles}; production code cannot
 * reach any of them.
 */
public enum InjectedBug {
    /** The acceptor never persists its promise: after a restart it votes as if it had promised nothing. */
    ACCEPTOR_FORGETS_PROMISE,
    /** The acceptor accepts proposals below the ballot it promised (breaks P1a). */
    ACCEPTOR_IGNORES_PROMISE,
    /** A new leader starts phase 2 at once, without phase 1 (its proposals ignore accepted values). */
    LEADER_SKIPS_PHASE_1,
    /** The learner applies a command again when it is chosen a second time. */
    SKIP_DEDUPE,
    /** A node that starts on an empty store votes at once, under its old identity (DESIGN.md P3). */
    WIPED_ACCEPTOR_VOTES,
    /** A node campaigns as soon as its election timer fires, without asking for pre-votes. */
    NO_PRE_VOTE,
    /** A leader stamps batches with its wall clock as the log clock (a clock jump expires windows). */
    LOG_CLOCK_FROM_WALL_CLOCK,
    /**
     * A node resumed from a snapshot forgets which commands the log up to it applied (a checkpoint
     * without the learner's state): a command chosen again after the checkpoint is applied twice.
     */
    RESUME_FORGETS_APPLIED_COMMANDS,
    /**
     * A node hears every sender, also ids outside the membership it knows (DESIGN.md P19): a stray
     * that believes it is a voter (the simulator's {@code OUTSIDER} scenarios) can win promises and
     * get its ballots accepted.
     */
    HEARS_OUTSIDERS
}
