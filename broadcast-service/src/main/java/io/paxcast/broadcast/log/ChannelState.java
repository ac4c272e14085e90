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
    private int[] blockUnits;
    private int blockCount;

    ChannelState(String name, int id) {
        this.name = name;
        this.id = id;
        this.blockUnits = new int[4];
    }

    /** Restores a channel from a kept directory. */
    ChannelState(String name, int id, long head, long lastSeq, int[] blockUnits) {
        this.name = name;
        this.id = id;
        this.head = head;
        this.lastSeq = lastSeq;
        this.blockUnits = blockUnits.length == 0 ? new int[4] : blockUnits.clone();
        this.blockCount = blockUnits.length;
    }

    int blockCount() {
        return blockCount;
    }

    /** The first entry (index in the entries file) of block {@code k}. */
    long blockStart(int k) {
        return (blockUnits[k] & 0xFFFF_FFFFL) << UNIT_SHIFT;
    }

    void addBlock(long startEntry) {
        long units = startEntry >>> UNIT_SHIFT;
        if ((startEntry & ((1 << UNIT_SHIFT) - 1)) != 0 || units > 0xFFFF_FFFFL) {
            throw new IllegalStateException("channel block at entry " + startEntry + " cannot be addressed");
        }
        if (blockCount == blockUnits.length) {
            blockUnits = Arrays.copyOf(blockUnits, blockCount * 2);
        }
        blockUnits[blockCount++] = (int) units;
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
