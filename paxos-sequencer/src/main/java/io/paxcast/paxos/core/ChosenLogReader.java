package io.paxcast.paxos.core;

import java.util.Optional;

/**
 * Read access to the chosen values the node has made durable: for catch-up of peers, for delivering
 * slots whose values are no longer held in memory, and for the application's history reads (the
 * sequencer module's one read interface; nothing outside it names the storage files).
 *
 * <p>Contract: must be fast (a local lookup, no network) and must not block on pending writes. It
 * returns a value only for a slot whose chosen value is durable: a slot at or below the durable
 * chosen prefix, or one written by {@link StorageWrite.Chosen}; and never for a slot below the
 * {@link #logStart()} (compacted). Threading: the node calls it on its
 * own thread; an implementation may also allow other threads to read concurrently with writes (the
 * application's history reads rely on that; {@code MapDbStorage} and {@code InMemoryStorage} allow it).
 */
public interface ChosenLogReader {
    Optional<Value> chosen(long slot);

    /** The highest chosen prefix made durable so far (what {@link StorageWrite.ChosenPrefix} last committed). */
    long chosenPrefix();

    /**
     * The first slot whose value is still held (1 until the log was compacted: {@link StorageWrite.LogStart}).
     * {@link #chosen} answers empty below it.
     */
    default long logStart() {
        return 1;
    }
}
