package io.paxcast.paxos.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@link MapDbStorage}'s journal as a run of segment files, so that what compaction made obsolete can
 * be deleted a file at a time: {@code paxos.journal} (segment 0, also the whole journal of a store
 * written before segments), then {@code paxos.journal.1}, {@code paxos.journal.2}, ... Each segment is
 * a {@link Journal} with its own frames and recovery rule.
 *
 * <h2>Rolling</h2>
 * Once the active segment holds {@code segmentBytes}, the next group goes to a new segment: the old
 * one is forced whole (so it is sealed: a bad frame in it later is corruption, never a torn write),
 * the new file is created and its first frame written and forced, then the directory is forced. That
 * first frame is a <em>segment start</em>: a group with the store's whole meta record (promise,
 * chosen prefix, identity, log start) and no slot records, followed by {@link #START_TRAILER} bytes:
 * {@code [magic u32][first group i64][max slot of the previous segment i64]}. So every segment
 * begins with everything a replay needs besides slot records, and deleting the segments before it
 * never loses a promise (DESIGN.md P2).
 *
 * <h2>Deleting</h2>
 * {@link #deleteBelow} deletes sealed segments from the oldest while every slot record they hold is
 * below the log start (the largest slot a segment wrote is in the next segment's start frame): those
 * records are compacted, and any later record of a retained slot is in a later segment. The caller
 * makes the log start durable first.
 *
 * <h2>Recovery</h2>
 * Sealed segments are opened with {@link Journal#openSealed} (a bad frame is refused); the last one
 * with {@link Journal#open} (a torn tail is cut). A last segment left without its start frame (the
 * node died while rolling) is removed, and the one before it is active again: it was forced whole.
 *
 * <p>Threading: the storage's write lock, like {@link Journal}.
 */
final class SegmentedJournal implements AutoCloseable {
    static final String FIRST = MapDbStorage.JOURNAL_NAME;
    static final int START_MAGIC = 0x50585353; // "PXSS"
    static final int START_TRAILER = 20;
    private static final Pattern NAME = Pattern.compile(Pattern.quote(FIRST) + "(?:\\.(\\d+))?");

    /** A sealed segment: forced whole, its slot records all at or below {@code maxSlot} (-1: none). */
    private record Sealed(long number, Path path, Journal journal, long firstGroup, long maxSlot) {}

    /** What {@link #open} found: the journal, its groups (over every segment ever), the torn tail it cut. */
    record Recovered(SegmentedJournal journal, long groups, long truncatedBytes, long droppedFrames) {}

    /** The start frame's trailer. */
    record Start(long firstGroup, long previousMaxSlot) {}

    private final Path dir;
    private final long segmentBytes;
    private final Deque<Sealed> sealed;
    private long activeNumber;
    private Path activePath;
    private Journal active;
    private long activeFirstGroup;
    private long activeMaxSlot;

    private SegmentedJournal(Path dir, long segmentBytes, Deque<Sealed> sealed, long activeNumber, Path activePath,
                             Journal active, long activeFirstGroup, long activeMaxSlot) {
        this.dir = dir;
        this.segmentBytes = segmentBytes;
        this.sealed = sealed;
        this.activeNumber = activeNumber;
        this.activePath = activePath;
        this.active = active;
        this.activeFirstGroup = activeFirstGroup;
        this.activeMaxSlot = activeMaxSlot;
    }

    /**
     * Opens the segments in {@code dir} (creating segment 0 if there is none), verifying every frame.
     *
     * @throws StorageException if a segment is corrupt, one is missing between two others, or a start
     *                          frame is not one
     */
    static Recovered open(Path dir, long segmentBytes) throws IOException {
        if (segmentBytes < 4096) {
            throw new IllegalArgumentException("journal segments of " + segmentBytes + " bytes");
        }
        TreeMap<Long, Path> files = segmentFiles(dir);
        if (files.isEmpty()) {
            files.put(0L, dir.resolve(FIRST));
        }
        long previous = -1;
        for (long n : files.keySet()) {
            if (previous >= 0 && n != previous + 1) {
                throw new StorageException("journal segment " + (previous + 1) + " is missing in " + dir
                        + " (found " + files.keySet() + ")");
            }
            previous = n;
        }
        List<Journal> opened = new ArrayList<>();
        try {
            long last = files.lastKey();
            Journal.Recovered tail = Journal.open(files.get(last));
            opened.add(tail.journal());
            if (last > 0 && tail.groups() == 0) {
                // died while rolling, before the start frame was durable: the segment before is whole
                tail.journal().close();
                opened.remove(tail.journal());
                Files.delete(files.remove(last));
                forceDirectory(dir);
                last--;
                tail = Journal.open(files.get(last));
                opened.add(tail.journal());
            }
            // every segment but segment 0 begins with a start frame: its first group, and its predecessor's largest slot
            TreeMap<Long, Journal> journals = new TreeMap<>();
            for (var e : files.headMap(last, false).entrySet()) {
                Journal.Recovered segment = Journal.openSealed(e.getValue());
                opened.add(segment.journal());
                journals.put(e.getKey(), segment.journal());
            }
            journals.put(last, tail.journal());
            TreeMap<Long, Start> starts = new TreeMap<>();
            for (var e : journals.entrySet()) {
                if (e.getKey() > 0) {
                    starts.put(e.getKey(), startOf(e.getValue(), files.get(e.getKey())));
                }
            }
            Deque<Sealed> sealed = new ArrayDeque<>();
            for (var e : journals.headMap(last, false).entrySet()) {
                long n = e.getKey();
                long firstGroup = n == 0 ? 0 : starts.get(n).firstGroup();
                sealed.add(new Sealed(n, files.get(n), e.getValue(), firstGroup, starts.get(n + 1).previousMaxSlot()));
            }
            long activeFirst = last == 0 ? 0 : starts.get(last).firstGroup();
            long[] maxSlot = {-1};
            tail.journal().replay(group -> maxSlot[0] = Math.max(maxSlot[0], maxSlot(GroupFormat.decode(group))));
            SegmentedJournal journal = new SegmentedJournal(dir, segmentBytes, sealed, last, files.get(last),
                    tail.journal(), activeFirst, maxSlot[0]);
            return new Recovered(journal, journal.groups(), tail.truncatedBytes(), tail.droppedFrames());
        } catch (IOException | RuntimeException e) {
            for (Journal j : opened) {
                try {
                    j.close();
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    private static TreeMap<Long, Path> segmentFiles(Path dir) throws IOException {
        TreeMap<Long, Path> files = new TreeMap<>();
        try (var listing = Files.list(dir)) {
            for (Path p : listing.toList()) {
                Matcher m = NAME.matcher(p.getFileName().toString());
                if (m.matches()) {
                    files.put(m.group(1) == null ? 0 : Long.parseLong(m.group(1)), p);
                }
            }
        }
        return files;
    }

    private static Start startOf(Journal segment, Path path) throws IOException {
        Start[] found = new Start[1];
        try {
            segment.replay(new Consumer<>() {
                @Override
                public void accept(byte[] group) {
                    if (found[0] == null) {
                        found[0] = parseStart(group, path);
                    }
                    throw new StopReplay();
                }
            });
        } catch (StopReplay done) {
            // only the first frame was needed
        }
        if (found[0] == null) {
            throw new StorageException("journal segment " + path + " has no start frame");
        }
        return found[0];
    }

    private static final class StopReplay extends RuntimeException {
        StopReplay() {
            super(null, null, false, false);
        }
    }

    static Start parseStart(byte[] group, Path path) {
        if (group.length < START_TRAILER) {
            throw new StorageException("journal segment " + path + " does not begin with a start frame");
        }
        ByteBuffer trailer = ByteBuffer.wrap(group, group.length - START_TRAILER, START_TRAILER);
        if (trailer.getInt() != START_MAGIC) {
            throw new StorageException("journal segment " + path + " does not begin with a start frame");
        }
        return new Start(trailer.getLong(), trailer.getLong());
    }

    /** The largest slot a group writes a record of, or -1. */
    static long maxSlot(GroupFormat.Group group) {
        long max = -1;
        for (GroupFormat.Put put : group.puts()) {
            max = Math.max(max, put.slot());
        }
        return max;
    }

    // ---------------------------------------------------------------- use

    /** One retained segment: its number and how many groups it holds. */
    record Segment(long number, long groups) {}

    /** The retained segments, oldest first, the active one last. */
    List<Segment> segments() {
        List<Segment> list = new ArrayList<>(sealed.size() + 1);
        for (Sealed s : sealed) {
            list.add(new Segment(s.number(), s.journal().groups()));
        }
        list.add(new Segment(activeNumber, active.groups()));
        return list;
    }

    long activeNumber() {
        return activeNumber;
    }

    /** Groups in the active segment. */
    long activeGroups() {
        return active.groups();
    }

    /** Hands every group of segment {@code number}, in order, to {@code consumer}. */
    void replaySegment(long number, Consumer<byte[]> consumer) throws IOException {
        if (number == activeNumber) {
            active.replay(consumer);
            return;
        }
        for (Sealed s : sealed) {
            if (s.number() == number) {
                s.journal().replay(consumer);
                return;
            }
        }
        throw new IllegalArgumentException("no journal segment " + number);
    }

    /** Groups written over the journal's life, deleted segments included: only grows. */
    long groups() {
        return activeFirstGroup + active.groups();
    }

    /** Hands every group of the retained segments, oldest first, to {@code consumer}. */
    void replay(Consumer<byte[]> consumer) throws IOException {
        for (Sealed s : sealed) {
            s.journal().replay(consumer);
        }
        active.replay(consumer);
    }

    /** Appends a group whose largest slot record is {@code maxSlot} (-1: none); see {@link Journal#append}. */
    void append(byte[] payload, long maxSlot, boolean force) throws IOException {
        active.append(payload, force);
        activeMaxSlot = Math.max(activeMaxSlot, maxSlot);
    }

    void force() throws IOException {
        active.force();
    }

    /** Whether the active segment is full: the caller then {@link #roll}s before its next group. */
    boolean full() {
        return active.size() >= segmentBytes;
    }

    /**
     * Seals the active segment and starts the next with {@code startGroup} (a group with the whole meta
     * record and no slot records), to which the start trailer is added. Durable when it returns.
     */
    void roll(byte[] startGroup) throws IOException {
        active.force();
        long number = activeNumber + 1;
        Path path = dir.resolve(FIRST + "." + number);
        Journal.Recovered created = Journal.open(path);
        Journal next = created.journal();
        try {
            if (created.groups() != 0) {
                throw new StorageException("journal segment " + path + " exists already");
            }
            long first = groups();
            byte[] frame = ByteBuffer.allocate(startGroup.length + START_TRAILER).put(startGroup).putInt(START_MAGIC)
                    .putLong(first).putLong(activeMaxSlot).array();
            next.append(frame, true);
            forceDirectory(dir);
            sealed.add(new Sealed(activeNumber, activePath, active, activeFirstGroup, activeMaxSlot));
            active = next;
            activeNumber = number;
            activePath = path;
            activeFirstGroup = first;
            activeMaxSlot = -1;
        } catch (IOException | RuntimeException e) {
            next.close();
            throw e;
        }
    }

    /**
     * Deletes the oldest sealed segments whose slot records are all below {@code logStart}. The caller
     * has made that log start durable.
     *
     * @return the numbers of the segments deleted, oldest first
     */
    List<Long> deleteBelow(long logStart) throws IOException {
        List<Long> deleted = new ArrayList<>();
        while (!sealed.isEmpty() && sealed.peekFirst().maxSlot() < logStart) {
            Sealed s = sealed.pollFirst();
            s.journal().close();
            Files.deleteIfExists(s.path());
            deleted.add(s.number());
        }
        if (!deleted.isEmpty()) {
            forceDirectory(dir);
        }
        return deleted;
    }

    /** Segments on disk, the active one included. */
    int segmentCount() {
        return sealed.size() + 1;
    }

    /** Bytes of every retained segment. */
    long sizeBytes() {
        long bytes = active.size();
        for (Sealed s : sealed) {
            bytes += s.journal().size();
        }
        return bytes;
    }

    /** The active segment: its path is where the next group goes. */
    Path activePath() {
        return activePath;
    }

    long durable() {
        return active.durable();
    }

    @Override
    public void close() throws IOException {
        IOException failure = null;
        for (Sealed s : sealed) {
            try {
                s.journal().close();
            } catch (IOException e) {
                failure = e;
            }
        }
        active.close();
        if (failure != null) {
            throw failure;
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
