package io.paxcast.paxos.core;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;

/**
 * The learner's state after delivering slot {@link #slot}: everything a node needs to deliver slot
 * {@code slot + 1} onwards exactly as if it had delivered slots 1 to {@code slot} in this run.
 *
 * <p>Why it exists: consensus and total order are equivalent, so an application's state is a
 * function of the decided log; a snapshot of that state at slot S stands for the log up to S. But the
 * learner's own rule for exactly-once delivery (DESIGN.md P11) is a function of the log too, and must
 * come back with the snapshot, or a command chosen a second time after S would be applied again. That
 * state is this: the {@link AppliedCommands} (a few words per origin), and the running maxima of the
 * two stamps the deliveries carry. The {@link Configurations} (which membership governs which slot) are
 * the learner's state too, and come back with it.
 *
 * <p>It is a function of the log alone, so every node computes the same checkpoint for a slot (the
 * simulator checks that, since {@link Delivery} equality includes it). The bytes are canonical:
 * a checkpoint read back and extended by the same deliveries encodes identically.
 *
 * @param slot            the last slot it covers
 * @param timestampMillis {@link Delivery#timestampMillis()} of that slot
 * @param logClockMillis  {@link Delivery#logClockMillis()} of that slot
 * @param applied         the encoded {@link AppliedCommands}
 * @param members         the encoded {@link Configurations}; empty for a checkpoint of version 1
 */
public record Checkpoint(long slot, long timestampMillis, long logClockMillis, byte[] applied, byte[] members) {
    private static final int MAGIC = 0x5058434B; // "PXCK"
    private static final byte VERSION = 2; // 2: the configurations
    private static final byte OLDEST_READABLE = 1;

    public Checkpoint {
        if (slot < 1) {
            throw new IllegalArgumentException("a checkpoint covers slot 1 at least, was " + slot);
        }
        applied = applied.clone();
        members = members.clone();
    }

    /** A checkpoint of a node that decided no membership change (its configuration is the bootstrap one). */
    public Checkpoint(long slot, long timestampMillis, long logClockMillis, byte[] applied) {
        this(slot, timestampMillis, logClockMillis, applied, new byte[0]);
    }

    @Override
    public byte[] applied() {
        return applied.clone();
    }

    /** The encoded {@link Configurations}, or empty: the bootstrap configuration (checkpoints of version 1). */
    @Override
    public byte[] members() {
        return members.clone();
    }

    /** The whole checkpoint as bytes (for an application's snapshot file). */
    public byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(40 + applied.length + members.length);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            out.writeByte(VERSION);
            out.writeLong(slot);
            out.writeLong(timestampMillis);
            out.writeLong(logClockMillis);
            out.writeInt(applied.length);
            out.write(applied);
            out.writeInt(members.length);
            out.write(members);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * Reads what {@link #encode} wrote (this version or version 1, which has no configurations).
     *
     * @throws IOException if the bytes are not a checkpoint of a version this reads, or are inconsistent
     */
    public static Checkpoint decode(byte[] encoded) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(encoded));
        int version;
        if (in.readInt() != MAGIC || (version = in.readByte()) < OLDEST_READABLE || version > VERSION) {
            throw new IOException("not a checkpoint of version " + OLDEST_READABLE + " to " + VERSION);
        }
        long slot = in.readLong();
        long ts = in.readLong();
        long logClock = in.readLong();
        byte[] applied = readBlock(in, slot);
        byte[] members = version >= 2 ? readBlock(in, slot) : new byte[0];
        if (in.available() != 0) {
            throw new IOException("trailing bytes after a checkpoint");
        }
        AppliedCommands.decode(applied); // refuse now what a node could not start from
        if (members.length > 0) {
            Configurations.decode(members);
        }
        return new Checkpoint(slot, ts, logClock, applied, members);
    }

    private static byte[] readBlock(DataInputStream in, long slot) throws IOException {
        int length = in.readInt();
        if (slot < 1 || length < 0 || length > in.available()) {
            throw new IOException("inconsistent checkpoint: slot " + slot + ", " + length + " bytes of state");
        }
        return in.readNBytes(length);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Checkpoint c && c.slot == slot && c.timestampMillis == timestampMillis
                && c.logClockMillis == logClockMillis && Arrays.equals(c.applied, applied)
                && Arrays.equals(c.members, members);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(slot) * 31 + Arrays.hashCode(applied);
    }

    @Override
    public String toString() {
        return "Checkpoint[slot=" + slot + ", ts=" + timestampMillis + ", logClock=" + logClockMillis + ", "
                + applied.length + " bytes]";
    }
}
