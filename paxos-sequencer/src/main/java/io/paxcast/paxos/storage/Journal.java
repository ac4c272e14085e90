package io.paxcast.paxos.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.zip.CRC32C;

/**
 * An append-only file of write groups, one checksummed frame each: the durability point of
 * {@link MapDbStorage}.
 *
 * <p>Why it exists: MapDB 3.1's transactional commit is not atomic (a SIGKILL while it copies its
 * write-ahead log into the main file can tear the store; see {@link MapDbStorage}). An append is: a
 * group is durable once a force that followed its {@link #append} returned, and {@link #open} cuts
 * whatever a power loss left half written.
 *
 * <h2>Frames</h2>
 * {@code [magic "PXJ2" u32][length u32][crc32c u32][durableUpTo u64][payload]}, the checksum over
 * {@code durableUpTo} and the payload. {@code durableUpTo} is the journal's durable point when the
 * frame was written: the end offset of the last force that had returned, so never more than the
 * frame's own offset, and always a frame boundary (a force covers every byte written before it).
 * Files of the previous version hold {@code [magic "PXJ1"][length][crc32c][payload]} frames: they are
 * still read, but only before the first PXJ2 frame (this version never appends a PXJ1 one). The
 * previous version cannot read PXJ2 frames: it would take the first one for a torn tail and cut the
 * whole journal, and the node would forget its promises. Never roll a node back past this format.
 *
 * <h2>Recovery</h2>
 * {@link #open} walks the frames from the start. At the first frame, at offset {@code p}, that is
 * incomplete or fails its checksum, it looks for valid frames after it:
 * <ul>
 *   <li>one records {@code durableUpTo > p}: when it was written, a returned force had made the whole
 *       bad frame durable, so the bad frame was damaged afterwards (the medium, not a power loss):
 *       corruption, and the file is refused (DESIGN.md P4);</li>
 *   <li>a PXJ1 frame follows a bad frame of the PXJ1 era: it records no durable point, so it is
 *       refused as the previous version refused it;</li>
 *   <li>otherwise the bad frame is a torn tail: the journal is cut at {@code p}, with the valid frames
 *       after it ({@link Recovered#droppedFrames}): written after a frame that never became durable,
 *       they were never made durable either.</li>
 * </ul>
 * Why a group whose force returned is never dropped by a power loss: let {@code D} be the end of the
 * last force that returned before the power went. Every byte before {@code D} survives intact, so the
 * first bad frame starts at {@code p >= D} and every forced group, which ends at or before {@code D},
 * is kept. And every frame on the disk records a {@code durableUpTo <= D <= p}, so a power loss never
 * looks like corruption. Conversely a frame that is damaged after a force covered it is refused as
 * soon as one frame appended after that force survives: that frame, and every later one, carries
 * {@code durableUpTo >= } the damaged frame's end. The rule cannot tell a damaged <em>last</em>
 * frame, which no surviving frame covers, from a torn one: it is cut, as the previous version cut it
 * (a checksum alone cannot tell either).
 *
 * <p>What the fsync policies of {@link MapDbStorage} then mean: {@code always} forces every group
 * before {@code write} returns, so nothing acknowledged is lost and only the frame being written when
 * the power went can be torn; {@code interval} and {@code none} may lose the groups appended since
 * the last force, but whole and from the end: the cut drops every frame after the first bad one, so a
 * group is never lost while a later one survives.
 *
 * <p>{@link #open} forces what it found before it counts it as durable: after a killed process the
 * frames may still be in the page cache only, and a new frame claiming them durable would turn a
 * later power loss that tears them into "corruption".
 *
 * <p>Threading: one writer at a time (the storage's write lock).
 */
final class Journal implements AutoCloseable {
    static final int MAGIC = 0x50584a32; // "PXJ2"
    static final int HEADER = 20;
    static final int MAGIC_V1 = 0x50584a31; // "PXJ1", written by the previous version
    static final int HEADER_V1 = 12;
    static final int MAX_FRAME = 256 * 1024 * 1024;
    private static final int SCAN_CHUNK = 64 * 1024;

    /**
     * What {@link #open} found: the journal, how many intact groups it holds, how many bytes of torn
     * tail it cut, and how many valid frames that tail held (lost whole: appended after the torn one,
     * never made durable).
     */
    record Recovered(Journal journal, long groups, long truncatedBytes, long droppedFrames) {}

    /** A verified frame: its payload, where the next one starts, its durable point (-1 in PXJ1: unknown). */
    private record Frame(byte[] payload, long end, long durableUpTo) {
        boolean legacy() {
            return durableUpTo < 0;
        }
    }

    private final Path path;
    private final JournalFile file;
    private long size;
    private long groups;
    private long durable;

    private Journal(Path path, JournalFile file, long size, long groups) {
        this.path = path;
        this.file = file;
        this.size = size;
        this.groups = groups;
        this.durable = size; // open forced it
    }

    /** Opens (or creates) the journal at {@code path}: see {@link #open(JournalFile, Path)}. */
    static Recovered open(Path path) throws IOException {
        return open(ChannelJournalFile.open(path), path);
    }

    /**
     * Opens a journal that was forced whole before the next one was started (a sealed segment of a
     * {@link SegmentedJournal}): nothing in it can be torn by a power loss, so any bad frame is
     * corruption, and the file is refused rather than cut.
     */
    static Recovered openSealed(Path path) throws IOException {
        JournalFile file = ChannelJournalFile.open(path);
        try {
            long size = file.size();
            long position = 0;
            long groups = 0;
            boolean legacy = true;
            while (position < size) {
                Frame frame = readFrame(file, position, size, legacy);
                if (frame == null) {
                    throw new StorageException("corrupt journal segment " + path + ": the frame at byte " + position
                            + " is incomplete or fails its checksum, but the segment was forced whole when the next"
                            + " one began (not a torn write)");
                }
                legacy &= frame.legacy();
                groups++;
                position = frame.end();
            }
            return new Recovered(new Journal(path, file, position, groups), groups, 0, 0);
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
    }

    /**
     * Opens the journal in {@code file} ({@code path} names it in messages): verifies every frame
     * (without keeping them: {@link #replay} reads them again when needed), cuts a torn tail, forces
     * the rest; closes {@code file} if it fails.
     *
     * @throws StorageException if the journal is corrupt (see the recovery rule above)
     */
    static Recovered open(JournalFile file, Path path) throws IOException {
        try {
            long fileSize = file.size();
            long groups = 0;
            long position = 0;
            boolean legacy = true; // PXJ1 frames are read until the first PXJ2 one
            while (position < fileSize) {
                Frame frame = readFrame(file, position, fileSize, legacy);
                if (frame == null) {
                    break;
                }
                legacy &= frame.legacy();
                groups++;
                position = frame.end();
            }
            long truncated = fileSize - position;
            long dropped = 0;
            if (truncated > 0) {
                dropped = tornTailFrames(file, path, position, fileSize, legacy);
                file.truncate(position);
            } else {
                file.force();
            }
            return new Recovered(new Journal(path, file, position, groups), groups, truncated, dropped);
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
    }

    /**
     * The valid frames after the bad one at {@code bad}, which are cut with it; throws if one of them
     * shows the bad frame had been durable. Scans byte by byte where frames do not line up, and jumps
     * over valid frames (a frame inside a valid frame's payload is data, not a frame).
     */
    private static long tornTailFrames(JournalFile file, Path path, long bad, long fileSize, boolean legacy)
            throws IOException {
        ByteBuffer chunk = ByteBuffer.allocate(SCAN_CHUNK);
        long count = 0;
        long q = bad + 1;
        while (q >= 0 && q < fileSize) {
            Frame frame = readFrame(file, q, fileSize, legacy);
            if (frame == null) {
                q = nextMagic(file, q + 1, fileSize, chunk);
                continue;
            }
            if (frame.legacy()) {
                throw new StorageException("corrupt journal " + path + ": the frame at byte " + bad
                        + " fails its checksum but a valid frame follows it at byte " + q + " (not a torn write)");
            }
            if (frame.durableUpTo() > bad) {
                throw new StorageException("corrupt journal " + path + ": the frame at byte " + bad
                        + " is incomplete or fails its checksum, but the frame at byte " + q + " records that the"
                        + " journal was durable up to byte " + frame.durableUpTo() + " when it was written: the"
                        + " frame was damaged after it was made durable (not a torn write)");
            }
            legacy = false;
            count++;
            q = frame.end();
        }
        return count;
    }

    /** The offset of the next PXJ1 or PXJ2 magic at or after {@code from}, or -1. */
    private static long nextMagic(JournalFile file, long from, long fileSize, ByteBuffer chunk) throws IOException {
        for (long start = from; start + 4 <= fileSize; start += chunk.capacity() - 3) {
            chunk.clear();
            chunk.limit((int) Math.min(chunk.capacity(), fileSize - start));
            readFully(file, chunk, start);
            for (int i = 0; i + 4 <= chunk.limit(); i++) {
                int word = chunk.getInt(i);
                if (word == MAGIC || word == MAGIC_V1) {
                    return start + i;
                }
            }
        }
        return -1;
    }

    /**
     * The frame at {@code position}, or null if it is incomplete, fails its checksum, or cannot have
     * been written there: a PXJ2 frame recording a durable point past its own offset, a PXJ1 frame
     * after a PXJ2 one ({@code legacy} false).
     */
    private static Frame readFrame(JournalFile file, long position, long fileSize, boolean legacy)
            throws IOException {
        long available = fileSize - position;
        if (available < HEADER_V1) {
            return null;
        }
        ByteBuffer header = ByteBuffer.allocate((int) Math.min(HEADER, available));
        readFully(file, header, position);
        header.flip();
        int magic = header.getInt();
        int length = header.getInt();
        int crc = header.getInt();
        int headerSize;
        long durableUpTo;
        if (magic == MAGIC && header.remaining() >= Long.BYTES) {
            headerSize = HEADER;
            durableUpTo = header.getLong();
            if (durableUpTo < 0 || durableUpTo > position) {
                return null;
            }
        } else if (magic == MAGIC_V1 && legacy) {
            headerSize = HEADER_V1;
            durableUpTo = -1;
        } else {
            return null;
        }
        if (length < 0 || length > MAX_FRAME || available - headerSize < length) {
            return null;
        }
        ByteBuffer payload = ByteBuffer.allocate(length);
        readFully(file, payload, position + headerSize);
        byte[] bytes = payload.array();
        int actual = durableUpTo < 0 ? crc32c(bytes) : crc32c(durableUpTo, bytes);
        return actual == crc ? new Frame(bytes, position + headerSize + length, durableUpTo) : null;
    }

    private static void readFully(JournalFile file, ByteBuffer buffer, long position) throws IOException {
        int start = buffer.position();
        while (buffer.hasRemaining()) {
            int n = file.read(buffer, position + buffer.position() - start);
            if (n < 0) {
                throw new IOException("unexpected end of " + file);
            }
        }
    }

    /** Hands every group, in order, to {@code consumer}, reading one frame at a time. */
    void replay(Consumer<byte[]> consumer) throws IOException {
        long position = 0;
        boolean legacy = true;
        while (position < size) {
            Frame frame = readFrame(file, position, size, legacy);
            if (frame == null) {
                throw new StorageException("journal " + path + " changed under replay at byte " + position);
            }
            consumer.accept(frame.payload());
            legacy &= frame.legacy();
            position = frame.end();
        }
    }

    /**
     * Appends one group, recording the current durable point in its frame; with {@code force} it is
     * on disk when this returns.
     *
     * @throws StorageException before writing anything if the group is larger than a frame may be
     *                          ({@link #open} would take it for a torn frame)
     */
    void append(byte[] payload, boolean force) throws IOException {
        if (payload.length > MAX_FRAME) {
            throw new StorageException("a group of " + payload.length + " bytes exceeds the journal's frame limit of "
                    + MAX_FRAME);
        }
        ByteBuffer frame = ByteBuffer.allocate(HEADER + payload.length);
        frame.putInt(MAGIC).putInt(payload.length).putInt(crc32c(durable, payload)).putLong(durable).put(payload)
                .flip();
        while (frame.hasRemaining()) {
            size += file.write(frame, size);
        }
        groups++;
        if (force) {
            force();
        }
    }

    /** Makes every group appended so far durable; the frames appended next record it. */
    void force() throws IOException {
        long upTo = size;
        file.force();
        durable = upTo;
    }

    long groups() {
        return groups;
    }

    long size() {
        return size;
    }

    /** The end of the last force that returned: what the next frame records as its durable point. */
    long durable() {
        return durable;
    }

    Path path() {
        return path;
    }

    @Override
    public void close() throws IOException {
        file.close();
    }

    static int crc32c(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length);
        return (int) crc.getValue();
    }

    /** The checksum of a PXJ2 frame: its durable point (8 bytes, big-endian), then its payload. */
    static int crc32c(long durableUpTo, byte[] payload) {
        CRC32C crc = new CRC32C();
        crc.update(ByteBuffer.allocate(Long.BYTES).putLong(0, durableUpTo));
        crc.update(payload, 0, payload.length);
        return (int) crc.getValue();
    }
}
