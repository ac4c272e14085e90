package io.paxcast.paxos.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Random;

/**
 * A {@link JournalFile} on a disk with a page cache, to cut the power under a {@link Journal}: a
 * SIGKILL keeps the page cache, so only a model can show what a power loss leaves.
 *
 * <p>The model: a write lands in a volatile image that every read sees; {@link #force} makes the whole
 * image durable. {@link #powerLoss} returns what a restart finds: the image of the last force, plus each
 * 512-byte sector written since, independently, kept whole, kept torn (its first bytes new, the rest
 * as before: written back between two writes, or torn by the drive), or lost; and a file size anywhere
 * from the last forced size to the current one (the size may be written back without the data: that
 * reads as zeros). So unforced data survives partially and out of order, as the page cache of a real
 * kernel writes it back.
 *
 * <p>{@link #cutPowerAfter} makes the disk fail from a given operation on, as the power going out in
 * the middle of a write (a random part of it reaches the page cache) or of a force (which then does
 * not return; what it had written back by then is the random part {@link #powerLoss} keeps).
 */
final class SimulatedDisk implements JournalFile {
    static final int SECTOR = 512;

    private byte[] image; // what reads see: the page cache over the disk
    private int length;
    private byte[] durable; // what the last returned force made durable
    private int durableLength;
    private final BitSet dirty = new BitSet(); // sectors written since the last force

    private long operationsLeft = Long.MAX_VALUE;
    private Random cut;
    private boolean powerLost;
    private boolean lostInForce;
    private int forces;

    /** An empty disk. */
    SimulatedDisk() {
        this(new byte[0]);
    }

    /** A disk holding {@code contents}, all of it durable (what survived a power loss). */
    SimulatedDisk(byte[] contents) {
        image = contents.clone();
        length = contents.length;
        durable = contents.clone();
        durableLength = contents.length;
    }

    /**
     * The power goes out at the write, force or truncate after the next {@code operations} ones: a
     * write puts a random part of its bytes (drawn from {@code random}) into the page cache, a force or
     * a truncate does nothing; each throws, and so does every operation after it.
     */
    void cutPowerAfter(long operations, Random random) {
        operationsLeft = operations;
        cut = random;
    }

    boolean powerLost() {
        return powerLost;
    }

    /** Whether the power went out in the middle of a force (one that never returned). */
    boolean lostInForce() {
        return lostInForce;
    }

    /** How many forces (and truncates, which force) returned. */
    int forces() {
        return forces;
    }

    /** What a restart finds after the power went out now (see the class comment); this disk is unchanged. */
    byte[] powerLoss(Random random) {
        byte[] survived = Arrays.copyOf(durable, length); // zeros past the durable end (length >= durableLength)
        double keep = random.nextDouble();
        double tear = random.nextDouble() * (1 - keep);
        for (int s = dirty.nextSetBit(0); s >= 0 && (long) s * SECTOR < length; s = dirty.nextSetBit(s + 1)) {
            int from = s * SECTOR;
            int to = Math.min(from + SECTOR, length);
            double r = random.nextDouble();
            if (r < keep) {
                System.arraycopy(image, from, survived, from, to - from);
            } else if (r < keep + tear) {
                System.arraycopy(image, from, survived, from, random.nextInt(to - from + 1));
            } // else lost: as the last force left it
        }
        int size = random.nextBoolean() ? length : durableLength + random.nextInt(length - durableLength + 1);
        return Arrays.copyOf(survived, size);
    }

    /** What the process sees now (the page cache). */
    byte[] contents() {
        return Arrays.copyOf(image, length);
    }

    /** Damage on the medium: flips bit {@code bit} of the byte at {@code position}, durable or not. */
    void flipBit(long position, int bit) {
        int p = Math.toIntExact(position);
        image[p] ^= (byte) (1 << bit);
        if (p < durableLength) {
            durable[p] ^= (byte) (1 << bit);
        }
    }

    @Override
    public long size() {
        return length;
    }

    @Override
    public int read(ByteBuffer dst, long position) {
        if (position >= length) {
            return -1;
        }
        int n = (int) Math.min(dst.remaining(), length - position);
        dst.put(image, (int) position, n);
        return n;
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
        int n = src.remaining();
        if (failsNow()) {
            n = cut.nextInt(n + 1); // the power went out while the bytes were being copied
        }
        int at = Math.toIntExact(position);
        if (at + n > image.length) {
            image = Arrays.copyOf(image, Math.max(at + n, image.length * 2));
        }
        src.get(image, at, n);
        if (n > 0) {
            dirty.set(at / SECTOR, (at + n - 1) / SECTOR + 1);
        }
        length = Math.max(length, at + n);
        if (powerLost) {
            throw new IOException("power lost during a write at byte " + position);
        }
        return n;
    }

    @Override
    public void force() throws IOException {
        if (failsNow()) {
            lostInForce = true;
            throw new IOException("power lost during a force");
        }
        durable = Arrays.copyOf(image, length);
        durableLength = length;
        dirty.clear();
        forces++;
    }

    @Override
    public void truncate(long size) throws IOException {
        if (failsNow()) {
            throw new IOException("power lost during a truncate");
        }
        length = Math.toIntExact(Math.min(size, length));
        Arrays.fill(image, length, image.length, (byte) 0);
        durable = Arrays.copyOf(image, length);
        durableLength = length;
        dirty.clear();
        forces++;
    }

    /** Counts an operation; true if the power goes out at this one (and stays out). */
    private boolean failsNow() throws IOException {
        if (powerLost) {
            throw new IOException("the power is out");
        }
        if (operationsLeft-- == 0) {
            powerLost = true;
        }
        return powerLost;
    }

    @Override
    public void close() {
        // nothing to release; a process that dies does not close either
    }

    @Override
    public String toString() {
        return "simulated disk (" + length + " bytes, " + durableLength + " durable)";
    }
}
