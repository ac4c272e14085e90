package io.paxcast.paxos.apply;

/**
 * The FIFO of {@link IdempotencyStore}'s entries (fp1, fp2, position, logTime), interleaved four longs
 * per entry so that a probe usually touches one cache line. Puts happen at non-decreasing log times,
 * so the FIFO is in expiry order and expiry pops from its head.
 *
 * <p>The FIFO is a ring of fixed blocks of {@value #BLOCK_ENTRIES} entries (32 KiB each): it grows a
 * block at a time and frees a block as soon as expiry passes it, so it never holds more than the live
 * entries plus two partial blocks and one spare, and a burst does not pin memory once it has expired.
 * (A single array growing by doubling would waste up to half of itself: 32 to 64 bytes per key
 * instead of 32.)
 *
 * <p>Entries are addressed by their FIFO ordinal (a long that only grows), or by an id: the low 31
 * bits of the ordinal, what the {@link FingerprintIndex} stores. Not thread-safe.
 */
final class EntryRing {
    static final int BLOCK_SHIFT = 10;
    static final int BLOCK_ENTRIES = 1 << BLOCK_SHIFT;
    private static final int BLOCK_MASK = BLOCK_ENTRIES - 1;
    /** fp1, fp2, position, logTime. */
    static final int LONGS_PER_ENTRY = 4;
    private static final int ENTRY_SHIFT = 2;
    static final int MIN_BLOCK_SLOTS = 4;
    /**
     * Index slots hold the low 31 bits of an entry's FIFO ordinal: that identifies a live entry
     * (live ordinals span at most 2^29) and locates it, because the block ring's length times
     * {@link #BLOCK_ENTRIES} divides 2^31 (2^29 keys need at most 2^20 blocks of 2^10). Never -1,
     * which marks an empty slot.
     */
    static final int ID_MASK = 0x7FFF_FFFF;

    /** FIFO ordinal of the oldest live entry, and of the next put; size = tail - head. */
    private long head;
    private long tail;
    /** Ring of blocks: ordinal q lives in blocks[(q >> BLOCK_SHIFT) & (length - 1)]. */
    private long[][] blocks = new long[MIN_BLOCK_SLOTS][];
    /** A block freed by expiry and kept for the next one the tail needs, so steady state allocates nothing. */
    private long[] spare;

    /** Live entries. */
    int size() {
        return (int) (tail - head);
    }

    long head() {
        return head;
    }

    long tail() {
        return tail;
    }

    /** The id of the entry at ordinal {@code q}: what the index stores. */
    static int idOf(long q) {
        return (int) q & ID_MASK;
    }

    long[] blockOf(int id) {
        return blocks[(id >>> BLOCK_SHIFT) & (blocks.length - 1)];
    }

    static int offsetOf(int id) {
        return (id & BLOCK_MASK) << ENTRY_SHIFT;
    }

    long[] blockOfOrdinal(long q) {
        return blocks[(int) (q >> BLOCK_SHIFT) & (blocks.length - 1)];
    }

    static int offsetOfOrdinal(long q) {
        return ((int) q & BLOCK_MASK) << ENTRY_SHIFT;
    }

    /** The block number of the oldest entry (or of the next put, when empty). */
    private long firstBlock() {
        return head >> BLOCK_SHIFT;
    }

    /** Blocks allocated from {@link #firstBlock()} on: those holding entries (none when empty). */
    long allocatedBlocks() {
        // tail - 1 is the last written ordinal; -1 >> BLOCK_SHIFT is -1 for a store never written
        return Math.max(0, ((tail - 1) >> BLOCK_SHIFT) - firstBlock() + 1);
    }

    /** Appends an entry at the tail; returns its id. */
    int append(long fp1, long fp2, long position, long time) {
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

    /** Drops the head entry (the caller removed it from the index), freeing its block once passed. */
    void popHead() {
        head++;
        if (((int) head & BLOCK_MASK) == 0) {
            // the head left this block and the tail is past it: nothing reads it again
            releaseBlock((head - 1) >> BLOCK_SHIFT);
        }
    }

    /**
     * Once expiry emptied the FIFO with the tail inside a block: releases that block too, and starts
     * the next put on a fresh block, so an idle store holds at most the spare. Ordinals are internal
     * (the snapshot does not record them), so skipping some changes no answer.
     */
    void releaseIfEmpty() {
        if (head == tail && ((int) head & BLOCK_MASK) != 0) {
            releaseBlock(head >> BLOCK_SHIFT);
            head = tail = (head | BLOCK_MASK) + 1;
        }
    }

    /** Halves the ring of blocks while at most a quarter of it is allocated (not below the minimum). */
    void shrinkIfSparse() {
        if (blocks.length > MIN_BLOCK_SLOTS && allocatedBlocks() * 4 < blocks.length) {
            int length = blocks.length;
            while (length > MIN_BLOCK_SLOTS && allocatedBlocks() * 4 < length) {
                length /= 2;
            }
            resizeBlocks(length);
        }
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

    // ------------------------------------------------------------------ memory

    /** The ring's array and every allocated block and the spare one ({@link IdempotencyStore#heapBytes()}). */
    long heapBytes() {
        long blockCount = allocatedBlocks() + (spare != null ? 1 : 0);
        return IdempotencyStore.arrayBytes(IdempotencyStore.REFERENCE * blocks.length)
                + blockCount * IdempotencyStore.arrayBytes(8L * LONGS_PER_ENTRY * BLOCK_ENTRIES);
    }

    // ------------------------------------------------------------------ tests

    int blockSlots() {
        return blocks.length;
    }

    /** Checks the ring's structural invariants; for tests. */
    void checkInvariants() {
        if (size() < 0 || head > tail) {
            throw new AssertionError("head " + head + " tail " + tail);
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
