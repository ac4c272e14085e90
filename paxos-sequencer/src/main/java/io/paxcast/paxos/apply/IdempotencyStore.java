package io.paxcast.paxos.apply;

import net.jpountz.xxhash.XXHash64;
import net.jpountz.xxhash.XXHashFactory;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The idempotency keys recorded within the last {@code windowMillis} of log time, each with the
 * position (for example the sequence number) of the publish that first used it.
 *
 * <p><b>Why it exists.</b> A retry that carries the same key within the window must return the
 * original result and append nothing. The decision is taken while applying the decided log, so it
 * must be identical on every node; and the store must stay small at a high keyed publish rate. A
 * {@code LinkedHashMap<String, entry>} of the keys costs about 155 bytes per key (the concatenated
 * key string and its bytes, the entry record, the map's linked node and table slot): at 15k keyed publishes/s over a 10 minute window
 * (9 million live keys) that is over 1 GiB. This store keeps 32 bytes per key plus an index of
 * 8 to 16 bytes, in a few large primitive arrays, with no object per key.
 *
 * <p><b>Keys are not stored.</b> Each key is reduced to a 128-bit fingerprint: two XXH64 hashes of
 * its UTF-8 bytes, with seeds 0 and {@code 0x9E3779B97F4A7C15}. xxHash is specified byte by byte,
 * little-endian, so it gives the same result on every JVM and platform; the pure-Java
 * implementation is used, never a native one. Two keys with the same fingerprint are the same key
 * to this store: a fresh publish whose key collides with a live one looks like a retry of it. With
 * {@code n} live keys, the chance that a fresh key collides is at most {@code n / 2^128}: about
 * 3e-33 for 10^6 live keys; over a whole year at 15k keyed publishes/s with 9 million live keys,
 * about 1e-20. xxHash is not a cryptographic hash, so this holds for keys chosen without regard
 * to it (random or sequential ids), not against a client crafting a key to collide with another
 * client's key, which it would have to know first. (A string that is not valid UTF-16, with an
 * unpaired surrogate, encodes that char as {@code '?'}, as {@link String#getBytes} does, and so is
 * the same key as its {@code '?'} spelling; Paxcast's channels and keys are printable ASCII.)
 *
 * <p><b>Layout.</b> A FIFO of entries (fp1, fp2, position, logTime) in expiry order, a ring of
 * fixed blocks of {@value EntryRing#BLOCK_ENTRIES} entries that grows and frees a block at a time
 * ({@link EntryRing}), and an open-addressing index of {@code int} entry ids over it, at a load of at
 * most 1/2, resized within one call ({@link FingerprintIndex}, which says when and what a resize costs).
 * Cost per live key: 32 bytes in the FIFO plus 4 bytes per index slot, 8 to 16 bytes at the loads
 * reached by growth (1/4 to 1/2): 40 to 48 bytes, {@link #bytesPerKey()}. After the count falls,
 * the index can sit at a load down to 1/8 (up to 64 bytes per key) before it shrinks.
 * {@link #heapBytes()} reports what the store holds at the moment.
 *
 * <p><b>Bounds.</b> The store enforces no maximum: the caller refuses new keyed publishes at its
 * edge when {@link #size()} nears its configured limit (a node-local decision, so that this
 * class stays a pure function of its calls). The only hard limit is 2^29 (536 million) live keys,
 * half the largest index array, far beyond any sensible configuration.
 *
 * <p><b>Time.</b> The store keeps the largest log time it was given. {@link #advanceTo} forgets
 * every key recorded at a log time below {@code logTime - windowMillis}; a key recorded at
 * {@code t} is thus still found while the log time is at most {@code t + windowMillis}. A log time
 * lower than the store's is rejected with {@link IllegalArgumentException} rather than ignored:
 * callers pass the log's running maximum, and a decrease means a caller that does not (a local
 * clock, a lost maximum after a restart): a bug better surfaced than absorbed. An {@link IllegalArgumentException} is thrown before anything changes;
 * the {@link IllegalStateException}s of {@link #put} (a key put twice, or the store full) come after
 * the put's log time was applied, as by {@link #advanceTo}, and change nothing else.
 *
 * <p>Deterministic: the answers, {@link #size()} and the snapshot bytes depend only on the
 * sequence of calls, and on nothing local to the JVM. (A store read from a snapshot has its index
 * rebuilt and sized for its count, so its layout and {@link #heapBytes()} may differ from the
 * writer's; its answers and later snapshots do not.) Not thread-safe.
 */
public final class IdempotencyStore {
    /** Seeds of the two XXH64 halves of a fingerprint; part of the snapshot format, never change. */
    static final long SEED1 = 0L;
    static final long SEED2 = 0x9E3779B97F4A7C15L;
    private static final XXHash64 XXH64 = XXHashFactory.safeInstance().hash64();

    // The layout's limits, named here too for the tests of this store.
    static final int BLOCK_ENTRIES = EntryRing.BLOCK_ENTRIES;
    static final int MIN_TABLE_LENGTH = FingerprintIndex.MIN_TABLE_LENGTH;
    static final int MAX_TABLE_LENGTH = FingerprintIndex.MAX_TABLE_LENGTH;
    static final int MIN_BLOCK_SLOTS = EntryRing.MIN_BLOCK_SLOTS;
    static final int CHUNK_SLOTS = FingerprintIndex.CHUNK_SLOTS;

    /** Array header (mark word, compressed class pointer, length) and object alignment. */
    private static final long ARRAY_HEADER = 16;
    /** Object references, assuming compressed oops (heaps below 32 GiB). */
    static final long REFERENCE = 4;
    /**
     * This object, its ring and its index: headers and fields, rounded up (the figure from when they
     * were one object, kept so that {@link #heapBytes()} reports what it always did; a few dozen bytes
     * under, noise beside the arrays).
     */
    private static final long SELF = 64;

    private final long windowMillis;
    private final int maxTableLength;
    private long logTime = Long.MIN_VALUE;
    private final EntryRing ring = new EntryRing();
    private FingerprintIndex index;

    /** @param windowMillis how long, in log time, a key is remembered; 0 or more */
    public IdempotencyStore(long windowMillis) {
        this(windowMillis, MAX_TABLE_LENGTH);
    }

    /** With a lower index limit, so that tests can reach it. */
    IdempotencyStore(long windowMillis, int maxTableLength) {
        if (windowMillis < 0) {
            throw new IllegalArgumentException("windowMillis " + windowMillis + " < 0");
        }
        if (Integer.bitCount(maxTableLength) != 1 || maxTableLength < MIN_TABLE_LENGTH || maxTableLength > MAX_TABLE_LENGTH) {
            throw new IllegalArgumentException("maxTableLength " + maxTableLength);
        }
        this.windowMillis = windowMillis;
        this.maxTableLength = maxTableLength;
        this.index = new FingerprintIndex(ring, MIN_TABLE_LENGTH);
    }

    public long windowMillis() {
        return windowMillis;
    }

    /** The largest log time given so far ({@link Long#MIN_VALUE} before any). */
    public long logTimeMillis() {
        return logTime;
    }

    /** Live keys. */
    public int size() {
        return ring.size();
    }

    // ------------------------------------------------------------------ keys

    /**
     * The position recorded for {@code key}, or -1 if it was not recorded within the window (as of
     * the store's log time: the last {@link #advanceTo} or put). A key whose fingerprint equals a live key's gets that key's
     * position (see the class comment for how unlikely that is).
     */
    public long lookup(String key) {
        byte[] utf8 = key.getBytes(StandardCharsets.UTF_8);
        return lookupFingerprint(fingerprint1(utf8), fingerprint2(utf8));
    }

    /**
     * Records {@code key} at {@code position} and log time {@code logTimeMillis}, which becomes the
     * store's log time (as by {@link #advanceTo}, expiring older keys first).
     *
     * @throws IllegalArgumentException if {@code position < 0} or the log time is below the store's
     * @throws IllegalStateException if the key is already recorded (the caller must have looked it
     *         up first; recording it twice would break the FIFO's expiry order), or the store holds
     *         the maximum number of keys
     */
    public void put(String key, long position, long logTimeMillis) {
        byte[] utf8 = key.getBytes(StandardCharsets.UTF_8);
        if (putFingerprint(fingerprint1(utf8), fingerprint2(utf8), position, logTimeMillis) >= 0) {
            throw new IllegalStateException("key already recorded: look it up before putting it");
        }
    }

    /**
     * {@link #lookup} and, if absent, {@link #put}, hashing the key once: the position already
     * recorded for the key (nothing changes but the log time), or -1 after recording it at
     * {@code position}.
     *
     * @throws IllegalArgumentException as {@link #put}
     * @throws IllegalStateException if the store holds the maximum number of keys
     */
    public long putIfAbsent(String key, long position, long logTimeMillis) {
        byte[] utf8 = key.getBytes(StandardCharsets.UTF_8);
        return putFingerprint(fingerprint1(utf8), fingerprint2(utf8), position, logTimeMillis);
    }

    /**
     * Moves the store's log time to {@code logTimeMillis} and forgets every key recorded before
     * {@code logTimeMillis - windowMillis}.
     *
     * @throws IllegalArgumentException if {@code logTimeMillis} is below the store's log time
     *         (callers pass a running maximum; equal is fine)
     */
    public void advanceTo(long logTimeMillis) {
        if (logTimeMillis < logTime) {
            throw new IllegalArgumentException("log time " + logTimeMillis + " < " + logTime + ": log time never decreases");
        }
        logTime = logTimeMillis;
        expire();
    }

    static long fingerprint1(byte[] utf8) {
        return XXH64.hash(utf8, 0, utf8.length, SEED1);
    }

    static long fingerprint2(byte[] utf8) {
        return XXH64.hash(utf8, 0, utf8.length, SEED2);
    }

    /** {@link #lookup} by fingerprint. */
    long lookupFingerprint(long fp1, long fp2) {
        return index.lookup(fp1, fp2);
    }

    /** {@link #putIfAbsent} by fingerprint. */
    long putFingerprint(long fp1, long fp2, long position, long logTimeMillis) {
        if (position < 0) {
            throw new IllegalArgumentException("position " + position + " < 0");
        }
        if (logTimeMillis < logTime) {
            throw new IllegalArgumentException("put at log time " + logTimeMillis + " < " + logTime + ": log time never decreases");
        }
        if (logTimeMillis > logTime) {
            // past validation: the put's log time holds even if the put fails below (key present
            // or store full), as it would after advanceTo then put
            logTime = logTimeMillis;
            expire();
        }
        long existing = lookupFingerprint(fp1, fp2);
        if (existing >= 0) {
            return existing;
        }
        if ((size() + 1L) * 2 > tableLength()) {
            if (tableLength() >= maxTableLength) {
                throw new IllegalStateException("idempotency store full: " + size() + " live keys");
            }
            index.rebuild(tableLength() * 2);
        }
        index.insert(fp1, ring.append(fp1, fp2, position, logTimeMillis));
        return -1;
    }

    // ------------------------------------------------------------------ expiry

    private void expire() {
        long limit = logTime < Long.MIN_VALUE + windowMillis ? Long.MIN_VALUE : logTime - windowMillis;
        boolean removed = false;
        while (ring.size() > 0) {
            long head = ring.head();
            long[] block = ring.blockOfOrdinal(head);
            int o = EntryRing.offsetOfOrdinal(head);
            if (block[o + 3] >= limit) {
                break;
            }
            index.remove(block[o], EntryRing.idOf(head));
            ring.popHead();
            removed = true;
        }
        if (!removed) {
            return;
        }
        ring.releaseIfEmpty();
        int n = size();
        if (tableLength() > MIN_TABLE_LENGTH && n * 8L < tableLength()) {
            int length = MIN_TABLE_LENGTH;
            while (length < n * 4L) {
                length *= 2;
            }
            index.rebuild(length);
        }
        ring.shrinkIfSparse();
    }

    // ------------------------------------------------------------------ memory

    /**
     * The heap this store holds now: the index, the block ring, every allocated block and the
     * spare one, with array headers and alignment (assuming compressed oops, heaps below 32 GiB).
     */
    public long heapBytes() {
        return SELF + index.heapBytes() + ring.heapBytes();
    }

    /**
     * Steady-state bytes per live key, for documentation: 32 in the FIFO plus at most 16 in an
     * index sized by growth (load 1/4 to 1/2). A large store sits between 40 and this; see the
     * class comment for the transient after a fall in the count.
     */
    public static long bytesPerKey() {
        return 8L * EntryRing.LONGS_PER_ENTRY + 4L * 4;
    }

    static long arrayBytes(long payload) {
        return (ARRAY_HEADER + payload + 7) & ~7L;
    }

    // ------------------------------------------------------------------ snapshot

    /**
     * Writes the store: magic, version, window, log time, count, then each entry in FIFO order
     * ({@link IdempotencySnapshot} has the format). About 19 bytes per key for sequential positions.
     */
    public void writeTo(DataOutput out) throws IOException {
        IdempotencySnapshot.write(this, out);
    }

    /**
     * Reads a store written by {@link #writeTo}. The index is rebuilt (its layout may differ from
     * the writer's; no answer depends on it).
     *
     * @throws IOException if the input is not such a snapshot, or is inconsistent (entries out of
     *         time order, outside the window, with a negative position, or the same fingerprint twice)
     */
    public static IdempotencyStore readFrom(DataInput in) throws IOException {
        return IdempotencySnapshot.read(in);
    }

    /** The FIFO, for {@link IdempotencySnapshot#write}. */
    EntryRing ring() {
        return ring;
    }

    /**
     * For {@link IdempotencySnapshot#read}, on an empty store: sets its log time and an empty index of
     * {@code tableLength} slots, for the entries {@link #restoreEntry} then adds in FIFO order.
     */
    void restoreEmpty(long logTimeMillis, int tableLength) {
        logTime = logTimeMillis;
        index = new FingerprintIndex(ring, tableLength);
    }

    /** For {@link IdempotencySnapshot#read}: appends an entry the snapshot proved absent and in order. */
    void restoreEntry(long fp1, long fp2, long position, long time) {
        index.insert(fp1, ring.append(fp1, fp2, position, time));
    }

    // ------------------------------------------------------------------ tests

    int tableLength() {
        return index.length();
    }

    int blockSlots() {
        return ring.blockSlots();
    }

    /** Checks every structural invariant; for tests (linear in the capacity). */
    void checkInvariants() {
        ring.checkInvariants();
        index.checkInvariants();
        long limit = logTime < Long.MIN_VALUE + windowMillis ? Long.MIN_VALUE : logTime - windowMillis;
        long previous = Long.MIN_VALUE;
        for (long q = ring.head(); q < ring.tail(); q++) {
            long[] block = ring.blockOfOrdinal(q);
            int o = EntryRing.offsetOfOrdinal(q);
            long time = block[o + 3];
            if (time < previous || time > logTime || time < limit || block[o + 2] < 0) {
                throw new AssertionError("entry " + q + ": time " + time + " position " + block[o + 2]);
            }
            previous = time;
            if (lookupFingerprint(block[o], block[o + 1]) != block[o + 2]) {
                throw new AssertionError("entry " + q + " not found from its home slot");
            }
        }
    }
}
