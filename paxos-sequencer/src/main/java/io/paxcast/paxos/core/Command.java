package io.paxcast.paxos.core;

import java.util.Arrays;
import java.util.Objects;

/**
 * One client message as the sequencer sees it: a unique id and opaque bytes.
 *
 * <p>The id is what makes delivery exactly-once: the same command may be chosen in two slots (an
 * old leader's proposal re-proposed by its successor, plus the client's retry), and the learner
 * delivers only the first (PAXOS-NOTES 11). The broadcast layer sets the id from the idempotency key
 * when the client gave one, otherwise from a fresh random id.
 */
public record Command(String id, byte[] payload) {

    public Command {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(payload, "payload");
    }

    /** Approximate bytes this command adds to a batch; used for the batch size limit. */
    public int weight() {
        return id.length() + payload.length + 8;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Command other && id.equals(other.id) && Arrays.equals(payload, other.payload);
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
