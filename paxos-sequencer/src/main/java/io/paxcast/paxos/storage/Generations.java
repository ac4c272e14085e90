package io.paxcast.paxos.storage;

import io.paxcast.paxos.core.Message.SlotEntry;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The MapDB files of a {@link MapDbStorage}: one per journal segment ({@link SegmentedJournal}), each
 * holding the slot records that segment wrote. {@code paxos.mapdb} goes with segment 0 (so a store
 * written before segments is generation 0), {@code paxos.mapdb.<n>} with segment {@code n}.
 *
 * <h2>Why one per segment</h2>
 * MapDB 3.1's store never gives space back to the file system: deleting records frees space inside the
 * file that similar records may reuse, and the file only grows (measured: 30,000 slots of 100 B to
 * 20 KB through a store keeping the last 1,000, deleted record by record: 25 MB after 3,000 slots,
 * 50 MB after 30,000, still growing). A file per segment is deleted whole with its segment, so the
 * disk follows what is retained. And it bounds the work after a crash: when a segment is sealed, its
 * MapDB file is closed, forced and marked ({@code paxos.mapdb.<n>.sealed}), and never written again,
 * so after a kill only the active segment's file is rebuilt from its journal segment, however long
 * the retained log.
 *
 * <h2>Reads</h2>
 * A slot's newest record is in the newest generation that holds it (a slot accepted in one segment
 * may be chosen in the next): {@link #raw} asks the generations from the newest, skipping those whose
 * range of slots does not include it (usually one or two are asked).
 *
 * <p>Threading: changed under the storage's write lock; {@link #raw} may run on any thread (it reads
 * an immutable list of generations, replaced on every roll and deletion).
 */
final class Generations implements AutoCloseable {
    private static final Pattern NAME = Pattern.compile(Pattern.quote(MapDbStorage.FILE_NAME) + "(?:\\.(\\d+))?(\\.sealed)?");

    /** One MapDB file and the range of slots it holds records of. */
    private static final class Generation {
        final long number;
        /** Readers hold it shared; sealing (close, force, reopen) and deletion hold it alone. */
        final java.util.concurrent.locks.ReentrantReadWriteLock lock = new java.util.concurrent.locks.ReentrantReadWriteLock();
        volatile MapDbIndex index;
        volatile boolean deleted;
        volatile long first;
        volatile long last;

        Generation(long number, MapDbIndex index) {
            this.number = number;
            this.index = index;
            this.first = index.firstSlot();
            this.last = index.lastSlot();
        }

        boolean mayHold(long slot) {
            long f = first;
            return f >= 0 && slot >= f && slot <= last;
        }
    }

    private final Path dir;
    private final BooleanSupplier closed;
    /** Newest first; replaced, never changed in place. */
    private volatile List<Generation> newestFirst;
    private final int rebuiltCount;

    private Generations(Path dir, BooleanSupplier closed, List<Generation> newestFirst, int rebuiltCount) {
        this.dir = dir;
        this.closed = closed;
        this.newestFirst = newestFirst;
        this.rebuiltCount = rebuiltCount;
    }

    static Path fileOf(Path dir, long number) {
        return dir.resolve(number == 0 ? MapDbStorage.FILE_NAME : MapDbStorage.FILE_NAME + "." + number);
    }

    private static Path sealMarkerOf(Path dir, long number) {
        return dir.resolve(fileOf(dir, number).getFileName() + ".sealed");
    }

    /**
     * Opens a generation for every retained segment of {@code journal}: a sealed one is trusted when its
     * seal marker says it holds exactly its segment's groups, the active one when the last stop was
     * {@code clean}; any other is rebuilt from its segment (and sealed again if its segment is).
     * Files of segments that are gone are deleted.
     */
    static Generations open(Path dir, SegmentedJournal journal, boolean clean, BooleanSupplier closed)
            throws IOException {
        List<Generation> opened = new ArrayList<>();
        int rebuilt = 0;
        try {
            List<SegmentedJournal.Segment> segments = journal.segments();
            for (SegmentedJournal.Segment segment : segments) {
                boolean sealed = segment.number() != journal.activeNumber();
                boolean trusted = sealed ? sealedWith(dir, segment.number(), segment.groups()) : clean;
                MapDbIndex index = new MapDbIndex(fileOf(dir, segment.number()), trusted, segment.groups(), closed);
                if (index.rebuilt()) {
                    rebuilt++;
                    journal.replaySegment(segment.number(), group -> index.apply(GroupFormat.decode(group)));
                    index.applied(segment.groups());
                }
                Generation generation = new Generation(segment.number(), index);
                opened.add(0, generation);
                if (sealed && index.rebuilt()) {
                    seal(dir, generation, segment.groups(), closed);
                }
            }
            deleteOthers(dir, segments);
            return new Generations(dir, closed, List.copyOf(opened), rebuilt);
        } catch (IOException | RuntimeException e) {
            for (Generation g : opened) {
                g.index.closeQuietly(e);
            }
            throw e;
        }
    }

    private static boolean sealedWith(Path dir, long number, long groups) {
        try {
            Path marker = sealMarkerOf(dir, number);
            return Files.isRegularFile(marker) && Files.readString(marker).trim().equals("sealed " + groups);
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Closes the generation's file, forces it, marks it sealed, and opens it again (trusted from now on). */
    private static void seal(Path dir, Generation generation, long groups, BooleanSupplier closed) throws IOException {
        Path file = fileOf(dir, generation.number);
        generation.lock.writeLock().lock();
        try {
            generation.index.close();
            generation.index.forceClosedFile();
            Path marker = sealMarkerOf(dir, generation.number);
            Files.writeString(marker, "sealed " + groups + "\n");
            try (FileChannel channel = FileChannel.open(marker, StandardOpenOption.WRITE)) {
                channel.force(true);
            }
            forceDirectory(dir);
            generation.index = new MapDbIndex(file, true, groups, closed);
        } finally {
            generation.lock.writeLock().unlock();
        }
    }

    private static void deleteOthers(Path dir, List<SegmentedJournal.Segment> segments) throws IOException {
        java.util.Set<Long> kept = new java.util.HashSet<>();
        for (SegmentedJournal.Segment s : segments) {
            kept.add(s.number());
        }
        try (var listing = Files.list(dir)) {
            for (Path p : listing.toList()) {
                Matcher m = NAME.matcher(p.getFileName().toString());
                if (m.matches() && !kept.contains(m.group(1) == null ? 0L : Long.parseLong(m.group(1)))) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private Generation active() {
        return newestFirst.get(0);
    }

    /** Whether opening rebuilt any generation from its segment. */
    boolean rebuilt() {
        return rebuiltCount > 0;
    }

    int rebuiltCount() {
        return rebuiltCount;
    }

    /** Puts a group's records and meta into the active generation. */
    void apply(GroupFormat.Group group) {
        Generation active = active();
        active.index.apply(group);
        for (GroupFormat.Put put : group.puts()) {
            if (active.first < 0 || put.slot() < active.first) {
                active.first = put.slot();
            }
            active.last = Math.max(active.last, put.slot());
        }
    }

    /** Records that the active generation reflects {@code groups} groups of its segment. */
    void applied(long groups) {
        active().index.applied(groups);
    }

    /** The meta record as the newest group left it, or null if none was written. */
    byte[] meta() {
        return active().index.meta();
    }

    /** The newest record of {@code slot}, or null. */
    byte[] raw(long slot) {
        for (Generation g : newestFirst) {
            if (g.mayHold(slot)) {
                byte[] bytes;
                g.lock.readLock().lock();
                try {
                    if (g.deleted) {
                        continue; // compacted while this read began: its slots are below the log start
                    }
                    bytes = g.index.raw(slot);
                } finally {
                    g.lock.readLock().unlock();
                }
                if (bytes != null) {
                    return bytes;
                }
            }
        }
        return null;
    }

    boolean contains(long slot) {
        return raw(slot) != null;
    }

    /** Every slot's newest record above {@code prefix}, decoded and checked, in slot order. */
    List<SlotEntry> above(long prefix) {
        TreeMap<Long, SlotEntry> merged = new TreeMap<>();
        List<Generation> generations = newestFirst;
        for (int i = generations.size() - 1; i >= 0; i--) { // oldest first: newer records replace older ones
            Generation g = generations.get(i);
            if (g.last > prefix) {
                for (SlotEntry entry : g.index.above(prefix)) {
                    merged.put(entry.slot(), entry);
                }
            }
        }
        return new ArrayList<>(merged.values());
    }

    /**
     * The journal rolled to segment {@code number}: seal the active generation ({@code groups} groups)
     * and start an empty one for the new segment.
     */
    void roll(long number, long groups) throws IOException {
        Generation sealing = active();
        seal(dir, sealing, groups, closed);
        Generation next = new Generation(number, new MapDbIndex(fileOf(dir, number), false, 0, closed));
        List<Generation> list = new ArrayList<>(newestFirst.size() + 1);
        list.add(next);
        list.addAll(newestFirst);
        newestFirst = List.copyOf(list);
    }

    /** Deletes the generations of the journal segments {@code numbers} (deleted by compaction). */
    void delete(List<Long> numbers) throws IOException {
        if (numbers.isEmpty()) {
            return;
        }
        List<Generation> kept = new ArrayList<>();
        List<Generation> doomed = new ArrayList<>();
        for (Generation g : newestFirst) {
            (numbers.contains(g.number) ? doomed : kept).add(g);
        }
        newestFirst = List.copyOf(kept);
        for (Generation g : doomed) {
            g.lock.writeLock().lock();
            try {
                g.deleted = true;
                g.index.close();
            } finally {
                g.lock.writeLock().unlock();
            }
            Files.deleteIfExists(fileOf(dir, g.number));
            Files.deleteIfExists(sealMarkerOf(dir, g.number));
        }
        forceDirectory(dir);
    }

    int count() {
        return newestFirst.size();
    }

    /** Bytes of every MapDB file. */
    long fileBytes() {
        long bytes = 0;
        for (Generation g : newestFirst) {
            bytes += Math.max(0, g.index.fileBytes());
        }
        return bytes;
    }

    /** The active generation's file (for a clean close: forced after {@link #close}). */
    void forceClosedActive() throws IOException {
        active().index.forceClosedFile();
    }

    @Override
    public void close() {
        RuntimeException failure = null;
        for (Generation g : newestFirst) {
            try {
                g.index.close();
            } catch (RuntimeException e) {
                failure = e;
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    void closeQuietly(Exception into) {
        for (Generation g : newestFirst) {
            g.index.closeQuietly(into);
        }
    }

    private static void forceDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // not every file system lets a directory be opened or forced; the names are still there
        }
    }
}
