package io.paxcast.paxos.storage;

import io.paxcast.paxos.core.ChosenLogReader;
import io.paxcast.paxos.core.DurableState;
import io.paxcast.paxos.core.StorageWrite;

import java.util.List;

/**
 * A node's durable Paxos state: the promised ballot, one record per slot (accepted or chosen value,
 * the whole batch as one entry) and the chosen prefix.
 *
 * <p>Threading: {@link #write} may block (it syncs) and is called by one thread at a time, never on
 * an event loop. {@link #chosen} and {@link #load} may be called from the node's thread concurrently
 * with a write; they see only committed state.
 */
public interface PaxosStorage extends ChosenLogReader, AutoCloseable {

    /** Everything above the chosen prefix, plus the promise. Called once at start. */
    DurableState load();

    /**
     * Applies {@code writes} in order as one atomic group. Under {@link FsyncPolicy#ALWAYS} it returns
     * only once they are on disk; under {@code INTERVAL} and {@code NONE} a crash may lose the last
     * groups (never half of one). A write that cannot be made durable throws {@link StorageException}:
     * the caller must then stop answering (it cannot prove what it promised).
     */
    void write(List<StorageWrite> writes);

    /**
     * Makes every group written so far durable, if the fsync policy left some pending (under
     * {@link FsyncPolicy#INTERVAL} the caller invokes it every interval, so a quiet node does not keep
     * groups pending). Same threading as {@link #write}.
     */
    default void flush() {
    }

    @Override
    void close();
}
