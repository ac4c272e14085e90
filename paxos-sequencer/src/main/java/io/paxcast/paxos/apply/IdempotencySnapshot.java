package io.paxcast.paxos.apply;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * The snapshot format of an {@link IdempotencyStore} ({@link IdempotencyStore#writeTo},
 * {@link IdempotencyStore#readFrom}): magic {@code "PXKS"}, version, window, log time, count, then the
 * entries in FIFO order. The bytes depend only on the store's answers, never on its layout, so a
 * store read back writes the same snapshot.
 */
final class IdempotencySnapshot {
    private static final int SNAPSHOT_MAGIC = 0x50584B53; // "PXKS"
    /** Version 1: XXH64 fingerprints with {@link IdempotencyStore#SEED1} and {@link IdempotencyStore#SEED2} of UTF-8 keys. */
    private static final byte SNAPSHOT_VERSION = 1;

    private IdempotencySnapshot() {
    }

    /**
     * Writes the store: magic, version, window, log time, count, then each entry in FIFO order as
     * fp1 and fp2 (8 bytes each), the position as a zigzag varint delta from the previous one, and
     * the log time as a varint delta (from the store's log time for the first entry, backwards; from
     * the previous entry for the others). About 19 bytes per key for sequential positions.
     */
    static void write(IdempotencyStore store, DataOutput out) throws IOException {
        EntryRing ring = store.ring();
        long windowMillis = store.windowMillis();
        long logTime = store.logTimeMillis();
        out.writeInt(SNAPSHOT_MAGIC);
        out.writeByte(SNAPSHOT_VERSION);
        out.writeLong(windowMillis);
        out.writeLong(logTime);
        out.writeInt(store.size());
        long previousPosition = 0;
        long previousTime = logTime;
        for (long q = ring.head(); q < ring.tail(); q++) {
            long[] block = ring.blockOfOrdinal(q);
            int o = EntryRing.offsetOfOrdinal(q);
            out.writeLong(block[o]);
            out.writeLong(block[o + 1]);
            long delta = block[o + 2] - previousPosition;
            writeVarLong(out, (delta << 1) ^ (delta >> 63));
            // unsigned differences: both times lie in [logTime - windowMillis, logTime]
            writeVarLong(out, q == ring.head() ? previousTime - block[o + 3] : block[o + 3] - previousTime);
            previousPosition = block[o + 2];
            previousTime = block[o + 3];
        }
    }

    /**
     * Reads a store written by {@link #write}. The index is rebuilt (its layout may differ from
     * the writer's; no answer depends on it).
     *
     * @throws IOException if the input is not such a snapshot, or is inconsistent (entries out of
     *         time order, outside the window, with a negative position, or the same fingerprint twice)
     */
    static IdempotencyStore read(DataInput in) throws IOException {
        int magic = in.readInt();
        if (magic != SNAPSHOT_MAGIC) {
            throw new IOException("not an idempotency store snapshot (magic " + Integer.toHexString(magic) + ")");
        }
        byte version = in.readByte();
        if (version != SNAPSHOT_VERSION) {
            throw new IOException("unknown idempotency store snapshot version " + version);
        }
        long windowMillis = in.readLong();
        if (windowMillis < 0) {
            throw new IOException("corrupt snapshot: window " + windowMillis);
        }
        IdempotencyStore store = new IdempotencyStore(windowMillis);
        long logTime = in.readLong();
        int count = in.readInt();
        if (count < 0 || count > IdempotencyStore.MAX_TABLE_LENGTH / 2) {
            throw new IOException("corrupt snapshot: " + count + " keys");
        }
        int length = IdempotencyStore.MIN_TABLE_LENGTH;
        while (length < count * 2L) {
            length *= 2;
        }
        store.restoreEmpty(logTime, length);
        long limit = logTime < Long.MIN_VALUE + windowMillis ? Long.MIN_VALUE : logTime - windowMillis;
        long previousPosition = 0;
        long previousTime = logTime;
        for (int i = 0; i < count; i++) {
            long fp1 = in.readLong();
            long fp2 = in.readLong();
            long zigzag = readVarLong(in);
            long position = previousPosition + ((zigzag >>> 1) ^ -(zigzag & 1));
            long delta = readVarLong(in);
            long time = i == 0 ? previousTime - delta : previousTime + delta;
            if (position < 0) {
                throw new IOException("corrupt snapshot: key " + i + " at position " + position);
            }
            if (time < limit || time > logTime || (i > 0 && time < previousTime)) {
                throw new IOException("corrupt snapshot: key " + i + " at log time " + time + " (log time "
                        + logTime + ", previous " + previousTime + ", window " + windowMillis + ")");
            }
            if (store.lookupFingerprint(fp1, fp2) >= 0) {
                throw new IOException("corrupt snapshot: key " + i + " appears twice");
            }
            store.restoreEntry(fp1, fp2, position, time);
            previousPosition = position;
            previousTime = time;
        }
        return store;
    }

    private static void writeVarLong(DataOutput out, long v) throws IOException {
        while ((v & ~0x7FL) != 0) {
            out.writeByte((int) (v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out.writeByte((int) v);
    }

    private static long readVarLong(DataInput in) throws IOException {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            int b = in.readUnsignedByte();
            v |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return v;
            }
        }
        throw new IOException("corrupt snapshot: varint longer than 10 bytes");
    }
}
