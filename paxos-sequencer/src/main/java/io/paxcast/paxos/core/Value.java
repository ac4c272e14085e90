package io.paxcast.paxos.core;

import java.util.List;
import java.util.Objects;

/**
 * What a slot decides: a batch of commands stamped with the leader's timestamp, or a no-op.
 *
 * <p>One slot carries a whole batch so that one consensus instance and one storage record serve many
 * messages (Paxos Made Live, section 5; KNOWN-TO-WORK.md on MapDB's cost per entry). A no-op fills a
 * hole the new leader found below the highest accepted slot (PAXOS-NOTES 7): it delivers nothing, so
 * it can never give a fresh message a lower position than one already acknowledged.
 *
 * @param timestampMillis the leader's clock when it closed the batch; data carried in the log, never
 *                        used by the protocol to decide anything (PAXOS-NOTES 15)
 */
public record Value(long timestampMillis, List<Command> commands, boolean noop) {

    public static final Value NOOP = new Value(0, List.of(), true);

    public Value {
        Objects.requireNonNull(commands, "commands");
        commands = List.copyOf(commands);
        if (noop && !commands.isEmpty()) {
            throw new IllegalArgumentException("a no-op carries no command");
        }
    }

    public static Value batch(long timestampMillis, List<Command> commands) {
        if (commands.isEmpty()) {
            throw new IllegalArgumentException("an empty batch: propose a no-op instead");
        }
        return new Value(timestampMillis, commands, false);
    }

    public int size() {
        return commands.size();
    }

    @Override
    public String toString() {
        return noop ? "NOOP" : "Batch[ts=" + timestampMillis + ", " + commands.size() + " cmds, first="
                + commands.get(0).id() + "]";
    }
}
