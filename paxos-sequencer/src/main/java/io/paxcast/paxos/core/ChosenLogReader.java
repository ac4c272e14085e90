package io.paxcast.paxos.core;

import java.util.Optional;

/**
 * Read access to the chosen values the node has made durable, for catch-up of peers and for
 * delivering slots whose values are no longer held in memory.
 *
 * <p>Contract: called on the node's own thread; must be fast (a local lookup, no network) and must
 * not block on pending writes. It returns a value only for a slot whose chosen value is durable:
 * a slot at or below the durable chosen prefix, or one written by {@link StorageWrite.Chosen}.
 */
public interface ChosenLogReader {
    Optional<Value> chosen(long slot);

    /** The highest chosen prefix made durable so far (what {@link StorageWrite.ChosenPrefix} last committed). */
    long chosenPrefix();
}
