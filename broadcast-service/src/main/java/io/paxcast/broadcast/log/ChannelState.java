package io.paxcast.broadcast.log;

import java.util.Arrays;

/**
 * What the heap holds for one channel: its head, the seq of its last message, and the directory of
 * its blocks in the entries file ({@link ChannelLists}). Fixed part about 48 bytes (plus the name and
 * the map entry pointing here); the directory is one {@code int} per block, that is 6 for the first
 * 1008 messages and then one per 1024, held in an array at most twice as long as needed.
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
     * The 0-based index of the first entry held (0 but in an index started from an installed snapshot,
     * which holds nothing of the messages before it): blocks wholly below it are {@link #ABSENT}.
     */
    long firstIndex;
    /** The directory value of a block that is not held. */
    static final int ABSENT = -1;
    private int[] blockUnits;
    private int blockCount;

    ChannelState(String name, int id) {
        this.name = name;
        this.id = id;
        this.blockUnits = new int[4];
    }

    /** Restores a channel from a kept directory. */
    ChannelState(String name, int id, long head, long lastSeq, int[] blockUnits) {
        this(name, id, head, lastSeq, 0, blockUnits);
    }

    /** Restores a channel from a kept directory whose entries below {@code firstIndex} are not held. */
    ChannelState(String name, int id, long head, long lastSeq, long firstIndex, int[] blockUnits) {
        this.name = name;
        this.id = id;
        this.head = head;
        this.lastSeq = lastSeq;
        this.firstIndex = firstIndex;
        this.blockUnits = blockUnits.length == 0 ? new int[4] : blockUnits.clone();
        this.blockCount = blockUnits.length;
    }

    /**
     * A channel known by its counters only (from an installed snapshot): its next offset is
     * {@code head + 1}, and none of its entries so far is held here.
     */
    static ChannelState countersOnly(String name, int id, long head, long lastSeq) {
        int blocks = head == 0 ? 0 : ChannelLists.blockOf(head - 1) + 1;
        int[] units = new int[blocks];
        java.util.Arrays.fill(units, ABSENT);
        return new ChannelState(name, id, head, lastSeq, head, units);
    }

    boolean absent(int k) {
        return blockUnits[k] == ABSENT;
    }

    /** Gives block {@code k}, absent so far, its place in the entries file. */
    void placeBlock(int k, long startEntry) {
        if (!absent(k)) {
            throw new IllegalStateException("block " + k + " of " + name + " is placed already");
        }
        blockUnits[k] = units(startEntry);
    }

    int blockCount() {
        return blockCount;
    }

    /** The first entry (index in the entries file) of block {@code k}. */
    long blockStart(int k) {
        return (blockUnits[k] & 0xFFFF_FFFFL) << UNIT_SHIFT;
    }

    void addBlock(long startEntry) {
        int units = units(startEntry);
        if (blockCount == blockUnits.length) {
            blockUnits = Arrays.copyOf(blockUnits, blockCount * 2);
        }
        blockUnits[blockCount++] = units;
    }

    private static int units(long startEntry) {
        long units = startEntry >>> UNIT_SHIFT;
        if ((startEntry & ((1 << UNIT_SHIFT) - 1)) != 0 || units >= 0xFFFF_FFFFL) { // all ones: ABSENT
            throw new IllegalStateException("channel block at entry " + startEntry + " cannot be addressed");
        }
        return (int) units;
    }

    /** The directory for a kept index (exactly {@link #blockCount()} entries). */
    int[] blockUnits() {
        return Arrays.copyOf(blockUnits, blockCount);
    }

    /** Heap estimate of this object and its directory, without the name and the map entry. */
    long heapBytes() {
        return 48 + 16 + 4L * blockUnits.length;
    }
}
