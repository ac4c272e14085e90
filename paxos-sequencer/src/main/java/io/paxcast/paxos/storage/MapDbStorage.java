package io.paxcast.paxos.storage;

import io.paxcast.paxos.core.DurableState;
import io.paxcast.paxos.core.Message.SlotEntry;
import io.paxcast.paxos.core.StorageWrite;
import io.paxcast.paxos.core.Value;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A node's Paxos state in MapDB 3.1, made crash-safe by a journal: {@code <dir>/paxos.journal}
 * (append-only, the durability point) and {@code <dir>/paxos.mapdb} (the indexed store every read
 * uses).
 *
 * <h2>Why a journal in front of MapDB</h2>
 * MapDB 3.1's transactional store does <em>not</em> make a commit atomic: {@code commit()} syncs its
 * write-ahead log, then copies header, index values, free-space pages and records into the main file
 * in place, and opening a store never replays that log. A SIGKILL during the copy tears the file:
 * measured with {@code MapDbCrashTest}'s writer on MapDB alone, 6 of 100 SIGKILLs left a store MapDB
 * could not read or that had lost records below the chosen prefix. So durability comes from
 * {@link Journal}: each group of writes is appended as one checksummed frame and forced before
 * {@link #write} returns; only then does it go into MapDB, which runs without transactions (no sync
 * on the hot path: it is a rebuildable index). A clean {@link #close()} leaves a marker file; a start
 * without it (a crash, a kill) discards the active MapDB file and rebuilds it from the active journal
 * segment, so a torn MapDB file is never read. The cost: every group is written twice (journal, MapDB).
 *
 * <h2>Segments and compaction</h2>
 * The journal is a run of segment files ({@link SegmentedJournal}, 64 MiB each by default), and each
 * segment has its own MapDB file ({@link Generations}), sealed (closed, forced, marked) when the
 * segment is: so an unclean start rebuilds one file from one segment, whatever the size of the log.
 * {@link StorageWrite.LogStart} compacts: once it is durable (one force, under every policy), the
 * segments, journal and MapDB file together, whose slot records all lie below it are deleted, and
 * {@link #chosen} answers empty below it. Disk then follows what the node retains: about twice the
 * retained records, plus up to two segments.
 *
 * <h2>Layout</h2>
 * Each MapDB file ({@link MapDbIndex}) holds {@code slots} (one record per slot, the whole batch),
 * {@code meta} (promise, chosen prefix, the acceptor's identity) and {@code applied} (journal groups
 * it reflects). Each record carries a CRC-32C ({@link RecordFormat}), verified on every read: a
 * mismatch throws {@link StorageException} naming the slot; the journal's frames carry their own.
 *
 * <h2>Fsync policy</h2>
 * <ul>
 *   <li>{@code ALWAYS}: one journal force per group before {@link #write} returns (group commit),
 *       learner-only groups (chosen values, the chosen prefix) included: a crash loses nothing
 *       acknowledged and can tear only the frame being written;</li>
 *   <li>{@code INTERVAL}: a force when the interval has passed since the last one, and on
 *       {@link #flush()}: a crash may lose the groups of the last interval, whole;</li>
 *   <li>{@code NONE}: never forced by Paxcast (the OS writes the page cache back when it likes): a
 *       crash of the machine may lose recent groups; a killed process loses nothing the OS has.</li>
 * </ul>
 * A failure in the middle of a group leaves the storage failed: every later write throws
 * {@link StorageException} (the node cannot prove what it promised).
 *
 * <h2>Threading</h2>
 * {@link #write}, {@link #flush} and {@link #close} are serialized on a lock and may block (they sync):
 * call them off the event loop. {@link #chosen} and {@link #chosenPrefix} take no lock and may run on
 * any thread concurrently with a write; they see a group only after it is in the journal.
 */
public final class MapDbStorage implements PaxosStorage {

    public static final String FILE_NAME = "paxos.mapdb";
    public static final String JOURNAL_NAME = "paxos.journal";
    public static final String CLEAN_MARKER = "paxos.clean";
    static final String SLOTS = "slots";
    static final String META = "meta";
    static final String APPLIED = "applied";

    private final Path dir;
    private final Path file;
    private final FsyncPolicy policy;
    private final long intervalNanos;
    /** Journal segments roll at this size by default (docs: compaction deletes whole segments). */
    public static final long DEFAULT_SEGMENT_BYTES = 64L << 20;

    private final SegmentedJournal journal;
    private final Generations index;
    private final long recoveredGroups;

    private final Object writeLock = new Object();
    private final WritePlan.Records view = new WritePlan.Records() {
        @Override
        public SlotEntry get(long slot) {
            byte[] bytes = index.raw(slot);
            return bytes == null ? null : RecordFormat.decodeSlot(slot, bytes);
        }

        @Override
        public boolean contains(long slot) {
            return index.contains(slot);
        }
    };

    // Writer state, guarded by writeLock.
    private WritePlan.Meta current;
    private long prefix;
    private boolean unforced;
    private long lastForceNanos;
    private StorageException failure;
    /** The log start a force made durable: the segments below it (journal and MapDB) are gone. */
    private long durableLogStart = 1;

    private volatile long publishedPrefix;
    private volatile long diskJournalBytes;
    private volatile int diskSegments;
    private volatile long diskMapDbBytes;
    private long writesSinceMeasure;
    private volatile long publishedLogStart = 1;
    private volatile boolean closed;

    /**
     * Opens (or creates) the store under {@code dir}; after an unclean stop, rebuilds the MapDB file
     * from the journal.
     *
     * @param intervalMillis for {@link FsyncPolicy#INTERVAL}: the longest a group waits for a force
     *                       while writes keep coming; ignored by the other policies
     * @throws StorageException if the journal is corrupt or a file cannot be opened
     */
    public MapDbStorage(Path dir, FsyncPolicy policy, long intervalMillis) {
        this(dir, policy, intervalMillis, DEFAULT_SEGMENT_BYTES);
    }

    /** @param segmentBytes the journal rolls to a new segment file once the active one holds this many bytes */
    public MapDbStorage(Path dir, FsyncPolicy policy, long intervalMillis, long segmentBytes) {
        this.policy = Objects.requireNonNull(policy, "policy");
        if (policy == FsyncPolicy.INTERVAL && intervalMillis <= 0) {
            throw new IllegalArgumentException("fsync interval must be > 0 ms, was " + intervalMillis);
        }
        this.intervalNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(0, intervalMillis));
        this.dir = dir;
        this.file = dir.resolve(FILE_NAME);
        SegmentedJournal.Recovered recovered = null;
        Generations opened = null;
        try {
            Files.createDirectories(dir);
            recovered = SegmentedJournal.open(dir, segmentBytes);
            this.journal = recovered.journal();
            this.recoveredGroups = recovered.groups();
            Path marker = dir.resolve(CLEAN_MARKER);
            // sealed segments' MapDB files are trusted; the active one after a clean stop only
            opened = Generations.open(dir, journal, Files.exists(marker), () -> closed);
            this.index = opened;
            // From here on, a crash must cause a rebuild: the marker goes before the first write.
            Files.deleteIfExists(marker);
            byte[] stored = index.meta();
            this.current = stored == null ? WritePlan.Meta.EMPTY : RecordFormat.decodeMeta(stored);
            this.prefix = current.chosenPrefix();
            this.publishedPrefix = prefix;
            this.durableLogStart = current.logStart(); // open forced what it found
            this.publishedLogStart = current.logStart();
            index.delete(journal.deleteBelow(durableLogStart)); // a compaction the last run did not finish
            this.lastForceNanos = System.nanoTime();
            measureDisk(true);
        } catch (IOException | RuntimeException e) {
            closeQuietly(opened, recovered, e);
            if (e instanceof StorageException se) {
                throw new StorageException("cannot open " + dir + ": " + se.getMessage(), se);
            }
            throw new StorageException("cannot open " + dir + ": " + e, e);
        }
    }

    private static void closeQuietly(Generations index, SegmentedJournal.Recovered recovered, Exception into) {
        if (index != null) {
            index.closeQuietly(into);
        }
        try {
            if (recovered != null) {
                recovered.journal().close();
            }
        } catch (IOException | RuntimeException suppressed) {
            into.addSuppressed(suppressed);
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

    /** How many MapDB files opening rebuilt from their journal segments (after a kill: the active one). */
    public int rebuiltGenerations() {
        return index.rebuiltCount();
    }

    /** Whether opening rebuilt a MapDB file from the journal (the last stop was not clean). */
    public boolean rebuiltAtOpen() {
        return index.rebuilt();
    }

    /** Journal groups found at open. */
    public long recoveredGroups() {
        return recoveredGroups;
    }

    @Override
    public DurableState load() {
        synchronized (writeLock) {
            ensureOpen();
            List<SlotEntry> above = index.above(prefix);
            return new DurableState(current.promised(), prefix, above, current.owner(), current.incarnation(),
                    current.intact(), current.bootstrap(), current.blankToken(), current.logStart());
        }
    }

    @Override
    public void write(List<StorageWrite> writes) {
        synchronized (writeLock) {
            ensureOpen();
            if (failure != null) {
                throw new StorageException("storage " + dir + " failed earlier: " + failure.getMessage(), failure);
            }
            // Rule violations and corrupt records throw here, before anything changed.
            WritePlan plan = WritePlan.of(writes, current, view);
            if (plan.puts.isEmpty() && !plan.metaChanged) {
                return;
            }
            GroupFormat.Group group = GroupFormat.of(plan);
            try {
                if (journal.full()) {
                    roll();
                }
                boolean force = switch (policy) {
                    // Every group, chosen-only ones too: then only the frame in flight can be torn, and
                    // nothing acknowledged is lost (see Journal's recovery rule).
                    case ALWAYS -> true;
                    case INTERVAL -> System.nanoTime() - lastForceNanos >= intervalNanos;
                    case NONE -> false;
                };
                journal.append(GroupFormat.encode(group), SegmentedJournal.maxSlot(group), force);
                if (force) {
                    lastForceNanos = System.nanoTime();
                    unforced = false;
                } else {
                    unforced = true;
                }
                index.apply(group);
                index.applied(journal.activeGroups());
                boolean compacted = plan.meta.logStart() > current.logStart();
                current = plan.meta;
                prefix = plan.chosenPrefix;
                publishedPrefix = prefix;
                if (compacted) {
                    publishedLogStart = current.logStart(); // reads below it answer empty from now on
                    compact();
                }
                measureDisk(compacted || ++writesSinceMeasure % 1024 == 0);
            } catch (IOException | RuntimeException e) {
                failure = new StorageException("write to " + dir + " failed; the storage is unusable: " + e, e);
                throw failure;
            }
        }
    }

    /**
     * Forces the journal if groups were written since the last force. Under {@code INTERVAL} the driver
     * calls it every interval; under {@code ALWAYS} there is never anything to force.
     */
    @Override
    public void flush() {
        synchronized (writeLock) {
            ensureOpen();
            if (failure == null && unforced) {
                try {
                    journal.force();
                    unforced = false;
                    lastForceNanos = System.nanoTime();
                } catch (IOException | RuntimeException e) {
                    failure = new StorageException("force of " + journal.activePath() + " failed: " + e, e);
                    throw failure;
                }
            }
        }
    }

    /**
     * Seals the active segment (journal and MapDB file) and starts the next, which begins with the whole
     * meta as it stands before the group about to be written.
     */
    private void roll() throws IOException {
        GroupFormat.Group start = new GroupFormat.Group(List.of(), RecordFormat.encodeMeta(current));
        long sealedGroups = journal.activeGroups();
        journal.roll(GroupFormat.encode(start));
        index.roll(journal.activeNumber(), sealedGroups);
        index.apply(start);
        index.applied(journal.activeGroups());
        measureDisk(true);
    }

    /**
     * The log start moved: make it durable (one force, whatever the policy: the segments about to go
     * must never be needed by a store whose log start fell back), then delete the segments, journal and
     * MapDB files, that hold only slots below it.
     */
    private void compact() throws IOException {
        if (unforced) {
            journal.force();
            unforced = false;
            lastForceNanos = System.nanoTime();
        }
        durableLogStart = current.logStart();
        index.delete(journal.deleteBelow(durableLogStart));
    }

    /** Journal bytes on disk (every retained segment), as of the last write. Any thread, never blocks. */
    public long journalBytes() {
        return diskJournalBytes;
    }

    /** Journal segment files on disk, as of the last write. Any thread. */
    public int journalSegments() {
        return diskSegments;
    }

    /** Bytes of the MapDB files (one per journal segment), as of the last roll or compaction. Any thread. */
    public long mapDbBytes() {
        return diskMapDbBytes;
    }

    /** Takes the disk figures the getters above report (under the write lock). */
    private void measureDisk(boolean files) {
        diskJournalBytes = journal.sizeBytes();
        diskSegments = journal.segmentCount();
        if (files) {
            diskMapDbBytes = index.fileBytes();
        }
    }

    @Override
    public long logStart() {
        return publishedLogStart;
    }

    @Override
    public Optional<Value> chosen(long slot) {
        long published = publishedPrefix; // read before the record: it only grows
        ensureOpen();
        if (slot < publishedLogStart) {
            return Optional.empty(); // compacted
        }
        byte[] bytes = index.raw(slot);
        if (bytes == null) {
            if (slot >= 1 && slot <= published) {
                throw new StorageException("slot " + slot + " is at or below the durable chosen prefix " + published
                        + " but has no record");
            }
            return Optional.empty();
        }
        SlotEntry entry = RecordFormat.decodeSlot(slot, bytes);
        if (slot <= published || entry.chosen()) {
            return Optional.of(entry.value());
        }
        return Optional.empty();
    }

    @Override
    public long chosenPrefix() {
        return publishedPrefix;
    }

    /** Forces the journal, closes both files and leaves the clean marker. Idempotent. */
    @Override
    public void close() {
        synchronized (writeLock) {
            if (closed) {
                return;
            }
            closed = true;
            try {
                long groups = journal.groups();
                journal.force();
                journal.close();
                index.close();
                if (failure == null) {
                    // MapDB without transactions does not sync on close: make its file durable before
                    // the marker says it may be trusted.
                    index.forceClosedActive();
                    Path marker = dir.resolve(CLEAN_MARKER);
                    Files.writeString(marker, "closed cleanly after " + groups + " journal groups\n");
                    try (FileChannel channel = FileChannel.open(marker, StandardOpenOption.WRITE)) {
                        channel.force(true);
                    }
                }
            } catch (IOException | RuntimeException e) {
                throw new StorageException("closing " + dir + " failed: " + e, e);
            }
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new StorageException("storage " + file + " is closed");
        }
    }
}
