package io.paxcast.paxos.storage;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The file under a {@link Journal}: the few operations it needs, so that a test can put a disk with
 * a page cache under it and cut the power ({@code SimulatedDisk}); a SIGKILL keeps the page cache
 * and so proves nothing about what a power loss leaves. Production uses {@link ChannelJournalFile}.
 *
 * <p>Durability contract: a {@link #write} lands in a volatile image (the page cache) the next read
 * sees; a power loss may keep any part of what was written since the last {@link #force} returned,
 * in any order, torn or whole. Once {@code force} returns, everything written before it is durable.
 */
interface JournalFile extends AutoCloseable {

    long size() throws IOException;

    /** Reads into {@code dst} from {@code position}, as {@link java.nio.channels.FileChannel#read(ByteBuffer, long)}. */
    int read(ByteBuffer dst, long position) throws IOException;

    /** Writes {@code src} at {@code position}, as {@link java.nio.channels.FileChannel#write(ByteBuffer, long)}. */
    int write(ByteBuffer src, long position) throws IOException;

    /** Makes every write so far durable (the data and the size needed to read it back). */
    void force() throws IOException;

    /** Cuts the file to {@code size} and makes the cut durable before it returns. */
    void truncate(long size) throws IOException;

    @Override
    void close() throws IOException;
}
