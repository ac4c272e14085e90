package io.paxcast.paxos.core;

import java.util.List;
import java.util.Objects;

/**
 * What a slot decides: a batch of commands stamped by the leader that proposed it, a no-op, or a
 * membership change ({@link Membership}, applied as {@link Configurations} says).
 *
 * <p>One slot carries a whole batch so that one consensus instance and one storage record serve many
 * messages (Paxos Made Live, section 5). A no-op fills a hole the new leader found below the highest
 * accepted slot (DESIGN.md P7): it delivers nothing, so it can never give a fresh message a lower
 * position than one already acknowledged.
 *
 * <p>Two stamps travel with a batch as data; no protocol decision depends on either (DESIGN.md P15):
 * <ul>
 *   <li>{@code timestampMillis}: the leader's wall clock when it closed the batch (clients see it as
 *       {@code ts}); a leader whose clock is wrong makes it wrong, so nothing that must be correct is
 *       measured in it;</li>
 *   <li>{@code logClockMillis}: the log's own clock, the milliseconds that leaders' tick timers counted
 *       since the log began ({@link LogClock}). Wall-clock jumps do not move it, and every node reads
 *       the same value from the log, so windows measured in it (idempotency keys) are decided
 *       identically everywhere.</li>
 * </ul>
 */
public record Value(long timestampMillis, long logClockMillis, List<Command> commands, boolean noop,
                    Membership membership) {

    public static final Value NOOP = new Value(0, 0, List.of(), true);

    public Value {
        Objects.requireNonNull(commands, "commands");
        commands = List.copyOf(commands);
        if (noop && !commands.isEmpty()) {
            throw new IllegalArgumentException("a no-op carries no command");
        }
        if (membership != null && (noop || !commands.isEmpty())) {
            throw new IllegalArgumentException("a membership change is a value of its own");
        }
    }

    /** A batch or a no-op: no membership change. */
    public Value(long timestampMillis, long logClockMillis, List<Command> commands, boolean noop) {
        this(timestampMillis, logClockMillis, commands, noop, null);
    }

    /**
     * A membership change ({@link Configurations}): it carries no command; applied in slot order, it
     * governs the slots from its own plus the activation delay on, if it names the next epoch.
     */
    public static Value membership(long timestampMillis, long logClockMillis, Membership next) {
        return new Value(timestampMillis, logClockMillis, List.of(), false, Objects.requireNonNull(next, "next"));
    }

    public static Value batch(long timestampMillis, long logClockMillis, List<Command> commands) {
        if (commands.isEmpty()) {
            throw new IllegalArgumentException("an empty batch: propose a no-op instead");
        }
        return new Value(timestampMillis, logClockMillis, commands, false, null);
    }

    public int size() {
        return commands.size();
    }

    /** Approximate heap bytes of the batch: the sum of its commands' weights. */
    public long weight() {
        long bytes = membership == null ? 48 : 48 + 64L * (membership.voters().size() + membership.learners().size());
        for (Command command : commands) {
            bytes += command.weight();
        }
        return bytes;
    }

    @Override
    public String toString() {
        if (membership != null) {
            return "Change[" + membership + "]";
        }
        return noop ? "NOOP" : "Batch[ts=" + timestampMillis + ", clock=" + logClockMillis + ", " + commands.size()
                + " cmds, first=" + commands.get(0).id() + "]";
    }
}
