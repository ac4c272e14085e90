package io.paxcast.paxos.apply;

import net.jpountz.xxhash.XXHash64;
import net.jpountz.xxhash.XXHashFactory;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The idempotency keys recorded within the last {@code windowMillis} of log time, each with the
 * position (for example the sequence number) of the publish that first used it.
 *
 * <p><b>Why it exists.</b> A retry that carries the same key within the window must return the
 * original result and append nothing. The decision is taken while applying the decided log, so it
 * must be identical on every node; and the store must stay small at a high keyed publish rate. A
 * {@code LinkedHashMap<String, entry>} of the keys costs about 155 bytes per key (the concatenated
 * key string and its bytes, the entry record, the map's linked node and table slot): at 15k keyed publishes/s over a 10 minute window
 * (9 million live keys) that is over 1 GiB. This store keeps 32 bytes per key plus an index of
 * 8 to 16 bytes, in a few large primitive arrays, with no object per key.
 *
 * <p><b>Keys are not stored.</b> Each key is reduced to a 128-bit fingerprint: two XXH64 hashes of
 * its UTF-8 bytes, with seeds 0 and {@code 0x9E3779B97F4A7C15}. xxHash is specified byte by byte,
 * little-endian, so it gives the same result on every JVM and platform; the pure-Java
 * implementation is used, never a native one. Two keys with the same fingerprint are the same key
 * to this store: a fresh publish whose key collides with a live one looks like a retry of it. With
 * {@code n} live keys, the chance that a fresh key collides is at most {@code n / 2^128}: about
 * 3e-33 for 10^6 live keys; over a whole year at 15k keyed publishes/s with 9 million live keys,
 * about 1e-20. xxHash is not a cryptographic hash, so this holds for keys chosen without regard
 * to it (random or sequential ids), not against a client crafting a key to collide with another
 * client's key, which it would have to know first. (A string that is not valid UTF-16, with an
 * unpaired surrogate, encodes that char as {@code '?'}, as {@link String#getBytes} does, and so is
 * the same key as its {@code '?'} spelling; Paxcast's channels and keys are printable ASCII.)
 *
 * <p><b>Layout.</b>
 * <ul>
 *   <li>A FIFO of entries (fp1, fp2, position, logTime), interleaved four longs per entry so that
 *       a probe usually touches one cache line. Puts happen at non-decreasing log times, so the
 *       FIFO is in expiry order and expiry pops from its head. The FIFO is a ring of fixed blocks
 *       of {@value #BLOCK_ENTRIES} entries (32 KiB each): it grows a block at a time and frees a
 *       block as soon as expiry passes it, so it never holds more than the live entries plus two
 *       partial blocks and one spare, and a burst does not pin memory once it has expired. (A
 *       single array growing by doubling would waste up to half of itself: 32 to 64 bytes per
 *       key instead of 32.)</li>
 *   <li>An open-addressing index: a power-of-two number of {@code int} slots holding FIFO entry
 *       ids, probed linearly from the low bits of fp1, stored in chunks of 64 KiB (one large array
 *       would be a G1 humongous object, rounded up to whole regions). Deletion shifts the
 *       following entries of the cluster back (no tombstones, so expiry leaves no debris). The
 *       load stays at most 1/2: the index doubles when a put would exceed it, and is rebuilt
 *       smaller when the live count falls below 1/8 of its length (to a load of at most 1/4, so a
 *       count hovering at a boundary does not resize back and forth). A resize rebuilds the whole
 *       index within one call, linear in the live keys (about 13 ms at 2^19 keys on the shared 2-core
 *       test machine): rare, but the longest pause this store adds to the apply loop.</li>
 * </ul>
 * Cost per live key: 32 bytes in the FIFO plus 4 bytes per index slot, 8 to 16 bytes at the loads
 * reached by growth (1/4 to 1/2): 40 to 48 bytes, {@link #bytesPerKey()}. After the count falls,
 * the index can sit at a load down to 1/8 (up to 64 bytes per key) before it shrinks.
 * {@link #heapBytes()} reports what the store holds at the moment.
 *
 * <p><b>Bounds.</b> The store enforces no maximum: the caller refuses new keyed publishes at its
 * edge when {@link #size()} nears its configured limit (a node-local decision, so that this
 * class stays a pure function of its calls). The only hard limit is 2^29 (536 million) live keys,
 * half the largest index array, far beyond any sensible configuration.
 *
 * <p><b>Time.</b> The store keeps the largest log time it was given. {@link #advanceTo} forgets
 * every key recorded at a log time below {@code logTime - windowMillis}; a key recorded at
 * {@code t} is thus still found while the log time is at most {@code t + windowMillis}. A log time
 * lower than the store's is rejected with {@link IllegalArgumentException} rather than ignored:
 * callers pass the log's running maximum, and a decrease means a caller that does not (a local
 * clock, a lost maximum after a restart): a bug better surfaced than absorbed. An {@link IllegalArgumentException} is thrown before anything changes;
 * the {@link IllegalStateException}s of {@link #put} (a key put twice, or the store full) come after
 * the put's log time was applied, as by {@link #advanceTo}, and change nothing else.
 *
 * <p>Deterministic: the answers, {@link #size()} and the snapshot bytes depend only on the
 * sequence of calls, and on nothing local to the JVM. (A store read from a snapshot has its index
 * rebuilt and sized for its count, so its layout and {@link #heapBytes()} may differ from the
 * writer's; its answers and later snapshots do not.) Not thread-safe.
 */
public final class IdempotencyStore {
    /** Seeds of the two XXH64 halves of a fingerprint; part of the snapshot format, never change. */
    static final long SEED1 = 0L;
    static final long SEED2 = 0x9E3779B97F4A7C15L;
    private static final XXHash64 XXH64 = XXHashFactory.safeInstance().hash64();

    static final int BLOCK_SHIFT = 10;
    static final int BLOCK_ENTRIES = 1 << BLOCK_SHIFT;
    private static final int BLOCK_MASK = BLOCK_ENTRIES - 1;
    /** fp1, fp2, position, logTime. */
    private static final int LONGS_PER_ENTRY = 4;
    private static final int ENTRY_SHIFT = 2;
    static final int MIN_TABLE_LENGTH = 64;
    static final int MAX_TABLE_LENGTH = 1 << 30;
    static final int MIN_BLOCK_SLOTS = 4;
    private static final int CHUNK_SHIFT = 14;
    static final int CHUNK_SLOTS = 1 << CHUNK_SHIFT;
    private static final int CHUNK_MASK = CHUNK_SLOTS - 1;
    /**
     * Index slots hold the low 31 bits of an entry's FIFO ordinal: that identifies a live entry
     * (live ordinals span at most 2^29) and locates it, because the block ring's length times
     * {@link #BLOCK_ENTRIES} divides 2^31 (2^29 keys need at most 2^20 blocks of 2^10). Never -1,
     * which marks an empty slot.
     */
    private static final int ID_MASK = 0x7FFF_FFFF;
    private static final int EMPTY = -1;

    private static final int SNAPSHOT_MAGIC = 0x50584B53; // "PXKS"
    /** Version 1: XXH64 fingerprints with {@link #SEED1} and {@link #SEED2} of UTF-8 keys. */
    private static final byte SNAPSHOT_VERSION = 1;

    /** Array header (mark word, compressed class pointer, length) and object alignment. */
    private static final long ARRAY_HEADER = 16;
    /** Object references, assuming compressed oops (heaps below 32 GiB). */
    private static final long REFERENCE = 4;
    /** This object: header and fields, rounded up. */
    private static final long SELF = 64;

    private final long windowMillis;
    private final int maxTableLength;
    private long logTime = Long.MIN_VALUE;
    /** FIFO ordinal of the oldest live entry, and of the next put; size = tail - head. */
    private long head;
    private long tail;
    /** Ring of blocks: ordinal q lives in blocks[(q >> BLOCK_SHIFT) & (length - 1)]. */
    private long[][] blocks = new long[MIN_BLOCK_SLOTS][];
    /** A block freed by expiry and kept for the next one the tail needs, so steady state allocates nothing. */
    private long[] spare;
    /**
     * The index: {@code mask + 1} slots in chunks of at most {@value #CHUNK_SLOTS}. Chunks keep every
     * array below G1's humongous threshold (half a region, 512 KiB at least): a humongous array
     * takes whole regions, and a power-of-two int[] plus its header would waste nearly a region.
     */
    private int[][] table;
    private int mask;

    /** @param windowMillis how long, in log time, a key is remembered; 0 or more */
    public IdempotencyStore(long windowMillis) {
        this(windowMillis, MAX_TABLE_LENGTH);
    }

    /** With a lower index limit, so that tests can reach it. */
    IdempotencyStore(long windowMillis, int maxTableLength) {
        if (windowMillis < 0) {
            throw new IllegalArgumentException("windowMillis " + windowMillis + " < 0");
        }
        if (Integer.bitCount(maxTableLength) != 1 || maxTableLength < MIN_TABLE_LENGTH || maxTableLength > MAX_TABLE_LENGTH) {
            throw new IllegalArgumentException("maxTableLength " + maxTableLength);
        }
        this.windowMillis = windowMillis;
        this.maxTableLength = maxTableLength;
        this.table = emptyTable(MIN_TABLE_LENGTH);
        this.mask = MIN_TABLE_LENGTH - 1;
    }

    public long windowMillis() {
        return windowMillis;
    }

    /** The largest log time given so far ({@link Long#MIN_VALUE} before any). */
    public long logTimeMillis() {
        return logTime;
    }

    /** Live keys. */
    public int size() {
        return (int) (tail - head);
    }

    // ------------------------------------------------------------------ keys

    /**
     * The position recorded for {@code key}, or -1 if it was not recorded within the window (as of
     * the store's log time: the last {@link #advanceTo} or put). A key whose fingerprint equals a live key's gets that key's
     * position (see the class comment for how unlikely that is).
     */
    public long lookup(String key) {
        byte[] utf8 = key.getBytes(StandardCharsets.UTF_8);
        return lookupFingerprint(fingerprint1(utf8), fingerprint2(utf8));
    }

    /**
     * Records {@code key} at {@code position} and log time {@code logTimeMillis}, which becomes the
     * store's log time (as by {@link #advanceTo}, expiring older keys first).
     *
     * @throws IllegalArgumentException if {@code position < 0} or the log time is below the store's
     * @throws IllegalStateException if the key is already recorded (the caller must have looked it
     *         up first; recording it twice would break the FIFO's expiry order), or the store holds
     *         the maximum number of keys
     */
    public void put(String key, long position, long logTimeMillis) {
        byte[] utf8 = key.getBytes(StandardCharsets.UTF_8);
        if (putFingerprint(fingerprint1(utf8), fingerprint2(utf8), position, logTimeMillis) >= 0) {
            throw new IllegalStateException("key already recorded: look it up before putting it");
        }
    }

    /**
     * {@link #lookup} and, if absent, {@link #put}, hashing the key once: the position already
     * recorded for the key (nothing changes but the log time), or -1 after recording it at
     * {@code position}.
     *
     * @throws IllegalArgumentException as {@link #put}
     * @throws IllegalStateException if the store holds the maximum number of keys
     */
    public long putIfAbsent(String key, long position, long logTimeMillis) {
        byte[] utf8 = key.getBytes(StandardCharsets.UTF_8);
        return putFingerprint(fingerprint1(utf8), fingerprint2(utf8), position, logTimeMillis);
    }

    /**
     * Moves the store's log time to {@code logTimeMillis} and forgets every key recorded before
     * {@code logTimeMillis - windowMillis}.
     *
     * @throws IllegalArgumentException if {@code logTimeMillis} is below the store's log time
     *         (callers pass a running maximum; equal is fine)
     */
    public void advanceTo(long logTimeMillis) {
        if (logTimeMillis < logTime) {
            throw new IllegalArgumentException("log time " + logTimeMillis + " < " + logTime + ": log time never decreases");
        }
        logTime = logTimeMillis;
        expire();
    }

    static long fingerprint1(byte[] utf8) {
        return XXH64.hash(utf8, 0, utf8.length, SEED1);
    }

    static long fingerprint2(byte[] utf8) {
        return XXH64.hash(utf8, 0, utf8.length, SEED2);
    }

    /** {@link #lookup} by fingerprint. */
    long lookupFingerprint(long fp1, long fp2) {
        int[][] t = table;
        int m = mask;
        for (int s = (int) fp1 & m; ; s = (s + 1) & m) {
            int id = t[s >>> CHUNK_SHIFT][s & CHUNK_MASK];
            if (id == EMPTY) {
                return -1;
            }
            long[] block = blockOf(id);
            int o = offsetOf(id);
            if (block[o] == fp1 && block[o + 1] == fp2) {
                return block[o + 2];
            }
        }
    }

    /** {@link #putIfAbsent} by fingerprint. */
    long putFingerprint(long fp1, long fp2, long position, long logTimeMillis) {
        if (position < 0) {
            throw new IllegalArgumentException("position " + position + " < 0");
        }
        if (logTimeMillis < logTime) {
            throw new IllegalArgumentException("put at log time " + logTimeMillis + " < " + logTime + ": log time never decreases");
        }
        if (logTimeMillis > logTime) {
            // past validation: the put's log time holds even if the put fails below (key present
            // or store full), as it would after advanceTo then put
            logTime = logTimeMillis;
            expire();
        }
        long existing = lookupFingerprint(fp1, fp2);
        if (existing >= 0) {
            return existing;
        }
        if ((size() + 1L) * 2 > tableLength()) {
            if (tableLength() >= maxTableLength) {
                throw new IllegalStateException("idempotency store full: " + size() + " live keys");
            }
            rebuildTable(tableLength() * 2);
        }
        insert(table, mask, fp1, append(fp1, fp2, position, logTimeMillis));
        return -1;
    }

    // ------------------------------------------------------------------ FIFO

    private long[] blockOf(int id) {
        return blocks[(id >>> BLOCK_SHIFT) & (blocks.length - 1)];
    }

    private static int offsetOf(int id) {
        return (id & BLOCK_MASK) << ENTRY_SHIFT;
    }

    private long[] blockOfOrdinal(long q) {
        return blocks[(int) (q >> BLOCK_SHIFT) & (blocks.length - 1)];
    }

    private static int offsetOfOrdinal(long q) {
        return ((int) q & BLOCK_MASK) << ENTRY_SHIFT;
    }

    /** The block number of the oldest entry (or of the next put, when empty). */
    private long firstBlock() {
        return head >> BLOCK_SHIFT;
    }

    /** Blocks allocated from {@link #firstBlock()} on: those holding entries (none when empty). */
    private long allocatedBlocks() {
        // tail - 1 is the last written ordinal; -1 >> BLOCK_SHIFT is -1 for a store never written
        return Math.max(0, ((tail - 1) >> BLOCK_SHIFT) - firstBlock() + 1);
    }

    private int append(long fp1, long fp2, long position, long time) {
        long q = tail;
        if (((int) q & BLOCK_MASK) == 0) {
            if (allocatedBlocks() + 1 > blocks.length) {
                resizeBlocks(blocks.length * 2);
            }
            blocks[(int) (q >> BLOCK_SHIFT) & (blocks.length - 1)] = takeBlock();
        }
        long[] block = blockOfOrdinal(q);
        int o = offsetOfOrdinal(q);
        block[o] = fp1;
        block[o + 1] = fp2;
        block[o + 2] = position;
        block[o + 3] = time;
        tail = q + 1;
        return (int) q & ID_MASK;
    }

    private long[] takeBlock() {
        long[] block = spare;
        spare = null;
        // stale contents are harmless: only ordinals in [head, tail) are ever read
        return block != null ? block : new long[BLOCK_ENTRIES * LONGS_PER_ENTRY];
    }

    private void releaseBlock(long b) {
        int slot = (int) b & (blocks.length - 1);
        if (spare == null) {
            spare = blocks[slot];
        }
        blocks[slot] = null;
    }

    /** Places the allocated blocks in a ring of {@code length}, keeping their block numbers. */
    private void resizeBlocks(int length) {
        long[][] ring = new long[length][];
        long first = firstBlock();
        long count = allocatedBlocks();
        for (long b = first; b < first + count; b++) {
            ring[(int) b & (length - 1)] = blocks[(int) b & (blocks.length - 1)];
        }
        blocks = ring;
    }

    private void expire() {
        long limit = logTime < Long.MIN_VALUE + windowMillis ? Long.MIN_VALUE : logTime - windowMillis;
        boolean removed = false;
        while (head < tail) {
            long[] block = blockOfOrdinal(head);
            int o = offsetOfOrdinal(head);
            if (block[o + 3] >= limit) {
                break;
            }
            removeFromTable(block[o], (int) head & ID_MASK);
            head++;
            removed = true;
            if (((int) head & BLOCK_MASK) == 0) {
                // the head left this block and the tail is past it: nothing reads it again
                releaseBlock((head - 1) >> BLOCK_SHIFT);
            }
        }
        if (!removed) {
            return;
        }
        if (head == tail && ((int) head & BLOCK_MASK) != 0) {
            // Empty, with the tail inside a block: release it too, and start the next put on a
            // fresh block, so an idle store holds at most the spare. Ordinals are internal (the
            // snapshot does not record them), so skipping some changes no answer.
            releaseBlock(head >> BLOCK_SHIFT);
            head = tail = (head | BLOCK_MASK) + 1;
        }
        int n = size();
        if (tableLength() > MIN_TABLE_LENGTH && n * 8L < tableLength()) {
            int length = MIN_TABLE_LENGTH;
            while (length < n * 4L) {
                length *= 2;
            }
            rebuildTable(length);
        }
        if (blocks.length > MIN_BLOCK_SLOTS && allocatedBlocks() * 4 < blocks.length) {
            int length = blocks.length;
            while (length > MIN_BLOCK_SLOTS && allocatedBlocks() * 4 < length) {
                length /= 2;
            }
            resizeBlocks(length);
        }
    }

    // ------------------------------------------------------------------ index

    private static int[][] emptyTable(int length) {
        int[][] t = new int[Math.max(1, length >>> CHUNK_SHIFT)][];
        for (int i = 0; i < t.length; i++) {
            t[i] = new int[Math.min(length, CHUNK_SLOTS)];
            Arrays.fill(t[i], EMPTY);
        }
        return t;
    }

    /** Places {@code id} in the first empty slot from its home (the caller ensured it is absent). */
    private static void insert(int[][] t, int m, long fp1, int id) {
        int s = (int) fp1 & m;
        while (t[s >>> CHUNK_SHIFT][s & CHUNK_MASK] != EMPTY) {
            s = (s + 1) & m;
        }
        t[s >>> CHUNK_SHIFT][s & CHUNK_MASK] = id;
    }

    /** Deletes entry {@code id} (whose fp1 is given) from the index, shifting its cluster back. */
    private void removeFromTable(long fp1, int id) {
        int[][] t = table;
        int m = mask;
        int hole = (int) fp1 & m;
        for (int probes = 0; t[hole >>> CHUNK_SHIFT][hole & CHUNK_MASK] != id; probes++) {
            if (probes > m) {
                throw new IllegalStateException("index lost entry " + id);
            }
            hole = (hole + 1) & m;
        }
        // Every entry after the hole, up to the next empty slot, was placed by probing from its
        // home; it may move into the hole iff the hole lies between its home and its slot
        // (cyclically), else a lookup starting at its home would stop at the hole.
        for (int j = (hole + 1) & m; ; j = (j + 1) & m) {
            int other = t[j >>> CHUNK_SHIFT][j & CHUNK_MASK];
            if (other == EMPTY) {
                break;
            }
            int home = (int) blockOf(other)[offsetOf(other)] & m;
            if (((j - home) & m) >= ((j - hole) & m)) {
                t[hole >>> CHUNK_SHIFT][hole & CHUNK_MASK] = other;
                hole = j;
            }
        }
        t[hole >>> CHUNK_SHIFT][hole & CHUNK_MASK] = EMPTY;
    }

    /** A new index of {@code length} slots holding every live entry, inserted in FIFO order. */
    private void rebuildTable(int length) {
        int[][] t = emptyTable(length);
        int m = length - 1;
        for (long q = head; q < tail; q++) {
            insert(t, m, blockOfOrdinal(q)[offsetOfOrdinal(q)], (int) q & ID_MASK);
        }
        table = t;
        mask = m;
    }

    // ------------------------------------------------------------------ memory

    /**
     * The heap this store holds now: the index, the block ring, every allocated block and the
     * spare one, with array headers and alignment (assuming compressed oops, heaps below 32 GiB).
     */
    public long heapBytes() {
        long blockCount = allocatedBlocks() + (spare != null ? 1 : 0);
        return SELF
                + arrayBytes(REFERENCE * table.length) + table.length * arrayBytes(4L * table[0].length)
                + arrayBytes(REFERENCE * blocks.length)
                + blockCount * arrayBytes(8L * LONGS_PER_ENTRY * BLOCK_ENTRIES);
    }

    /**
     * Steady-state bytes per live key, for documentation: 32 in the FIFO plus at most 16 in an
     * index sized by growth (load 1/4 to 1/2). A large store sits between 40 and this; see the
     * class comment for the transient after a fall in the count.
     */
    public static long bytesPerKey() {
        return 8L * LONGS_PER_ENTRY + 4L * 4;
    }

    private static long arrayBytes(long payload) {
        return (ARRAY_HEADER + payload + 7) & ~7L;
    }

    // ------------------------------------------------------------------ snapshot

    /**
     * Writes the store: magic, version, window, log time, count, then each entry in FIFO order as
     * fp1 and fp2 (8 bytes each), the position as a zigzag varint delta from the previous one, and
     * the log time as a varint delta (from the store's log time for the first entry, backwards; from
     * the previous entry for the others). About 19 bytes per key for sequential positions.
     */
    public void writeTo(DataOutput out) throws IOException {
        out.writeInt(SNAPSHOT_MAGIC);
        out.writeByte(SNAPSHOT_VERSION);
        out.writeLong(windowMillis);
        out.writeLong(logTime);
        out.writeInt(size());
        long previousPosition = 0;
        long previousTime = logTime;
        for (long q = head; q < tail; q++) {
            long[] block = blockOfOrdinal(q);
            int o = offsetOfOrdinal(q);
            out.writeLong(block[o]);
            out.writeLong(block[o + 1]);
            long delta = block[o + 2] - previousPosition;
            writeVarLong(out, (delta << 1) ^ (delta >> 63));
            // unsigned differences: both times lie in [logTime - windowMillis, logTime]
            writeVarLong(out, q == head ? previousTime - block[o + 3] : block[o + 3] - previousTime);
            previousPosition = block[o + 2];
            previousTime = block[o + 3];
        }
    }

    /**
     * Reads a store written by {@link #writeTo}. The index is rebuilt (its layout may differ from
     * the writer's; no answer depends on it).
     *
     * @throws IOException if the input is not such a snapshot, or is inconsistent (entries out of
     *         time order, outside the window, with a negative position, or the same fingerprint twice)
     */
    public static IdempotencyStore readFrom(DataInput in) throws IOException {
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
        store.logTime = in.readLong();
        int count = in.readInt();
        if (count < 0 || count > MAX_TABLE_LENGTH / 2) {
            throw new IOException("corrupt snapshot: " + count + " keys");
        }
        int length = MIN_TABLE_LENGTH;
        while (length < count * 2L) {
            length *= 2;
        }
        store.table = emptyTable(length);
        store.mask = length - 1;
        long limit = store.logTime < Long.MIN_VALUE + windowMillis ? Long.MIN_VALUE : store.logTime - windowMillis;
        long previousPosition = 0;
        long previousTime = store.logTime;
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
            if (time < limit || time > store.logTime || (i > 0 && time < previousTime)) {
                throw new IOException("corrupt snapshot: key " + i + " at log time " + time + " (log time "
                        + store.logTime + ", previous " + previousTime + ", window " + windowMillis + ")");
            }
            if (store.lookupFingerprint(fp1, fp2) >= 0) {
                throw new IOException("corrupt snapshot: key " + i + " appears twice");
            }
            insert(store.table, store.mask, fp1, store.append(fp1, fp2, position, time));
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

    // ------------------------------------------------------------------ tests

    int tableLength() {
        return mask + 1;
    }

    int blockSlots() {
        return blocks.length;
    }

    /** Checks every structural invariant; for tests (linear in the capacity). */
    void checkInvariants() {
        int n = size();
        if (n < 0 || head > tail) {
            throw new AssertionError("head " + head + " tail " + tail);
        }
        int length = tableLength();
        if (n * 2L > length || Integer.bitCount(length) != 1
                || table.length * (long) table[0].length != length || table[0].length > CHUNK_SLOTS) {
            throw new AssertionError(n + " keys in an index of " + length);
        }
        long limit = logTime < Long.MIN_VALUE + windowMillis ? Long.MIN_VALUE : logTime - windowMillis;
        long previous = Long.MIN_VALUE;
        for (long q = head; q < tail; q++) {
            long[] block = blockOfOrdinal(q);
            int o = offsetOfOrdinal(q);
            long time = block[o + 3];
            if (time < previous || time > logTime || time < limit || block[o + 2] < 0) {
                throw new AssertionError("entry " + q + ": time " + time + " position " + block[o + 2]);
            }
            previous = time;
            if (lookupFingerprint(block[o], block[o + 1]) != block[o + 2]) {
                throw new AssertionError("entry " + q + " not found from its home slot");
            }
        }
        int occupied = 0;
        for (int[] chunk : table) {
            for (int id : chunk) {
                if (id != EMPTY) {
                    occupied++;
                    if (((id - ((int) head & ID_MASK)) & ID_MASK) >= n) {
                        throw new AssertionError("index holds dead id " + id);
                    }
                }
            }
        }
        if (occupied != n) {
            throw new AssertionError(occupied + " index slots for " + n + " keys");
        }
        long first = firstBlock();
        long count = allocatedBlocks();
        if (count > blocks.length || Integer.bitCount(blocks.length) != 1) {
            throw new AssertionError(count + " blocks in a ring of " + blocks.length);
        }
        for (int slot = 0; slot < blocks.length; slot++) {
            boolean live = ((slot - first) & (blocks.length - 1)) < count;
            if (live != (blocks[slot] != null)) {
                throw new AssertionError("ring slot " + slot + (live ? " missing its block" : " still holds a block"));
            }
        }
    }
}
