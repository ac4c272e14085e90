package io.paxcast.paxos.core;

import java.util.List;
import java.util.Objects;

/**
 * One decided slot, handed to the application in slot order, each slot exactly once per run of the
 * node (a restarted node delivers the log again from slot 1: its application state is a function of
 * the log).
 *
 * @param slot            the slot, contiguous with the previous delivery
 * @param timestampMillis the log's wall-clock stamp after this slot: the largest batch timestamp so far,
 *                        so it never goes backwards even if leaders' clocks disagree
 * @param logClockMillis  the log's own clock after this slot (the largest {@link Value#logClockMillis}
 *                        so far): what time windows of the application are measured in
 * @param value           the chosen value, whole
 * @param commands        the commands of {@code value} to apply, in order: those not applied before
 *                        ({@link AppliedCommands}); a command chosen a second time is left out
 */
public record Delivery(long slot, long timestampMillis, long logClockMillis, Value value, List<Command> commands) {

    public Delivery {
        Objects.requireNonNull(value, "value");
        commands = List.copyOf(commands);
    }

    /** Whether every command of the value is applied (the usual case). */
    public boolean complete() {
        return commands.size() == value.commands().size();
    }
}
