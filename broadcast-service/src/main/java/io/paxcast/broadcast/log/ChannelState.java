package io.paxcast.broadcast.log;

import java.util.Arrays;

/**
 * What the heap holds for one channel: its head, the seq of its last message, and the directory of
 * its blocks in the entries file ({@link ChannelLists}). Fixed part about 48 bytes (plus the name and
 * the map entry pointing here); the directory is one {@code int} per held block, that is 6 for the
 * first 1008 messages and then one per 1024 retained, held in an array at most twice as long as needed.
 */
final class ChannelState {
    /** A block start is a multiple of 16 entries, kept divided by 16 so an int covers 2^35 entries. */
    static final int UNIT_SHIFT = 4;

    final String name;
    /** Dense, in order of first appearance: the message records name their channel by this. */
    final int id;
    /** The channel's last offset (= its message count). */
    long head;
    /** The seq at offset {@link #head}, 0 if none: nextSeqIn skips a channel without a disk read. */
    long lastSeq;
    /**
     * The 0-based index of the first entry held: 0, but in an index that retention compacted, or that
     * started from an installed snapshot (which holds nothing of the messages before it). Blocks wholly
     * below it are {@link #ABSENT}.
     */
    long firstIndex;
    /** The directory value of a block that is not held. */
    static final int ABSENT = -1;
    /**
     * The directory holds blocks {@code [firstBlock, blockCount)}; the ones below were compacted away
     * (they lie wholly below {@link #firstIndex}), so the directory's length follows what is retained,
     * not every block the channel ever had.
     */
    private int firstBlock;
    private int[] blockUnits;
    private int blockCount;

    ChannelState(String name, int id) {
        this.name = name;
        this.id = id;
        this.blockUnits = new int[4];
    }

    /** Restores a channel from a kept directory. */
    ChannelState(String name, int id, long head, long lastSeq, int[] blockUnits) {
        this(name, id, head, lastSeq, 0, 0, blockUnits);
    }

    /**
     * Restores a channel from a kept directory of blocks {@code firstBlock ..} whose entries below
     * {@code firstIndex} are not held.
     */
    ChannelState(String name, int id, long head, long lastSeq, long firstIndex, int firstBlock, int[] blockUnits) {
        this.name = name;
        this.id = id;
        this.head = head;
        this.lastSeq = lastSeq;
        this.firstIndex = firstIndex;
        this.firstBlock = firstBlock;
        this.blockUnits = blockUnits.length == 0 ? new int[4] : blockUnits.clone();
        this.blockCount = firstBlock + blockUnits.length;
    }

    /** A copy whose later changes do not show here (for a snapshot's manifest). */
    ChannelState copy() {
        return new ChannelState(name, id, head, lastSeq, firstIndex, firstBlock, blockUnits());
    }

    /**
     * A channel known by its counters only (from an installed snapshot): its next offset is
     * {@code head + 1}, and none of its entries so far is held here.
     */
    static ChannelState countersOnly(String name, int id, long head, long lastSeq) {
        int blocks = head == 0 ? 0 : ChannelLists.blockOf(head - 1) + 1;
        int first = firstBlockFor(head, blocks);
        int[] units = new int[blocks - first];
        Arrays.fill(units, ABSENT);
        return new ChannelState(name, id, head, lastSeq, head, first, units);
    }

    /** The first block that is not wholly below index {@code firstIndex}, of {@code blocks} blocks. */
    static int firstBlockFor(long firstIndex, int blocks) {
        return firstIndex >= ChannelLists.firstIndex(blocks) ? blocks : ChannelLists.blockOf(firstIndex);
    }

    boolean absent(int k) {
        return k < firstBlock || blockUnits[k - firstBlock] == ABSENT;
    }

    /** Gives block {@code k}, absent so far, its place in the entries file. */
    void placeBlock(int k, long startEntry) {
        if (k < firstBlock || !absent(k)) {
            throw new IllegalStateException("block " + k + " of " + name + " cannot be placed (first block "
                    + firstBlock + ")");
        }
        blockUnits[k - firstBlock] = units(startEntry);
    }

    /** Block {@code k}'s entries now live at {@code startEntry} (it was relocated, or forgotten: {@link #forget}). */
    void moveBlock(int k, long startEntry) {
        blockUnits[k - firstBlock] = units(startEntry);
    }

    /** Block {@code k} holds nothing that is read again: not held any more (an append there places it anew). */
    void forget(int k) {
        blockUnits[k - firstBlock] = ABSENT;
    }

    /**
     * Raises {@link #firstIndex} to {@code index} and drops the directory's blocks that lie wholly
     * below it.
     */
    void forgetBelow(long index) {
        if (index <= firstIndex) {
            return;
        }
        firstIndex = Math.min(index, head);
        int first = firstBlockFor(firstIndex, blockCount);
        if (first > firstBlock) {
            int keep = blockCount - first;
            int[] kept = new int[Math.max(4, keep)];
            System.arraycopy(blockUnits, first - firstBlock, kept, 0, keep);
            blockUnits = kept;
            firstBlock = first;
        }
    }

    int firstBlock() {
        return firstBlock;
    }

    int blockCount() {
        return blockCount;
    }

    /** The first entry (index in the entries file) of block {@code k}. */
    long blockStart(int k) {
        return (blockUnits[k - firstBlock] & 0xFFFF_FFFFL) << UNIT_SHIFT;
    }

    void addBlock(long startEntry) {
        int units = units(startEntry);
        int n = blockCount - firstBlock;
        if (n == blockUnits.length) {
            blockUnits = Arrays.copyOf(blockUnits, Math.max(4, n * 2));
        }
        blockUnits[n] = units;
        blockCount++;
    }

    private static int units(long startEntry) {
        long units = startEntry >>> UNIT_SHIFT;
        if ((startEntry & ((1 << UNIT_SHIFT) - 1)) != 0 || units >= 0xFFFF_FFFFL) { // all ones: ABSENT
            throw new IllegalStateException("channel block at entry " + startEntry + " cannot be addressed");
        }
        return (int) units;
    }

    /** The directory of blocks {@code [firstBlock, blockCount)}, for a kept index. */
    int[] blockUnits() {
        return Arrays.copyOf(blockUnits, blockCount - firstBlock);
    }

    /** Heap estimate of this object and its directory, without the name and the map entry. */
    long heapBytes() {
        return 48 + 16 + 4L * blockUnits.length;
    }
}
