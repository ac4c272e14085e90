package io.paxcast.paxos.storage;

import io.paxcast.paxos.core.Message.SlotEntry;

import org.mapdb.Atomic;
import org.mapdb.BTreeMap;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * One MapDB file of {@link MapDbStorage} ({@link Generations}: one per journal segment), the indexed
 * store reads use, derived from its journal segment and rebuilt from it whenever it cannot be
 * trusted. MapDB runs without transactions here (no sync on the hot path).
 *
 * <h2>Layout</h2>
 * <ul>
 *   <li>{@code slots}: a B-tree {@code slot -> record}, one entry per slot holding the whole batch;</li>
 *   <li>{@code meta}: the promised ballot, the chosen prefix and the acceptor's identity (owner,
 *       incarnation, intact) in one record;</li>
 *   <li>{@code applied}: how many journal groups the MapDB file reflects (checked at a clean start).</li>
 * </ul>
 * Each record carries a CRC-32C ({@link RecordFormat}), verified by the storage on every read.
 *
 * <p>Threading: as {@link MapDbStorage}'s: written under its lock, read from any thread.
 */
final class MapDbIndex {
    private final Path file;
    private final DB db;
    private final BTreeMap<Long, byte[]> slots;
    private final Atomic.Var<byte[]> meta;
    private final Atomic.Long applied;
    private final boolean rebuilt;
    /** The storage's closed flag: a read failing after close is "closed", not corruption. */
    private final BooleanSupplier closed;

    /**
     * Opens {@code file} if it may be {@code trusted} (closed cleanly, or sealed) and reflects exactly
     * {@code journalGroups} groups of its segment; else deletes it and creates an empty one, which the
     * caller then fills by replaying the segment ({@link #rebuilt()}).
     */
    MapDbIndex(Path file, boolean trusted, long journalGroups, BooleanSupplier closed) throws IOException {
        this.file = file;
        this.closed = closed;
        DB candidate = trusted ? tryOpen(file) : null;
        if (candidate != null && groupsIn(candidate) != journalGroups) {
            candidate.close(); // a MapDB file that does not match the journal is not trusted
            candidate = null;
        }
        this.rebuilt = candidate == null;
        if (candidate == null) {
            Files.deleteIfExists(file);
            candidate = openMapDb(file);
        }
        this.db = candidate;
        try {
            this.slots = db.treeMap(MapDbStorage.SLOTS, Serializer.LONG, Serializer.BYTE_ARRAY).valuesOutsideNodesEnable()
                    .createOrOpen();
            this.meta = db.atomicVar(MapDbStorage.META, Serializer.BYTE_ARRAY).createOrOpen();
            this.applied = db.atomicLong(MapDbStorage.APPLIED).createOrOpen();
        } catch (RuntimeException e) {
            closeQuietly(e);
            throw e;
        }
    }

    /**
     * MapDB memory-mapped: its default volume (RandomAccessFile) reads the store a byte at a time, one
     * read(2) per byte. strace of a leader at one publish in flight: about 40 one-byte reads of
     * paxos.mapdb per write group on the storage thread, which spent ~14 ms per group before its journal
     * force began. Mapping is safe here because the MapDB file is only an index: the journal is forced
     * first, and a start after a crash rebuilds the file from the journal (a torn mapped page is never read).
     */
    private static DB openMapDb(Path file) {
        return DBMaker.fileDB(file.toFile()).fileMmapEnableIfSupported().cleanerHackEnable().make();
    }

    private static DB tryOpen(Path file) {
        try {
            return Files.exists(file) ? openMapDb(file) : null;
        } catch (RuntimeException e) {
            return null; // unreadable: rebuilt from the journal
        }
    }

    private static long groupsIn(DB db) {
        try {
            return db.exists(MapDbStorage.APPLIED) ? db.atomicLong(MapDbStorage.APPLIED).open().get() : -1;
        } catch (RuntimeException e) {
            return -1;
        }
    }

    Path file() {
        return file;
    }

    /** Whether opening found no trusted file, so the caller must replay the journal into this one. */
    boolean rebuilt() {
        return rebuilt;
    }

    /** Puts a group's records and meta into MapDB. */
    void apply(GroupFormat.Group group) {
        for (GroupFormat.Put put : group.puts()) {
            slots.put(put.slot(), put.record());
        }
        if (group.meta() != null) {
            meta.set(group.meta());
        }
    }

    /** Records that the file now reflects {@code groups} journal groups. */
    void applied(long groups) {
        applied.set(groups);
    }

    /** The stored meta record, or null if none was written. */
    byte[] meta() {
        return meta.get();
    }

    /** The stored bytes of {@code slot}, or null; a MapDB failure becomes a {@link StorageException}. */
    byte[] raw(long slot) {
        try {
            return slots.get(slot);
        } catch (IllegalAccessError e) { // MapDB's "store was closed", racing close()
            throw new StorageException("storage " + file + " is closed", e);
        } catch (RuntimeException e) {
            if (closed.getAsBoolean()) {
                throw new StorageException("storage " + file + " is closed", e);
            }
            throw unreadable("slot " + slot, e);
        }
    }

    /** The lowest slot with a record here, or -1. */
    long firstSlot() {
        try {
            return slots.isEmpty() ? -1 : slots.firstKey();
        } catch (RuntimeException e) {
            throw unreadable("the first slot", e);
        }
    }

    /** The highest slot with a record here, or -1. */
    long lastSlot() {
        try {
            return slots.isEmpty() ? -1 : slots.lastKey();
        } catch (RuntimeException e) {
            throw unreadable("the last slot", e);
        }
    }

    /** The MapDB file's length on disk. */
    long fileBytes() {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return -1;
        }
    }

    boolean contains(long slot) {
        try {
            return slots.containsKey(slot);
        } catch (RuntimeException e) {
            throw unreadable("slot " + slot, e);
        }
    }

    /** Every slot record above {@code prefix}, decoded and checked, in slot order. */
    List<SlotEntry> above(long prefix) {
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
        return above;
    }

    /** MapDB itself failed to read (a broken pointer, a torn node): the store is corrupt. */
    StorageException unreadable(String what, RuntimeException cause) {
        return new StorageException("corrupt store " + file + ": MapDB cannot read " + what + ": " + cause, cause);
    }

    void close() {
        db.close();
    }

    /** Closes the file after a failed open, adding a failure to close to {@code into}. */
    void closeQuietly(Exception into) {
        try {
            db.close();
        } catch (RuntimeException suppressed) {
            into.addSuppressed(suppressed);
        }
    }

    /**
     * MapDB without transactions does not sync on close: makes its closed file durable, before a
     * marker may say it can be trusted.
     */
    void forceClosedFile() throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.force(true);
        }
    }
}
