package io.paxcast.broadcast.log;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInput;
import java.io.DataInputStream;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * The clean-close marker of a kept {@link MessageIndex}: the counters and every channel's heap state
 * (name, head, last seq, block directory), the only things the data files do not say by themselves.
 * It is written by {@link MessageIndex#closeDurably()} after the data files are forced, atomically
 * (a temporary file, forced, then renamed), and ends with a CRC-32C of everything before it.
 *
 * <p>Why a marker is enough: every write the index makes goes beyond the state the marker records
 * (a new message record, a new slot record, a channel entry past its head, a new block past the
 * allocation pointer), so the state it describes stays intact whatever happens after it was written.
 * {@link #readAndRemove} still deletes it when the index is reopened, so a marker is used once and a
 * crash of the reopened index means a rebuild, never trust in a stale file.
 */
record IndexManifest(long lastSlot, long headSeq, long lastTs, int lastPosition, long allocatedEntries,
                     List<ChannelState> channels, long baseSlot, long baseSeq, int segmentShift,
                     ChainHash headHash, ChainHash baseHash) {
    static final String FILE = "index.clean";
    private static final int MAGIC = 0x50584958; // "PXIX"
    /**
     * 2: slot records of 32 bytes; 3: a base (slots and seqs not held: compacted, or before an installed
     * snapshot) and each channel's first entry held; 4: segment files of {@code 2^segmentShift} records,
     * each channel's directory from its first held block; 5: message records of 56 bytes (with the
     * {@link ChainHash}), the chain's head hash and the hash of the base seq.
     */
    private static final int VERSION = 5;

    IndexManifest {
        java.util.Objects.requireNonNull(headHash, "headHash");
        java.util.Objects.requireNonNull(baseHash, "baseHash");
    }

    /** The lowest channel entry in use: the entries file holds nothing needed below it. */
    long entriesFloor() {
        return ChannelLists.floor(channels, allocatedEntries);
    }

    void write(Path dir) {
        Path tmp = dir.resolve(FILE + ".tmp");
        try (FileChannel file = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            CRC32C crc = new CRC32C();
            OutputStream raw = Channels.newOutputStream(file);
            DataOutputStream out = new DataOutputStream(new CheckedOutputStream(new BufferedOutputStream(raw, 1 << 16), crc));
            writeTo(out);
            out.flush();
            // the checksum goes through the same stream but after its value was taken
            int sum = (int) crc.getValue();
            out.writeInt(sum);
            out.flush();
            file.force(true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + tmp, e);
        }
        try {
            Files.move(tmp, dir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            forceDirectory(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot publish " + dir.resolve(FILE), e);
        }
    }

    /** The manifest's fields (no checksum: the file, or the snapshot that embeds it, adds its own). */
    void writeTo(DataOutput out) throws IOException {
        out.writeInt(MAGIC);
        out.writeInt(VERSION);
        out.writeLong(lastSlot);
        out.writeLong(headSeq);
        out.writeLong(lastTs);
        out.writeInt(lastPosition);
        out.writeLong(allocatedEntries);
        out.writeLong(baseSlot);
        out.writeLong(baseSeq);
        out.writeInt(segmentShift);
        headHash.writeTo(out);
        baseHash.writeTo(out);
        out.writeInt(channels.size());
        for (ChannelState c : channels) {
            byte[] name = c.name.getBytes(StandardCharsets.UTF_8);
            out.writeInt(name.length);
            out.write(name);
            out.writeLong(c.head);
            out.writeLong(c.lastSeq);
            out.writeLong(c.firstIndex);
            out.writeInt(c.firstBlock());
            int[] blocks = c.blockUnits();
            out.writeInt(blocks.length);
            for (int unit : blocks) {
                out.writeInt(unit);
            }
        }
    }

    /**
     * The marker of {@code dir} if there is one and it is whole and consistent, and then removes it;
     * empty when absent or damaged (the caller rebuilds).
     */
    static Optional<IndexManifest> readAndRemove(Path dir) {
        Path path = dir.resolve(FILE);
        if (!Files.isRegularFile(path)) {
            return Optional.empty();
        }
        Optional<IndexManifest> manifest;
        try (InputStream raw = Files.newInputStream(path)) {
            manifest = read(raw);
        } catch (IOException | RuntimeException e) {
            manifest = Optional.empty();
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + path, e);
        }
        return manifest;
    }

    private static Optional<IndexManifest> read(InputStream raw) throws IOException {
        CRC32C crc = new CRC32C();
        DataInputStream in = new DataInputStream(new CheckedInputStream(new BufferedInputStream(raw, 1 << 16), crc));
        try {
            Optional<IndexManifest> manifest = readFrom(in);
            if (manifest.isEmpty()) {
                return manifest;
            }
            int expected = (int) crc.getValue();
            int stored = in.readInt();
            if (stored != expected || in.read() != -1) {
                return Optional.empty();
            }
            return manifest;
        } catch (EOFException e) {
            return Optional.empty();
        }
    }

    /**
     * Reads what {@link #writeTo} wrote; empty if it is of another version or inconsistent.
     *
     * @throws EOFException if the input ends first
     */
    static Optional<IndexManifest> readFrom(DataInput in) throws IOException {
        if (in.readInt() != MAGIC || in.readInt() != VERSION) {
            return Optional.empty();
        }
        long lastSlot = in.readLong();
        long headSeq = in.readLong();
        long lastTs = in.readLong();
        int lastPosition = in.readInt();
        long allocated = in.readLong();
        long baseSlot = in.readLong();
        long baseSeq = in.readLong();
        int segmentShift = in.readInt();
        ChainHash headHash = ChainHash.readFrom(in);
        ChainHash baseHash = ChainHash.readFrom(in);
        int count = in.readInt();
        if (lastSlot < 0 || headSeq < 0 || allocated < 0 || count < 0 || baseSlot < 0 || baseSlot > lastSlot
                || baseSeq < 0 || baseSeq > headSeq || segmentShift < 0 || segmentShift > 24
                || (baseSeq == headSeq && !baseHash.equals(headHash))
                || (headSeq == 0 && !headHash.equals(ChainHash.ZERO))) {
            return Optional.empty();
        }
        List<ChannelState> channels = new ArrayList<>();
        for (int id = 0; id < count; id++) {
            byte[] name = new byte[checkedLength(in.readInt(), 1 << 20)];
            in.readFully(name);
            long head = in.readLong();
            long lastSeq = in.readLong();
            long firstIndex = in.readLong();
            int firstBlock = in.readInt();
            int[] blocks = new int[checkedLength(in.readInt(), 1 << 26)];
            for (int k = 0; k < blocks.length; k++) {
                blocks[k] = in.readInt();
            }
            if (firstIndex < 0 || firstIndex > head || firstBlock < 0
                    || (firstBlock > 0 && ChannelLists.firstIndex(firstBlock) > firstIndex)) {
                return Optional.empty(); // a block left out of the directory would hold entries still read
            }
            ChannelState c = new ChannelState(new String(name, StandardCharsets.UTF_8), id, head, lastSeq, firstIndex,
                    firstBlock, blocks);
            if (!consistent(c, headSeq, allocated)) {
                return Optional.empty();
            }
            channels.add(c);
        }
        return Optional.of(new IndexManifest(lastSlot, headSeq, lastTs, lastPosition, allocated, channels, baseSlot,
                baseSeq, segmentShift, headHash, baseHash));
    }

    /** The directory matches the head, every block lies inside the allocated entries, seqs in range. */
    private static boolean consistent(ChannelState c, long headSeq, long allocated) {
        int blocks = c.head == 0 ? 0 : ChannelLists.blockOf(c.head - 1) + 1;
        if (c.head < 0 || c.lastSeq < 0 || c.lastSeq > headSeq || (c.head == 0) != (c.lastSeq == 0)
                || c.blockCount() != blocks) {
            return false;
        }
        for (int k = c.firstBlock(); k < blocks; k++) {
            boolean held = ChannelLists.firstIndex(k) + ChannelLists.capacity(k) > c.firstIndex;
            if (c.absent(k) ? held && c.head > c.firstIndex : c.blockStart(k) + ChannelLists.capacity(k) > allocated) {
                return false; // a block that should hold entries is absent, or one lies outside the file
            }
        }
        return true;
    }

    private static int checkedLength(int length, int max) throws IOException {
        if (length < 0 || length > max) {
            throw new IOException("bad length " + length);
        }
        return length;
    }

    private static void forceDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // not every file system lets a directory be opened or forced; the rename is still atomic
        }
    }
}
