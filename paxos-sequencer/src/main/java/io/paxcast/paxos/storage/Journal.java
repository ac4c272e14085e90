package io.paxcast.paxos.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * An append-only file of write groups, each framed {@code [magic u32][length u32][crc32c u32][payload]}:
 * the durability point of {@link MapDbStorage}.
 *
 * <p>Why it exists: MapDB 3.1's transactional commit is not atomic (a SIGKILL while it copies its
 * write-ahead log into the main file can tear the store; see {@link MapDbStorage}). An append is:
 * a group is durable once {@link #append} forced it, and a crash can only leave a partial last
 * frame, which {@link #open} recognises (its length runs past the end or its checksum fails with
 * nothing valid after it) and cuts off. That frame was never acknowledged, since its force never
 * returned. A bad frame followed by valid ones is not a torn write but corruption: {@link #open}
 * refuses the file (PAXOS-NOTES 4).
 *
 * <p>Threading: one writer at a time (the storage's write lock).
 */
final class Journal implements AutoCloseable {
    static final int MAGIC = 0x50584a31; // "PXJ1"
    static final int HEADER = 12;
    private static final int MAX_FRAME = 256 * 1024 * 1024;

    /** What {@link #open} found: the journal, how many intact groups it holds, how much torn tail it cut. */
    record Recovered(Journal journal, long groups, long truncatedBytes) {}

    private final Path path;
    private final FileChannel channel;
    private long size;
    private long groups;

    private Journal(Path path, FileChannel channel, long size, long groups) {
        this.path = path;
        this.channel = channel;
        this.size = size;
        this.groups = groups;
    }

    /**
     * Opens (or creates) the journal: verifies every frame (without keeping them: {@link #replay} reads
     * them again when needed) and cuts a torn tail.
     */
    static Recovered open(Path path) throws IOException {
        FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        try {
            long fileSize = channel.size();
            long groups = 0;
            long position = 0;
            ByteBuffer header = ByteBuffer.allocate(HEADER);
            while (position < fileSize) {
                byte[] payload = readFrame(channel, position, fileSize, header);
                if (payload == null) {
                    if (anyValidFrameAfter(channel, position + 1, fileSize, header)) {
                        throw new StorageException("corrupt journal " + path + ": the frame at byte " + position
                                + " fails its checksum but valid frames follow it (not a torn write)");
                    }
                    break; // a torn last write: never acknowledged
                }
                groups++;
                position += HEADER + payload.length;
            }
            long truncated = fileSize - position;
            if (truncated > 0) {
                channel.truncate(position);
                channel.force(true);
            }
            return new Recovered(new Journal(path, channel, position, groups), groups, truncated);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** The payload of the frame at {@code position}, or null if it is incomplete or fails its checksum. */
    private static byte[] readFrame(FileChannel channel, long position, long fileSize, ByteBuffer header)
            throws IOException {
        if (fileSize - position < HEADER) {
            return null;
        }
        header.clear();
        readFully(channel, header, position);
        header.flip();
        int magic = header.getInt();
        int length = header.getInt();
        int crc = header.getInt();
        if (magic != MAGIC || length < 0 || length > MAX_FRAME || fileSize - position - HEADER < length) {
            return null;
        }
        ByteBuffer payload = ByteBuffer.allocate(length);
        readFully(channel, payload, position + HEADER);
        byte[] bytes = payload.array();
        return crc32c(bytes) == crc ? bytes : null;
    }

    private static boolean anyValidFrameAfter(FileChannel channel, long from, long fileSize, ByteBuffer header)
            throws IOException {
        ByteBuffer probe = ByteBuffer.allocate(4);
        for (long p = from; p + HEADER <= fileSize; p++) {
            probe.clear();
            readFully(channel, probe, p);
            probe.flip();
            if (probe.getInt() == MAGIC && readFrame(channel, p, fileSize, header) != null) {
                return true;
            }
        }
        return false;
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, position + buffer.position());
            if (n < 0) {
                throw new IOException("unexpected end of " + channel);
            }
        }
    }

    /** Hands every group, in order, to {@code consumer}, reading one frame at a time. */
    void replay(java.util.function.Consumer<byte[]> consumer) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(HEADER);
        long position = 0;
        while (position < size) {
            byte[] payload = readFrame(channel, position, size, header);
            if (payload == null) {
                throw new StorageException("journal " + path + " changed under replay at byte " + position);
            }
            consumer.accept(payload);
            position += HEADER + payload.length;
        }
    }

    /** Appends one group; with {@code force} it is on disk when this returns. */
    void append(byte[] payload, boolean force) throws IOException {
        ByteBuffer frame = ByteBuffer.allocate(HEADER + payload.length);
        frame.putInt(MAGIC).putInt(payload.length).putInt(crc32c(payload)).put(payload).flip();
        while (frame.hasRemaining()) {
            size += channel.write(frame, size);
        }
        groups++;
        if (force) {
            channel.force(false);
        }
    }

    void force() throws IOException {
        channel.force(false);
    }

    long groups() {
        return groups;
    }

    long size() {
        return size;
    }

    Path path() {
        return path;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    static int crc32c(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length);
        return (int) crc.getValue();
    }
}
