package io.paxcast.paxos.storage;

import io.paxcast.paxos.core.Ballot;
import io.paxcast.paxos.core.DurableState;
import io.paxcast.paxos.core.Message.SlotEntry;
import io.paxcast.paxos.core.StorageWrite;
import io.paxcast.paxos.core.Value;

import org.mapdb.Atomic;
import org.mapdb.BTreeMap;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A node's Paxos state in one MapDB 3.1 file, {@code <dir>/paxos.mapdb} (MapDB keeps its write-ahead
 * log beside it as {@code paxos.mapdb.wal.*}).
 *
 * <h2>Layout</h2>
 * MapDB runs with transactions ({@code transactionEnable()}): changes go to a write-ahead log until
 * {@code commit()}, which syncs.
 * <ul>
 *   <li>{@code slots}: a B-tree {@code slot -> record}, one entry per slot holding the whole batch, with
 *       values stored outside the tree nodes (a commit rewrites a small node, not every value in it);</li>
 *   <li>{@code meta}: one record holding the promised ballot and the chosen prefix, rewritten only when
 *       one of them changes.</li>
 * </ul>
 * Each record carries a CRC-32C over its bytes ({@link RecordFormat}), verified on every read: a
 * mismatch throws {@link StorageException} naming the slot (or the meta record).
 *
 * <h2>Crash safety: a known MapDB defect</h2>
 * MapDB 3.1's transactional store does <em>not</em> make a commit atomic. Its {@code commit()} syncs the
 * write-ahead log, then copies the header, the index values, the free-space pages and the records into
 * the main file in place, syncs it and deletes the log; index values and free-space pages exist only in
 * memory until that copy, and opening a store never replays the log. A crash during the copy (a plain
 * SIGKILL is enough; no power loss needed) leaves the file torn. Measured with {@code MapDbCrashTest}'s
 * writer: 6 of 100 SIGKILLs left a store that MapDB could not read or that had lost records below the
 * chosen prefix. The checksums and the slot number in each record turn most of these into a
 * {@link StorageException} (the node stops voting: PAXOS-NOTES 4), and MapDB's own read failures are
 * reported the same way; but a torn tree can also silently drop a record or bring back an older meta
 * record (a promise going backwards), which no record checksum can see. Until the engine is replaced,
 * treat a node killed during a commit as possibly wiped (PAXOS-NOTES 3).
 *
 * <h2>Writes and fsync policy</h2>
 * {@link #write} applies the rules of {@link WritePlan} (checked before anything changes), puts the
 * group's records, then per {@link FsyncPolicy}:
 * <ul>
 *   <li>{@code ALWAYS}: commits once for the whole group (group commit) before returning; a group that
 *       changes nothing (empty, or only no-ops under the rules) costs no commit;</li>
 *   <li>{@code INTERVAL}: commits if at least the interval passed since the last commit; otherwise the
 *       group waits for a later write, {@link #flush()} or {@link #close()}. A crash loses the
 *       uncommitted groups, whole (a commit boundary always falls between groups; but see the defect
 *       above for a crash inside a commit). The driver should
 *       call {@link #flush()} every interval so a quiet node does not keep groups uncommitted;</li>
 *   <li>{@code NONE}: never commits except in {@link #close()}. MapDB discards uncommitted changes when
 *       it reopens, so a crash (even a plain SIGKILL) loses <em>everything written since the store was
 *       opened</em>, and the write-ahead log and MapDB's memory grow with every write until close. For
 *       benchmarks only. Since nothing is ever durable under NONE, {@link #chosen} and
 *       {@link #chosenPrefix} answer from what was written, so catch-up from this node still works.</li>
 * </ul>
 * A MapDB failure in the middle of a group rolls back to the last commit and leaves the storage failed:
 * every later write throws {@link StorageException} (the node cannot prove what it promised).
 *
 * <h2>What readers see</h2>
 * MapDB has one transaction per file, and reads see its uncommitted changes. So that {@link #chosen} and
 * {@link #chosenPrefix} report only committed state, the storage keeps the prefix as of the last commit
 * in a volatile field, and the set of slots whose chosen record is not yet committed:
 * <ul>
 *   <li>a slot at or below the committed prefix answers its record's value: records at or below the
 *       prefix (committed or pending) are never rewritten with another value ({@link WritePlan});</li>
 *   <li>a slot above it answers only if its record is flagged chosen and not in the uncommitted set. The
 *       writer adds a slot to that set before it puts the record and clears the set after the commit,
 *       so a reader that sees an uncommitted chosen record also sees it in the set.</li>
 * </ul>
 * {@link #load()} reads the file as it is: called at start, before any write, that is the committed
 * state. It verifies the checksum of every record above the prefix, not below it (that is the whole
 * log; those are verified when {@link #chosen} reads them).
 *
 * <h2>Threading</h2>
 * {@link #write}, {@link #flush} and {@link #close} are serialized on a lock and may block (they sync):
 * call them off the event loop. {@link #chosen} and {@link #chosenPrefix} take no lock and may run on
 * any thread concurrently with a write.
 */
public final class MapDbStorage implements PaxosStorage {

    public static final String FILE_NAME = "paxos.mapdb";
    static final String SLOTS = "slots";
    static final String META = "meta";

    private final Path file;
    private final FsyncPolicy policy;
    private final long intervalNanos;
    private final DB db;
    private final BTreeMap<Long, byte[]> slots;
    private final Atomic.Var<byte[]> meta;

    private final Object writeLock = new Object();
    /** Slots whose chosen record was put but not yet committed (see the class comment). */
    private final Set<Long> uncommittedChosen = ConcurrentHashMap.newKeySet();
    private final WritePlan.Records view = new WritePlan.Records() {
        @Override
        public SlotEntry get(long slot) {
            byte[] bytes = raw(slot);
            return bytes == null ? null : RecordFormat.decodeSlot(slot, bytes);
        }

        @Override
        public boolean contains(long slot) {
            try {
                return slots.containsKey(slot);
            } catch (RuntimeException e) {
                throw unreadable("slot " + slot, e);
            }
        }
    };

    // Writer state, guarded by writeLock: what the writer last put, committed or not.
    private Ballot promised;
    private long prefix;
    private boolean dirty;
    private long lastCommitNanos;
    private StorageException failure;

    private volatile long committedPrefix;
    private volatile boolean closed;

    /**
     * Opens (or creates) the store under {@code dir}.
     *
     * @param intervalMillis for {@link FsyncPolicy#INTERVAL}: the longest a group waits for a commit
     *                       while writes keep coming; ignored by the other policies
     * @throws StorageException if the file cannot be opened or its meta record is corrupt
     */
    public MapDbStorage(Path dir, FsyncPolicy policy, long intervalMillis) {
        this.policy = Objects.requireNonNull(policy, "policy");
        if (policy == FsyncPolicy.INTERVAL && intervalMillis <= 0) {
            throw new IllegalArgumentException("fsync interval must be > 0 ms, was " + intervalMillis);
        }
        this.intervalNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(0, intervalMillis));
        this.file = dir.resolve(FILE_NAME);
        DB opened = null;
        try {
            Files.createDirectories(dir);
            opened = DBMaker.fileDB(file.toFile()).transactionEnable().make();
            this.db = opened;
            this.slots = db.treeMap(SLOTS, Serializer.LONG, Serializer.BYTE_ARRAY)
                    .valuesOutsideNodesEnable()
                    .createOrOpen();
            this.meta = db.atomicVar(META, Serializer.BYTE_ARRAY).createOrOpen();
            db.commit(); // a new store's empty collections are durable from here on
            byte[] stored = meta.get();
            RecordFormat.Meta m = stored == null ? new RecordFormat.Meta(Ballot.ZERO, 0)
                    : RecordFormat.decodeMeta(stored);
            this.promised = m.promised();
            this.prefix = m.chosenPrefix();
            this.committedPrefix = prefix;
            this.lastCommitNanos = System.nanoTime();
        } catch (IOException | RuntimeException e) {
            if (opened != null) {
                try {
                    opened.close();
                } catch (RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            if (e instanceof StorageException se) {
                throw new StorageException("cannot open " + file + ": " + se.getMessage(), se);
            }
            throw new StorageException("cannot open " + file + ": " + e, e);
        }
    }

    public static MapDbStorage open(Path dir, FsyncPolicy policy, long intervalMillis) {
        return new MapDbStorage(dir, policy, intervalMillis);
    }

    /** Opens with {@link FsyncPolicy#ALWAYS}. */
    public static MapDbStorage open(Path dir) {
        return new MapDbStorage(dir, FsyncPolicy.ALWAYS, 0);
    }

    public Path file() {
        return file;
    }

    public FsyncPolicy policy() {
        return policy;
    }

    @Override
    public DurableState load() {
        synchronized (writeLock) {
            ensureOpen();
            List<SlotEntry> above = new ArrayList<>();
            try {
                for (Map.Entry<Long, byte[]> e : slots.tailMap(prefix, false).entrySet()) {
                    above.add(RecordFormat.decodeSlot(e.getKey(), e.getValue()));
                }
            } catch (StorageException e) {
                throw e;
            } catch (RuntimeException e) {
                throw unreadable("the slots above the chosen prefix " + prefix, e);
            }
            return new DurableState(promised, prefix, above);
        }
    }

    @Override
    public void write(List<StorageWrite> writes) {
        synchronized (writeLock) {
            ensureOpen();
            if (failure != null) {
                throw new StorageException("storage " + file + " failed earlier: " + failure.getMessage(), failure);
            }
            // Rule violations and corrupt records throw here, before anything changed.
            WritePlan plan = WritePlan.of(writes, promised, prefix, view);
            List<byte[]> records = new ArrayList<>(plan.puts.size());
            for (SlotEntry entry : plan.puts.values()) {
                records.add(RecordFormat.encodeSlot(entry));
            }
            try {
                int i = 0;
                for (SlotEntry entry : plan.puts.values()) {
                    if (entry.chosen()) {
                        uncommittedChosen.add(entry.slot()); // before the put: see the class comment
                    }
                    slots.put(entry.slot(), records.get(i++));
                }
                if (plan.metaChanged) {
                    meta.set(RecordFormat.encodeMeta(new RecordFormat.Meta(plan.promised, plan.chosenPrefix)));
                }
                promised = plan.promised;
                prefix = plan.chosenPrefix;
                dirty |= !plan.puts.isEmpty() || plan.metaChanged;
                switch (policy) {
                    case ALWAYS -> {
                        if (dirty) {
                            commit();
                        }
                    }
                    case INTERVAL -> {
                        if (dirty && System.nanoTime() - lastCommitNanos >= intervalNanos) {
                            commit();
                        }
                    }
                    case NONE -> published();
                }
            } catch (RuntimeException e) {
                fail(e);
            }
        }
    }

    /**
     * Commits the groups written since the last commit, if any. Under {@code INTERVAL} the driver calls it
     * every interval; under {@code ALWAYS} there is never anything to commit. Same thread rules as
     * {@link #write}.
     */
    public void flush() {
        synchronized (writeLock) {
            ensureOpen();
            if (failure == null && dirty) {
                try {
                    commit();
                } catch (RuntimeException e) {
                    fail(e);
                }
            }
        }
    }

    @Override
    public Optional<Value> chosen(long slot) {
        long committed = committedPrefix; // read before the record: it only grows
        ensureOpen();
        byte[] bytes = raw(slot);
        if (bytes == null) {
            if (slot >= 1 && slot <= committed) {
                throw new StorageException("slot " + slot + " is at or below the durable chosen prefix " + committed
                        + " but has no record");
            }
            return Optional.empty();
        }
        SlotEntry entry = RecordFormat.decodeSlot(slot, bytes);
        if (slot <= committed || (entry.chosen() && !uncommittedChosen.contains(slot))) {
            return Optional.of(entry.value());
        }
        return Optional.empty();
    }

    @Override
    public long chosenPrefix() {
        return committedPrefix;
    }

    /** Commits what is pending (whatever the policy) and closes the file. Idempotent. */
    @Override
    public void close() {
        synchronized (writeLock) {
            if (closed) {
                return;
            }
            try {
                if (failure == null && dirty) {
                    commit();
                }
            } finally {
                closed = true;
                db.close();
            }
        }
    }

    private void commit() {
        db.commit();
        lastCommitNanos = System.nanoTime();
        dirty = false;
        published();
    }

    /** What was written is now what readers may see. */
    private void published() {
        committedPrefix = prefix;
        uncommittedChosen.clear();
    }

    private void fail(RuntimeException cause) {
        failure = new StorageException("write to " + file + " failed; the storage is unusable: " + cause, cause);
        try {
            db.rollback();
        } catch (RuntimeException e) {
            failure.addSuppressed(e);
        }
        throw failure;
    }

    /** The stored bytes of {@code slot}, or null; a MapDB failure becomes a {@link StorageException}. */
    private byte[] raw(long slot) {
        try {
            return slots.get(slot);
        } catch (IllegalAccessError e) { // MapDB's "store was closed", racing close()
            throw new StorageException("storage " + file + " is closed", e);
        } catch (RuntimeException e) {
            if (closed) {
                throw new StorageException("storage " + file + " is closed", e);
            }
            throw unreadable("slot " + slot, e);
        }
    }

    /** MapDB itself failed to read (a broken pointer, a torn node): the store is corrupt. */
    private StorageException unreadable(String what, RuntimeException cause) {
        return new StorageException("corrupt store " + file + ": MapDB cannot read " + what + ": " + cause, cause);
    }

    private void ensureOpen() {
        if (closed) {
            throw new StorageException("storage " + file + " is closed");
        }
    }
}
