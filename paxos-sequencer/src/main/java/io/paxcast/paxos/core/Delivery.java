package io.paxcast.paxos.core;

import java.util.List;
import java.util.Objects;

/**
 * One decided slot, handed to the application in slot order, each slot exactly once per run of the
 * node. A run delivers from slot 1, or from the slot after the {@link Checkpoint} it was started
 * from: the application state is a function of the log, and a snapshot of it at a checkpoint stands
 * for the log up to there.
 *
 * @param slot            the slot, contiguous with the previous delivery
 * @param timestampMillis the log's wall-clock stamp after this slot: the largest batch timestamp so far,
 *                        so it never goes backwards even if leaders' clocks disagree
 * @param logClockMillis  the log's own clock after this slot (the largest {@link Value#logClockMillis}
 *                        so far): what time windows of the application are measured in
 * @param value           the chosen value, whole
 * @param commands        the commands of {@code value} to apply, in order: those not applied before
 *                        ({@link AppliedCommands}); a command chosen a second time is left out
 * @param checkpoint      every {@link PaxosConfig#checkpointEverySlots} slots: the learner's state after
 *                        this slot, for the application to keep with a snapshot of its own state here
 *                        (and to start from later); null at the other slots
 */
public record Delivery(long slot, long timestampMillis, long logClockMillis, Value value, List<Command> commands,
                       Checkpoint checkpoint) {

    public Delivery {
        Objects.requireNonNull(value, "value");
        commands = List.copyOf(commands);
        if (checkpoint != null && checkpoint.slot() != slot) {
            throw new IllegalArgumentException("the checkpoint of slot " + slot + " covers slot " + checkpoint.slot());
        }
    }

    /** A delivery that carries no checkpoint. */
    public Delivery(long slot, long timestampMillis, long logClockMillis, Value value, List<Command> commands) {
        this(slot, timestampMillis, logClockMillis, value, commands, null);
    }

    /** Whether every command of the value is applied (the usual case). */
    public boolean complete() {
        return commands.size() == value.commands().size();
    }
}
