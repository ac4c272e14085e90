package io.paxcast.paxos.apply;

import java.util.Arrays;

/**
 * {@link IdempotencyStore}'s open-addressing index over its {@link EntryRing}: a power-of-two number of
 * {@code int} slots holding FIFO entry ids, probed linearly from the low bits of fp1, stored in chunks
 * of 64 KiB (one large array would be a G1 humongous object, rounded up to whole regions). Deletion
 * shifts the following entries of the cluster back (no tombstones, so expiry leaves no debris).
 *
 * <p>Sizing is the store's: the load stays at most 1/2 (the index doubles when a put would exceed it)
 * and the index is rebuilt smaller when the live count falls below 1/8 of its length (to a load of at
 * most 1/4, so a count hovering at a boundary does not resize back and forth). A resize rebuilds the
 * whole index within one call, linear in the live keys (about 13 ms at 2^19 keys on the shared 2-core
 * test machine): rare, but the longest pause the store adds to the apply loop. Each slot costs 4
 * bytes: 8 to 16 bytes per live key at the loads reached by growth (1/4 to 1/2).
 *
 * <p>Not thread-safe.
 */
final class FingerprintIndex {
    static final int MIN_TABLE_LENGTH = 64;
    static final int MAX_TABLE_LENGTH = 1 << 30;
    private static final int CHUNK_SHIFT = 14;
    static final int CHUNK_SLOTS = 1 << CHUNK_SHIFT;
    private static final int CHUNK_MASK = CHUNK_SLOTS - 1;
    private static final int EMPTY = -1;

    private final EntryRing ring;
    /**
     * The index: {@code mask + 1} slots in chunks of at most {@value #CHUNK_SLOTS}. Chunks keep every
     * array below G1's humongous threshold (half a region, 512 KiB at least): a humongous array
     * takes whole regions, and a power-of-two int[] plus its header would waste nearly a region.
     */
    private int[][] table;
    private int mask;

    /** An empty index of {@code length} slots (a power of two) over {@code ring}. */
    FingerprintIndex(EntryRing ring, int length) {
        this.ring = ring;
        this.table = emptyTable(length);
        this.mask = length - 1;
    }

    /** Slots (a power of two). */
    int length() {
        return mask + 1;
    }

    /** The position of the entry with this fingerprint, or -1. */
    long lookup(long fp1, long fp2) {
        int[][] t = table;
        int m = mask;
        for (int s = (int) fp1 & m; ; s = (s + 1) & m) {
            int id = t[s >>> CHUNK_SHIFT][s & CHUNK_MASK];
            if (id == EMPTY) {
                return -1;
            }
            long[] block = ring.blockOf(id);
            int o = EntryRing.offsetOf(id);
            if (block[o] == fp1 && block[o + 1] == fp2) {
                return block[o + 2];
            }
        }
    }

    /** Places entry {@code id} (whose fp1 is given) in the first empty slot from its home (the caller ensured it is absent). */
    void insert(long fp1, int id) {
        insert(table, mask, fp1, id);
    }

    private static int[][] emptyTable(int length) {
        int[][] t = new int[Math.max(1, length >>> CHUNK_SHIFT)][];
        for (int i = 0; i < t.length; i++) {
            t[i] = new int[Math.min(length, CHUNK_SLOTS)];
            Arrays.fill(t[i], EMPTY);
        }
        return t;
    }

    private static void insert(int[][] t, int m, long fp1, int id) {
        int s = (int) fp1 & m;
        while (t[s >>> CHUNK_SHIFT][s & CHUNK_MASK] != EMPTY) {
            s = (s + 1) & m;
        }
        t[s >>> CHUNK_SHIFT][s & CHUNK_MASK] = id;
    }

    /** Deletes entry {@code id} (whose fp1 is given) from the index, shifting its cluster back. */
    void remove(long fp1, int id) {
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
            int home = (int) ring.blockOf(other)[EntryRing.offsetOf(other)] & m;
            if (((j - home) & m) >= ((j - hole) & m)) {
                t[hole >>> CHUNK_SHIFT][hole & CHUNK_MASK] = other;
                hole = j;
            }
        }
        t[hole >>> CHUNK_SHIFT][hole & CHUNK_MASK] = EMPTY;
    }

    /** A new index of {@code length} slots holding every live entry of the ring, inserted in FIFO order. */
    void rebuild(int length) {
        int[][] t = emptyTable(length);
        int m = length - 1;
        for (long q = ring.head(); q < ring.tail(); q++) {
            insert(t, m, ring.blockOfOrdinal(q)[EntryRing.offsetOfOrdinal(q)], EntryRing.idOf(q));
        }
        table = t;
        mask = m;
    }

    /** The chunk array and every chunk ({@link IdempotencyStore#heapBytes()}). */
    long heapBytes() {
        return IdempotencyStore.arrayBytes(IdempotencyStore.REFERENCE * table.length)
                + table.length * IdempotencyStore.arrayBytes(4L * table[0].length);
    }

    /** Checks the index against the ring's {@code n} live entries; for tests (linear in the capacity). */
    void checkInvariants() {
        int n = ring.size();
        int length = length();
        if (n * 2L > length || Integer.bitCount(length) != 1
                || table.length * (long) table[0].length != length || table[0].length > CHUNK_SLOTS) {
            throw new AssertionError(n + " keys in an index of " + length);
        }
        int occupied = 0;
        for (int[] chunk : table) {
            for (int id : chunk) {
                if (id != EMPTY) {
                    occupied++;
                    if (((id - EntryRing.idOf(ring.head())) & EntryRing.ID_MASK) >= n) {
                        throw new AssertionError("index holds dead id " + id);
                    }
                }
            }
        }
        if (occupied != n) {
            throw new AssertionError(occupied + " index slots for " + n + " keys");
        }
    }
}
