package io.paxcast.broadcast.log;

import java.nio.file.Path;

/**
 * Every channel's list of seqs (offset -> seq), in one file of 8-byte entries carved into blocks.
 * A channel's blocks grow 16, 32, 64, 128, 256, 512 entries, then stay at 1024: a channel with one
 * message costs 128 bytes of disk, a long channel wastes at most one partly filled 8 KiB block, and
 * the heap directory ({@link ChannelState}) needs one int per 1024 retained messages. Blocks are
 * handed out by a bump pointer; the file is in segments ({@link MappedRecords}).
 *
 * <p>Compaction ({@link #compact}): once retention expired a channel's oldest entries, its blocks that
 * hold nothing still read are forgotten, and a block still read that lies far behind the bump pointer
 * (a slow channel's) is copied up to it, so that no old segment stays pinned by a few live entries.
 * The segments wholly below the lowest block in use are then dropped. What it costs: a relocated block
 * is copied again only after the pointer has moved on by twice the retained entries, so at most half
 * an entry is copied per entry written.
 *
 * <p>Block {@code k} holds the 0-based channel indexes (offset - 1) from {@link #firstIndex(int)}
 * on, {@link #capacity(int)} of them; both are arithmetic, so finding an offset's entry is a shift,
 * a directory lookup and one read.
 *
 * <p>Not thread-safe.
 */
final class ChannelLists implements AutoCloseable {
    static final int FIRST_BLOCK = 16;
    static final int MAX_BLOCK = 1024;
    /** Blocks 0..5 grow (16..512 entries); from block 6 on every block holds 1024. */
    private static final int GROWING = 6;
    /** Entries in the growing blocks: 16 * (2^6 - 1). */
    private static final long GROWING_ENTRIES = (long) FIRST_BLOCK * ((1 << GROWING) - 1);
    static final int ENTRY_BYTES = 8;

    private final MappedRecords entries;
    private final long segmentEntries;
    /** Entries handed out so far: the next block starts here. */
    private long allocated;
    /** Entries below this one are in no block in use: their segments are dropped. */
    private long floor;
    /** Live entries {@link #compact} copied so far (what relocation cost). */
    private long relocatedEntries;

    /**
     * @param allocated entries already handed out in a kept file (0 for a new one)
     * @param floor     the lowest entry of a block in use in a kept file ({@link #floor(Iterable, long)})
     */
    ChannelLists(Path dir, String name, int segmentShift, boolean truncate, long allocated, long floor) {
        this.entries = new MappedRecords(dir, name, ENTRY_BYTES, segmentShift, truncate, floor);
        this.segmentEntries = 1L << segmentShift;
        this.allocated = allocated;
        this.floor = floor;
        entries.mapThrough(allocated);
    }

    /** The lowest entry of a block in use by one of {@code channels}; {@code allocated} if none is. */
    static long floor(Iterable<ChannelState> channels, long allocated) {
        long floor = allocated;
        for (ChannelState c : channels) {
            for (int k = c.firstBlock(); k < c.blockCount(); k++) {
                if (!c.absent(k)) {
                    floor = Math.min(floor, c.blockStart(k));
                }
            }
        }
        return floor;
    }

    /**
     * Forgets {@code channel}'s entries below index {@code newFirstIndex} (retention expired them): its
     * blocks that hold nothing read again are forgotten, and a block in use that starts below
     * {@code relocateBelow} moves up to the bump pointer, its live entries copied. Every write goes
     * to newly allocated entries, so a snapshot taken before still reads the old blocks intact.
     *
     * @return the lowest entry of the channel's blocks in use after it, {@link Long#MAX_VALUE} if none
     */
    long compact(ChannelState channel, long newFirstIndex, long relocateBelow) {
        channel.forgetBelow(newFirstIndex);
        long lowest = Long.MAX_VALUE;
        for (int k = channel.firstBlock(); k < channel.blockCount(); k++) {
            if (channel.absent(k)) {
                continue;
            }
            long first = firstIndex(k);
            long from = Math.max(channel.firstIndex, first);
            long to = Math.min(channel.head, first + capacity(k));
            long start = channel.blockStart(k);
            if (start < relocateBelow) {
                if (from >= to) {
                    channel.forget(k); // empty of live entries (all expired, the head at its start or inside it)
                    continue;
                }
                long moved = allocate(capacity(k));
                for (long index = from; index < to; index++) {
                    entries.putLong(moved + (index - first), 0, entries.getLong(start + (index - first), 0));
                }
                channel.moveBlock(k, moved);
                relocatedEntries += to - from;
                start = moved;
            }
            lowest = Math.min(lowest, start);
        }
        return lowest;
    }

    /**
     * Where {@link #compact} moves blocks from: far enough behind the pointer that a block moved now is
     * moved again only after twice the {@code retainedEntries} (plus two segments) were allocated.
     */
    long relocateBelow(long retainedEntries) {
        return allocated - 2 * retainedEntries - 2 * segmentEntries;
    }

    /** Unmaps the segments wholly below entry {@code floor} (no block in use lies there). */
    void dropBelow(long newFloor) {
        if (newFloor > floor) {
            floor = newFloor;
            entries.dropBelow(newFloor);
        }
    }

    long floor() {
        return floor;
    }

    long relocatedEntries() {
        return relocatedEntries;
    }

    static int blockOf(long index) {
        if (index < GROWING_ENTRIES) {
            return 31 - Integer.numberOfLeadingZeros((int) (index >>> 4) + 1);
        }
        return GROWING + (int) ((index - GROWING_ENTRIES) / MAX_BLOCK);
    }

    static long firstIndex(int block) {
        return block < GROWING
                ? (long) FIRST_BLOCK * ((1L << block) - 1)
                : GROWING_ENTRIES + (long) (block - GROWING) * MAX_BLOCK;
    }

    static int capacity(int block) {
        return block < GROWING ? FIRST_BLOCK << block : MAX_BLOCK;
    }

    /** Appends {@code seq} at the channel's next offset and returns that offset. */
    long append(ChannelState channel, long seq) {
        long index = channel.head;
        int block = blockOf(index);
        if (block == channel.blockCount()) {
            channel.addBlock(allocate(capacity(block)));
        } else if (channel.absent(block)) {
            channel.placeBlock(block, allocate(capacity(block))); // an installed channel's first block here
        }
        entries.putLong(channel.blockStart(block) + (index - firstIndex(block)), 0, seq);
        channel.head = index + 1;
        channel.lastSeq = seq;
        return channel.head;
    }

    /** The seq at 0-based index {@code index} (< head) of the channel. */
    long seqAt(ChannelState channel, long index) {
        int block = blockOf(index);
        return entries.getLong(channel.blockStart(block) + (index - firstIndex(block)), 0);
    }

    /** The seqs at offsets {@code afterOffset + 1 ..}, at most {@code limit} of them. */
    long[] read(ChannelState channel, long afterOffset, int limit) {
        long from = Math.max(channel.firstIndex, afterOffset);
        long to = Math.min(channel.head, from + Math.max(0, limit));
        if (to <= from) {
            return new long[0];
        }
        long[] out = new long[(int) (to - from)];
        int n = 0;
        long index = from;
        while (index < to) {
            // one block at a time: a run of consecutive entries in the file
            int block = blockOf(index);
            long blockEnd = Math.min(to, firstIndex(block) + capacity(block));
            long entry = channel.blockStart(block) + (index - firstIndex(block));
            for (; index < blockEnd; index++) {
                out[n++] = entries.getLong(entry++, 0);
            }
        }
        return out;
    }

    /** The 0-based index of the channel's first seq above {@code afterSeq}, or head if none. */
    long upperBound(ChannelState channel, long afterSeq) {
        long lo = channel.firstIndex;
        long hi = channel.head;
        if (channel.lastSeq <= afterSeq) {
            return hi;
        }
        while (lo < hi) {
            long mid = (lo + hi) >>> 1;
            if (seqAt(channel, mid) <= afterSeq) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /**
     * Bump allocation; every block size is a multiple of 16, so every start is too (the directory
     * stores starts / 16). A block may span two mappings: each entry is addressed on its own. The
     * whole block is mapped at once, so the file always covers every allocated entry.
     */
    private long allocate(int entriesInBlock) {
        long start = allocated;
        allocated = start + entriesInBlock;
        entries.mapThrough(allocated);
        return start;
    }

    long allocatedEntries() {
        return allocated;
    }

    /** Bytes from the lowest block in use to the pointer: what compaction keeps of the file. */
    long usedBytes() {
        return (allocated - floor) * ENTRY_BYTES;
    }

    long fileBytes() {
        return entries.fileBytes();
    }

    void force() {
        entries.force();
    }

    /** {@link MappedRecords#forceThrough} of the first {@code allocatedEntries} entries. */
    void forceThrough(long allocatedEntries) {
        entries.forceThrough(allocatedEntries);
    }

    @Override
    public void close() {
        entries.close();
    }
}
