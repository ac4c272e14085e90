package io.paxcast.paxos.core;

import java.util.Objects;

/**
 * The identity of one client command: the node that took it from its client (the origin), that
 * node's incarnation (a number that grows with every start of the process, persisted), and a counter
 * the origin increments for every command of that incarnation.
 *
 * <p>Why not a random id: the learner must skip a command that is chosen a second time (an old
 * leader's proposal re-proposed by its successor, plus the origin's re-submission of the same command:
 * DESIGN.md P11). Remembering every random id ever applied costs memory in proportion to the log;
 * with origin counters the learner keeps, per origin incarnation, only a floor and the applied counters
 * above it ({@link AppliedCommands}): memory in proportion to the number of nodes.
 *
 * <p>{@link #LEGACY} marks commands decoded from logs written before this scheme existed; they are
 * applied as they come, without de-duplication.
 */
public record CommandId(String origin, long incarnation, long counter) {

    /** Commands of an old log format, which carried free-form ids. */
    public static final CommandId LEGACY = new CommandId("", 0, 0);

    public CommandId {
        Objects.requireNonNull(origin, "origin");
        if (incarnation < 0 || counter < 0) {
            throw new IllegalArgumentException("negative incarnation or counter: " + incarnation + "/" + counter);
        }
    }

    public boolean isLegacy() {
        return origin.isEmpty();
    }

    /** {@code origin/incarnation/counter}, as logs and error messages show it. */
    @Override
    public String toString() {
        return origin + "/" + incarnation + "/" + counter;
    }
}
