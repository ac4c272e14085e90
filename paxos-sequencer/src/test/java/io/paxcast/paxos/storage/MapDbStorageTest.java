package io.paxcast.paxos.storage;

import io.paxcast.paxos.core.Ballot;
import io.paxcast.paxos.core.DurableState;
import io.paxcast.paxos.core.Message.SlotEntry;
import io.paxcast.paxos.core.StorageWrite;
import io.paxcast.paxos.core.StorageWrite.Accepted;
import io.paxcast.paxos.core.StorageWrite.Chosen;
import io.paxcast.paxos.core.StorageWrite.ChosenPrefix;
import io.paxcast.paxos.core.StorageWrite.Promised;
import io.paxcast.paxos.core.Value;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mapdb.BTreeMap;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MapDbStorageTest extends PaxosStorageContractTest {

    @TempDir
    Path dir;

    @Override
    PaxosStorage create() {
        return MapDbStorage.open(dir);
    }

    @Override
    PaxosStorage restart() {
        storage.close();
        return MapDbStorage.open(dir);
    }

    /** Edits the closed store with plain MapDB, bypassing Paxcast's record layer. */
    private void tamper(Consumer<BTreeMap<Long, byte[]>> edit) {
        storage.close();
        try (DB db = DBMaker.fileDB(dir.resolve(MapDbStorage.FILE_NAME).toFile()).transactionEnable().make()) {
            edit.accept(db.treeMap(MapDbStorage.SLOTS, Serializer.LONG, Serializer.BYTE_ARRAY).open());
            db.commit();
        }
    }

    @Test
    void keepsOneFileInItsDirectory() {
        write(new Accepted(1, B1, value("a")));
        assertEquals(dir.resolve("paxos.mapdb"), ((MapDbStorage) storage).file());
        assertTrue(dir.resolve("paxos.mapdb").toFile().isFile());
    }

    @Test
    void aFlippedByteIsDetectedAndNamesTheSlot() {
        write(new Accepted(1, B1, value("a")), new Accepted(2, B1, value("b")), new Accepted(3, B1, value("c")));
        write(new ChosenPrefix(2));
        tamper(slots -> {
            byte[] one = slots.get(1L);
            one[one.length - 1] ^= 0x10; // in the payload, below the prefix
            slots.put(1L, one);
            byte[] three = slots.get(3L);
            three[7] ^= 0x01; // in the header, above the prefix
            slots.put(3L, three);
        });
        storage = MapDbStorage.open(dir); // the meta record is intact: it opens
        StorageException below = assertThrows(StorageException.class, () -> storage.chosen(1));
        assertTrue(below.getMessage().contains("slot 1") && below.getMessage().contains("checksum"), below.getMessage());
        assertEquals(Optional.of(value("b")), storage.chosen(2), "an intact record still reads");
        StorageException above = assertThrows(StorageException.class, () -> storage.load());
        assertTrue(above.getMessage().contains("slot 3"), above.getMessage());
        // writing over a corrupt record needs to read it first: refused, nothing changed
        assertThrows(StorageException.class, () -> write(new Chosen(3, value("c"))));
    }

    @Test
    void aTruncatedOrMisfiledRecordIsDetected() {
        write(new Accepted(1, B1, value("a")), new Accepted(2, B1, value("b")));
        tamper(slots -> {
            slots.put(1L, new byte[]{1, 2});
            slots.put(2L, new byte[0]);
        });
        storage = MapDbStorage.open(dir);
        assertThrows(StorageException.class, () -> storage.load());

        tamper(slots -> {
            slots.remove(1L);
            slots.put(2L, RecordFormat.encodeSlot(new SlotEntry(7, B1, value("x"), true)));
        });
        storage = MapDbStorage.open(dir);
        StorageException e = assertThrows(StorageException.class, () -> storage.chosen(2));
        assertTrue(e.getMessage().contains("slot 7"), e.getMessage());
    }

    @Test
    void aCorruptMetaRecordStopsTheOpen() {
        write(new Promised(B2), new Accepted(1, B2, value("a")));
        storage.close();
        try (DB db = DBMaker.fileDB(dir.resolve(MapDbStorage.FILE_NAME).toFile()).transactionEnable().make()) {
            var meta = db.atomicVar(MapDbStorage.META, Serializer.BYTE_ARRAY).open();
            byte[] bytes = meta.get();
            bytes[bytes.length - 1] ^= 1;
            meta.set(bytes);
            db.commit();
        }
        StorageException e = assertThrows(StorageException.class, () -> MapDbStorage.open(dir));
        assertTrue(e.getMessage().contains("meta"), e.getMessage());
        storage = new InMemoryStorage(); // for @AfterEach
    }

    @Test
    void underIntervalAGroupIsReadableOnceJournaledAndForcedLater() {
        storage.close();
        MapDbStorage interval = new MapDbStorage(dir, FsyncPolicy.INTERVAL, 3_600_000);
        storage = interval;
        write(new Accepted(1, B1, value("a")), new Chosen(2, value("b")), new ChosenPrefix(1));
        // in the journal (the OS has it: a killed process loses nothing), not yet forced to the disk
        assertEquals(1, storage.chosenPrefix());
        assertEquals(Optional.of(value("a")), storage.chosen(1));
        assertEquals(Optional.of(value("b")), storage.chosen(2));
        interval.flush();
        storage.close();
        storage = MapDbStorage.open(dir);
        assertEquals(1, storage.chosenPrefix(), "reopened after a clean close");
        assertEquals(Optional.of(value("b")), storage.chosen(2));
    }

    @Test
    void closeCommitsUnderIntervalAndNone() {
        for (FsyncPolicy policy : List.of(FsyncPolicy.INTERVAL, FsyncPolicy.NONE)) {
            storage.close();
            storage = new MapDbStorage(dir, policy, 3_600_000);
            long slot = policy.ordinal() * 10L + 1;
            write(new Accepted(slot, B1, value(policy.name())));
            storage.close();
            storage = MapDbStorage.open(dir);
            assertTrue(storage.load().slots().contains(new SlotEntry(slot, B1, value(policy.name()), false)), policy.name());
        }
    }

    @Test
    void noneShowsWhatWasWrittenBecauseNothingIsEverDurable() {
        storage.close();
        storage = new MapDbStorage(dir, FsyncPolicy.NONE, 0);
        write(new Accepted(1, B1, value("a")), new Chosen(2, value("b")), new ChosenPrefix(2));
        assertEquals(2, storage.chosenPrefix());
        assertEquals(Optional.of(value("a")), storage.chosen(1));
    }

    @Test
    void aClosedStorageRefusesWork() {
        storage.close();
        storage.close(); // idempotent
        assertThrows(StorageException.class, () -> write(new Promised(B1)));
        assertThrows(StorageException.class, () -> storage.chosen(1));
        assertThrows(StorageException.class, () -> storage.load());
    }

    @Test
    void anIntervalOfZeroIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new MapDbStorage(dir.resolve("x"), FsyncPolicy.INTERVAL, 0));
    }

    @Test
    void readersOnAnotherThreadSeeOnlyCommittedChosenValues() throws Exception {
        int groups = 150;
        AtomicBoolean done = new AtomicBoolean();
        AtomicLong reads = new AtomicLong();
        ExecutorService reader = Executors.newSingleThreadExecutor();
        try {
            CompletableFuture<Void> checks = CompletableFuture.runAsync(() -> {
                while (!done.get()) {
                    long prefix = storage.chosenPrefix();
                    for (long s = Math.max(1, prefix - 5); s <= prefix + 3; s++) {
                        Optional<Value> v = storage.chosen(s);
                        if (s <= prefix && v.isEmpty()) {
                            throw new AssertionError("slot " + s + " at or below prefix " + prefix + " not readable");
                        }
                        v.ifPresent(value -> {
                            // the writer marks every 3rd slot chosen above the prefix
                            if (!value.equals(valueOf(value.timestampMillis()))) {
                                throw new AssertionError("wrong value " + value);
                            }
                        });
                        reads.incrementAndGet();
                    }
                }
            }, reader);
            Ballot ballot = B1;
            for (long g = 1; g <= groups; g++) {
                List<StorageWrite> writes = new ArrayList<>();
                long first = 2 * g - 1;
                writes.add(new Accepted(first, ballot, valueOf(first)));
                writes.add(new Chosen(first + 1, valueOf(first + 1)));
                writes.add(new ChosenPrefix(first - 1));
                storage.write(writes);
                assertEquals(first - 1, storage.chosenPrefix());
                assertEquals(Optional.of(valueOf(first + 1)), storage.chosen(first + 1));
            }
            done.set(true);
            checks.get(30, TimeUnit.SECONDS);
            assertTrue(reads.get() > 0);
        } finally {
            done.set(true);
            reader.shutdownNow();
        }
        storage = restart();
        DurableState state = storage.load();
        assertEquals(2L * groups - 2, state.chosenPrefix());
        assertEquals(2, state.slots().size());
    }

    private static Value valueOf(long slot) {
        return Value.batch(slot, slot, List.of(new io.paxcast.paxos.core.Command(new io.paxcast.paxos.core.CommandId("c", 1, slot), 0, new byte[(int) (slot % 300)])));
    }

    @Test
    void anUncleanStopRebuildsTheMapDbFileFromTheJournalAndCutsATornTail() throws Exception {
        write(new Promised(B2), new Accepted(1, B2, value("a")), new Chosen(1, value("a")), new ChosenPrefix(1));
        write(new Accepted(2, B2, value("b")));
        storage.close();
        // a crash: no clean marker, a MapDB file that cannot be trusted, half a frame at the journal's end
        java.nio.file.Files.delete(dir.resolve(MapDbStorage.CLEAN_MARKER));
        java.nio.file.Files.write(dir.resolve(MapDbStorage.FILE_NAME), new byte[] {1, 2, 3});
        java.nio.file.Files.write(dir.resolve(MapDbStorage.JOURNAL_NAME), new byte[] {0x50, 0x58, 0x4a, 0x32, 0, 0, 1},
                java.nio.file.StandardOpenOption.APPEND);
        MapDbStorage reopened = MapDbStorage.open(dir);
        storage = reopened;
        assertTrue(reopened.rebuiltAtOpen());
        assertEquals(2, reopened.recoveredGroups());
        var state = storage.load();
        assertEquals(B2, state.promised());
        assertEquals(1, state.chosenPrefix());
        assertEquals(Optional.of(value("a")), storage.chosen(1));
        assertEquals(value("b"), state.slots().get(0).value());
        write(new Chosen(2, value("b")), new ChosenPrefix(2)); // and it goes on from there
        storage.close();
        storage = MapDbStorage.open(dir);
        assertEquals(2, storage.chosenPrefix());
        assertTrue(!((MapDbStorage) storage).rebuiltAtOpen(), "a clean close is trusted");
    }

    /**
     * Media corruption of a durable frame: under {@code always} the first group was forced before the
     * second was appended, so the second frame records the journal durable past the first: a bad first
     * frame cannot be a torn write.
     */
    @Test
    void aCorruptFrameInsideTheJournalStopsTheOpen() throws Exception {
        write(new Accepted(1, B1, value("first")));
        write(new Accepted(2, B1, value("second")));
        storage.close();
        List<long[]> frames = damageJournal((bytes, written) -> {
            assertEquals(written.get(0)[1], written.get(1)[2], "the second frame covers the first");
            bytes[Journal.HEADER + 2] ^= 0x40; // inside the first frame's payload; a valid frame follows
        });
        StorageException e = assertThrows(StorageException.class, () -> MapDbStorage.open(dir));
        assertTrue(e.getMessage().contains("corrupt journal") && e.getMessage().contains("durable up to byte "
                + frames.get(0)[1]), e.getMessage());
        storage = new InMemoryStorage(); // for @AfterEach
    }

    /**
     * The review's case: under {@code interval} (or {@code none}) a power loss tore a frame while the
     * page cache had written a later one back. No frame records the torn one as durable: the tail from
     * it on is cut, whole, and the store opens (it was refused, and the node demoted, before).
     */
    @Test
    void aTornFrameWithLaterUnforcedFramesIsCutNotRefused() throws Exception {
        storage.close();
        storage = new MapDbStorage(dir, FsyncPolicy.INTERVAL, 3_600_000); // no force before the close
        write(new Promised(B1), new Accepted(1, B1, value("one")));
        write(new Accepted(2, B1, value("two")));
        write(new Accepted(3, B1, value("three")));
        storage.close();
        List<long[]> frames = damageJournal((bytes, written) ->
                bytes[(int) written.get(1)[0] + Journal.HEADER + 5] ^= 0x08); // the second frame lost a sector
        MapDbStorage reopened = MapDbStorage.open(dir);
        storage = reopened;
        assertEquals(1, reopened.recoveredGroups());
        assertEquals(List.of(new SlotEntry(1, B1, value("one"), false)), storage.load().slots());
        assertEquals(frames.get(0)[1], java.nio.file.Files.size(dir.resolve(MapDbStorage.JOURNAL_NAME)),
                "cut after the first frame");
    }

    /** Under {@code always} a group of learner knowledge only is forced too: the next frame records it durable. */
    @Test
    void underAlwaysAChosenOnlyGroupIsForcedBeforeWriteReturns() throws Exception {
        write(new Accepted(1, B1, value("a")));
        write(new Chosen(1, value("a")), new ChosenPrefix(1)); // learner knowledge only
        write(new Accepted(2, B1, value("b")));
        storage.close();
        List<long[]> frames = frames(java.nio.file.Files.readAllBytes(dir.resolve(MapDbStorage.JOURNAL_NAME)));
        assertEquals(3, frames.size());
        assertEquals(frames.get(1)[1], frames.get(2)[2], "the chosen-only group was forced before the next one");
    }

    /** A journal the previous version wrote (PXJ1 frames) still opens, and new groups follow it as PXJ2. */
    @Test
    void aJournalOfThePreviousVersionOpensAndGoesOn() throws Exception {
        write(new Promised(B2), new Accepted(1, B2, value("a")), new Chosen(2, value("b")));
        write(new ChosenPrefix(2));
        storage.close();
        java.nio.file.Path journal = dir.resolve(MapDbStorage.JOURNAL_NAME);
        byte[] current = java.nio.file.Files.readAllBytes(journal);
        java.io.ByteArrayOutputStream legacy = new java.io.ByteArrayOutputStream();
        for (long[] frame : frames(current)) {
            legacy.writeBytes(JournalTest.legacyFrame(java.util.Arrays.copyOfRange(current,
                    (int) frame[0] + Journal.HEADER, (int) frame[1])));
        }
        java.nio.file.Files.write(journal, legacy.toByteArray());
        java.nio.file.Files.delete(dir.resolve(MapDbStorage.CLEAN_MARKER)); // rebuilt from the old frames
        storage = MapDbStorage.open(dir);
        assertEquals(2, ((MapDbStorage) storage).recoveredGroups());
        assertEquals(B2, storage.load().promised());
        assertEquals(2, storage.chosenPrefix());
        write(new Accepted(3, B2, value("c")));
        storage.close();
        java.nio.file.Files.delete(dir.resolve(MapDbStorage.CLEAN_MARKER));
        storage = MapDbStorage.open(dir);
        assertEquals(3, ((MapDbStorage) storage).recoveredGroups());
        assertEquals(List.of(new SlotEntry(3, B2, value("c"), false)), storage.load().slots());
        assertEquals(Optional.of(value("b")), storage.chosen(2));
    }

    /**
     * Damages the closed store's journal in place: {@code damage} changes its bytes, given with their
     * {@link #frames}; the bytes are written back and the clean marker is deleted, so that the next
     * open reads the journal. Returns the frames as they were written.
     */
    private List<long[]> damageJournal(BiConsumer<byte[], List<long[]>> damage) throws java.io.IOException {
        Path journal = dir.resolve(MapDbStorage.JOURNAL_NAME);
        byte[] bytes = java.nio.file.Files.readAllBytes(journal);
        List<long[]> frames = frames(bytes);
        damage.accept(bytes, frames);
        java.nio.file.Files.write(journal, bytes);
        java.nio.file.Files.delete(dir.resolve(MapDbStorage.CLEAN_MARKER));
        return frames;
    }

    /** The PXJ2 frames of a journal file: {@code [start, end, durableUpTo]} each. */
    /**
     * Compaction deletes whole journal segments and MapDB records, and what a restart needs is never
     * among them: after the promise was written once, thousands of groups rolled many segments and the
     * oldest were deleted; an unclean restart (MapDB rebuilt from the retained segments only) still
     * finds the promise, the identity, the log start and every retained slot.
     */
    @Test
    void compactionDeletesOldSegmentsAndAnUncleanRestartStillFindsThePromise() throws Exception {
        storage.close();
        storage = new MapDbStorage(dir, FsyncPolicy.ALWAYS, 0, 8192);
        write(new StorageWrite.Incarnation("n1", 7), new Promised(B2));
        long slots = 600;
        for (long slot = 1; slot <= slots; slot++) {
            write(new Accepted(slot, B2, valueOf(slot)), new ChosenPrefix(slot));
            if (slot % 100 == 0) {
                write(new StorageWrite.LogStart(slot - 50));
            }
        }
        MapDbStorage store = (MapDbStorage) storage;
        int segments = store.journalSegments();
        assertTrue(segments >= 2 && segments <= 8, segments + " segments retained of "
                + java.nio.file.Files.list(dir).count() + " files");
        assertTrue(store.journalBytes() < 64 * 1024, "journal " + store.journalBytes() + " bytes");
        assertTrue(!java.nio.file.Files.exists(dir.resolve(MapDbStorage.JOURNAL_NAME)), "segment 0 was deleted");

        // kill -9: no clean marker, so MapDB is rebuilt from the segments that are left
        java.nio.file.Path copy = java.nio.file.Files.createTempDirectory("unclean");
        try (var files = java.nio.file.Files.list(dir)) {
            for (java.nio.file.Path p : files.toList()) {
                java.nio.file.Files.copy(p, copy.resolve(p.getFileName()));
            }
        }
        MapDbStorage reopened = new MapDbStorage(copy, FsyncPolicy.ALWAYS, 0, 8192);
        try {
            assertTrue(reopened.rebuiltAtOpen());
            assertEquals(1, reopened.rebuiltGenerations(), "only the active segment's MapDB file is rebuilt");
            DurableState state = reopened.load();
            assertEquals(B2, state.promised(), "the promise survives the deletion of the segment it was written in");
            assertEquals("n1", state.owner());
            assertEquals(7, state.incarnation());
            assertEquals(slots - 50, state.logStart());
            assertEquals(slots, state.chosenPrefix());
            for (long slot = 1; slot <= slots; slot++) {
                assertEquals(slot >= slots - 50 ? Optional.of(valueOf(slot)) : Optional.empty(), reopened.chosen(slot),
                        "slot " + slot);
            }
        } finally {
            reopened.close();
        }
        // and a clean restart of the original
        storage = restart();
        assertEquals(B2, storage.load().promised());
        assertEquals(Optional.of(valueOf(slots)), storage.chosen(slots));
    }

    /**
     * With compaction, disk depends on what is retained, not on what was ever written: 30,000 slots of
     * 100 B to 20 KB go through a store that keeps the last 1,000; the journal and the MapDB files
     * (one per segment, deleted with it) stay flat. Deleting records inside one MapDB file did not do
     * that: the file grew from 25 to 50 MB over the same run and was still growing.
     */
    @Test
    void diskFlattensOnceCompactionKeepsUp() throws Exception {
        storage.close();
        MapDbStorage store = new MapDbStorage(dir, FsyncPolicy.NONE, 0, 1L << 20);
        storage = store;
        write(new StorageWrite.Incarnation("n1", 1), new Promised(B1));
        long retained = 1_000;
        long total = 30_000;
        List<long[]> samples = new ArrayList<>(); // slot, journal bytes, MapDB bytes
        for (long slot = 1; slot <= total; slot++) {
            write(new Accepted(slot, B1, CrashWriter.valueFor(slot)), new ChosenPrefix(slot));
            if (slot % 100 == 0 && slot > retained) {
                write(new StorageWrite.LogStart(slot - retained));
            }
            if (slot % 3_000 == 0) {
                samples.add(new long[] {slot, store.journalBytes(), store.mapDbBytes()});
            }
        }
        StringBuilder table = new StringBuilder("slot journal mapdb\n");
        samples.forEach(x -> table.append(x[0]).append(' ').append(x[1]).append(' ').append(x[2]).append('\n'));
        System.out.print("disk under compaction (" + retained + " slots of ~10 KB retained):\n" + table);
        long retainedBytes = retained * 10_100;
        for (long[] x : samples.subList(3, samples.size())) {
            assertTrue(x[1] < 3 * retainedBytes + (2L << 20), "journal at slot " + x[0] + ": " + x[1] + " B\n" + table);
        }
        long mapDbAtThird = samples.get(samples.size() / 3)[2];
        long mapDbAtEnd = samples.get(samples.size() - 1)[2];
        assertTrue(mapDbAtEnd <= mapDbAtThird * 3 / 2, "MapDB grew from " + mapDbAtThird + " to " + mapDbAtEnd
                + " B while the retained log stayed the same\n" + table);
    }

    private static List<long[]> frames(byte[] journal) {
        java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(journal);
        List<long[]> frames = new ArrayList<>();
        while (in.hasRemaining()) {
            int start = in.position();
            assertEquals(Journal.MAGIC, in.getInt(), "a PXJ2 frame at byte " + start);
            int length = in.getInt();
            in.getInt();
            long durableUpTo = in.getLong();
            in.position(in.position() + length);
            frames.add(new long[]{start, in.position(), durableUpTo});
        }
        return frames;
    }
}
