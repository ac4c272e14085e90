package io.paxcast.paxos.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** A {@link JournalFile} on a real file: a {@link FileChannel}, forced with {@code fdatasync}. */
final class ChannelJournalFile implements JournalFile {
    private final FileChannel channel;

    private ChannelJournalFile(FileChannel channel) {
        this.channel = channel;
    }

    /** Opens (or creates) {@code path} for reading and writing. */
    static ChannelJournalFile open(Path path) throws IOException {
        return new ChannelJournalFile(FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE));
    }

    @Override
    public long size() throws IOException {
        return channel.size();
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
        return channel.read(dst, position);
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
        return channel.write(src, position);
    }

    /**
     * {@code force(false)} ({@code fdatasync}): the data and the file size an append changed; the other
     * metadata (times) does not matter to a reader.
     */
    @Override
    public void force() throws IOException {
        channel.force(false);
    }

    /** A shrinking size is metadata an {@code fdatasync} need not write: the cut is forced with it. */
    @Override
    public void truncate(long size) throws IOException {
        channel.truncate(size);
        channel.force(true);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
