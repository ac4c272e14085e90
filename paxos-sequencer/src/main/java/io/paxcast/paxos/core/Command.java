package io.paxcast.paxos.core;

import java.util.Arrays;
import java.util.Objects;

/**
 * One client message as the sequencer sees it: its identity, the origin's floor when it was created,
 * and opaque bytes.
 *
 * <p>The id makes delivery exactly-once: the same command may be chosen in two slots, and the learner
 * applies only the first ({@link AppliedCommands}). {@code floor} is the origin's promise about its
 * other commands: every counter of this incarnation below {@code floor} is settled at the origin
 * (applied, or abandoned and never to be submitted again), so a copy of one of them that is chosen
 * after this command was applied can be skipped without remembering it.
 *
 * <p>Client retries (the same publish sent again, perhaps through another node) are new commands:
 * recognising them is the application's business (idempotency keys), decided from the log too.
 */
public record Command(CommandId id, long floor, byte[] payload) {

    public Command {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(payload, "payload");
        if (floor < 0 || (!id.isLegacy() && floor > id.counter())) {
            throw new IllegalArgumentException("floor " + floor + " above the command's own counter " + id);
        }
    }

    /** Approximate bytes this command holds and adds to a batch; used for every byte bound. */
    public int weight() {
        return id.origin().length() + payload.length + 32;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Command other && id.equals(other.id) && floor == other.floor
                && Arrays.equals(payload, other.payload);
    }

    @Override
    public int hashCode() {
        return 31 * id.hashCode() + Arrays.hashCode(payload);
    }

    @Override
    public String toString() {
        return "Command[" + id + ", " + payload.length + "B]";
    }
}
