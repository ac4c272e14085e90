package io.paxcast.broadcast.log;

import io.paxcast.paxos.core.Checkpoint;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Objects;

/**
 * The broadcast state as of one slot, whole: what a node starts from instead of applying the log from
 * slot 1. It holds everything {@link BroadcastLog} derives from the log that the index files do not
 * say by themselves: the counters ({@code seq}, the payload bytes retention measures, the earliest
 * retained slot), the idempotency keys within their window, the index's heap state
 * ({@link IndexManifest}), and the sequencer's {@link Checkpoint} of the same slot (the learner's own
 * state, so the commands it already applied are not applied again).
 *
 * <p>Why one slot for all of it: the state is a function of the log, so a state taken whole at slot
 * S stands for the log up to S, and the node resumes by applying S + 1 onwards. Taken at different
 * slots, the parts would disagree and the node would diverge.
 *
 * @param owner       the node that wrote it (a snapshot is never taken for another node's)
 * @param checkpoint  the sequencer's state after {@link #slot()}
 * @param lastSeq     the last seq applied
 * @param payloadBytes payload bytes of every message applied (retention by bytes)
 * @param earliestSlot the earliest retained slot
 * @param keys        the idempotency store ({@link io.paxcast.paxos.apply.IdempotencyStore#writeTo})
 * @param index       the message index's heap state; its data files hold the records it covers
 */
public record LogSnapshot(String owner, Checkpoint checkpoint, long lastSeq, long payloadBytes, long earliestSlot,
                          byte[] keys, IndexManifest index) {
    private static final int MAGIC = 0x5058534E; // "PXSN"
    private static final int VERSION = 1;

    public LogSnapshot {
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(checkpoint, "checkpoint");
        Objects.requireNonNull(index, "index");
        if (index.lastSlot() != checkpoint.slot() || index.headSeq() != lastSeq || earliestSlot < 1
                || earliestSlot > checkpoint.slot() + 1 || lastSeq < 0 || payloadBytes < 0) {
            throw new IllegalArgumentException("inconsistent snapshot: slot " + checkpoint.slot() + ", index at slot "
                    + index.lastSlot() + " seq " + index.headSeq() + ", seq " + lastSeq + ", earliest slot " + earliestSlot);
        }
        keys = keys.clone();
    }

    /** The last slot it covers: the node resumes with the one after it. */
    public long slot() {
        return checkpoint.slot();
    }

    @Override
    public byte[] keys() {
        return keys.clone();
    }

    /** Writes the snapshot (the caller adds the checksum). */
    void writeTo(DataOutputStream out) throws IOException {
        out.writeInt(MAGIC);
        out.writeInt(VERSION);
        out.writeUTF(owner);
        byte[] cp = checkpoint.encode();
        out.writeInt(cp.length);
        out.write(cp);
        out.writeLong(lastSeq);
        out.writeLong(payloadBytes);
        out.writeLong(earliestSlot);
        out.writeInt(keys.length);
        out.write(keys);
        index.writeTo(out);
    }

    /**
     * Reads what {@link #writeTo} wrote.
     *
     * @throws IOException if it is not a snapshot of this version, or is inconsistent
     */
    static LogSnapshot readFrom(DataInputStream in) throws IOException {
        if (in.readInt() != MAGIC || in.readInt() != VERSION) {
            throw new IOException("not a snapshot of version " + VERSION);
        }
        String owner = in.readUTF();
        Checkpoint checkpoint = Checkpoint.decode(in.readNBytes(length(in.readInt())));
        long lastSeq = in.readLong();
        long payloadBytes = in.readLong();
        long earliestSlot = in.readLong();
        byte[] keys = in.readNBytes(length(in.readInt()));
        IndexManifest index = IndexManifest.readFrom(in)
                .orElseThrow(() -> new IOException("the snapshot's index state is of another version or inconsistent"));
        try {
            return new LogSnapshot(owner, checkpoint, lastSeq, payloadBytes, earliestSlot, keys, index);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    private static int length(int length) throws IOException {
        if (length < 0 || length > (1 << 30)) {
            throw new IOException("bad length " + length);
        }
        return length;
    }

    @Override
    public String toString() {
        return "LogSnapshot[slot=" + slot() + ", seq=" + lastSeq + ", earliestSlot=" + earliestSlot + ", "
                + keys.length + " bytes of keys, " + index.channels().size() + " channels]";
    }
}
