package io.paxcast.broadcast.log;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * The snapshot files of one node: {@code <dir>/snapshot-<slot>.snap}, each a {@link LogSnapshot}
 * followed by a CRC-32C of everything before it.
 *
 * <p>A snapshot is published atomically: written to a temporary file, forced, renamed, and the
 * directory forced; a crash leaves the previous snapshots as they were and at most a temporary file,
 * removed at the next start.
 *
 * <p>Which are kept ({@link #write}): the newest {@link #KEPT} (a node starts from the newest; if it is
 * damaged, the medium, not a crash, from the one before); the <em>base</em>, the newest whose slot lies
 * below the retention point; and a few between the base and the newest, at least a quarter of that
 * distance apart, which become the base in turn as the retention point moves past them. The base is
 * what the log is compacted to (the node forgets the slots up to it and keeps every retained one after
 * it), and what a peer that must catch up past the compaction point installs before it fetches the
 * retained log ({@link #base}). So the log kept on disk is the retained one plus at most about a
 * quarter of it, and at most {@code KEPT + 5} snapshot files.
 *
 * <p>Threading: {@link #write} blocks on fsync (call it off the event loop); one writer at a time.
 */
public final class SnapshotFiles {
    private static final Logger log = LoggerFactory.getLogger(SnapshotFiles.class);
    static final int KEPT = 2;
    private static final String PREFIX = "snapshot-";
    private static final String SUFFIX = ".snap";

    private final Path dir;

    public SnapshotFiles(Path dir) {
        this.dir = dir;
    }

    public Path dir() {
        return dir;
    }

    /** Writes {@code snapshot} durably, then removes all but the newest {@link #KEPT} (no base is kept). */
    public void write(LogSnapshot snapshot) {
        write(snapshot, 1);
    }

    /**
     * Writes {@code snapshot} durably, then removes every snapshot but the newest {@link #KEPT} and the base
     * below {@code retainedFromSlot} (the earliest slot retention keeps).
     */
    public void write(LogSnapshot snapshot, long retainedFromSlot) {
        Path target = dir.resolve(name(snapshot.slot()));
        Path tmp = dir.resolve(name(snapshot.slot()) + ".tmp");
        try {
            Files.createDirectories(dir);
            try (FileChannel file = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                CRC32C crc = new CRC32C();
                DataOutputStream out = new DataOutputStream(new CheckedOutputStream(
                        new BufferedOutputStream(Channels.newOutputStream(file), 1 << 16), crc));
                snapshot.writeTo(out);
                out.flush();
                out.writeInt((int) crc.getValue()); // taken before the checksum itself went through
                out.flush();
                file.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            forceDirectory();
            for (Path doomed : prunable(snapshotFiles(), retainedFromSlot)) {
                Files.deleteIfExists(doomed);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the snapshot of slot " + snapshot.slot() + " to " + dir, e);
        }
    }

    /**
     * The newest whole snapshot written by {@code owner}, if any; damaged or foreign ones are skipped
     * (and logged). Removes temporary files a crash left.
     */
    public Optional<LogSnapshot> latest(String owner) {
        try {
            if (!Files.isDirectory(dir)) {
                return Optional.empty();
            }
            try (var listing = Files.list(dir)) {
                for (Path p : listing.filter(p -> p.getFileName().toString().endsWith(SUFFIX + ".tmp")).toList()) {
                    Files.deleteIfExists(p);
                }
            }
            for (Path file : snapshotFiles()) {
                try {
                    LogSnapshot snapshot = read(file);
                    if (!snapshot.owner().equals(owner)) {
                        log.warn("event=snapshot_skipped file={} reason=\"written by node {}, not {}\"", file,
                                snapshot.owner(), owner);
                        continue;
                    }
                    return Optional.of(snapshot);
                } catch (IOException e) {
                    log.warn("event=snapshot_skipped file={} reason=\"{}\"", file, e.getMessage());
                }
            }
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the snapshots in " + dir, e);
        }
    }

    /** The files to delete of {@code files} (newest first): see the class comment for what is kept. */
    static List<Path> prunable(List<Path> files, long retainedFromSlot) {
        if (files.size() <= KEPT) {
            return List.of();
        }
        long newest = slotOf(files.get(0));
        Path base = null;
        for (Path p : files) {
            if (slotOf(p) < retainedFromSlot) {
                base = p;
                break;
            }
        }
        long spacing = Math.max(1, (newest - Math.max(retainedFromSlot, base == null ? 0 : slotOf(base))) / 4);
        List<Path> doomed = new ArrayList<>();
        long lastKept = base == null ? Long.MIN_VALUE / 2 : slotOf(base);
        for (int i = files.size() - 1; i >= KEPT; i--) { // oldest first
            Path p = files.get(i);
            long slot = slotOf(p);
            // before anything expired there is no base to come: only the newest are kept
            boolean keep = p.equals(base) || (retainedFromSlot > 1 && slot >= retainedFromSlot && slot - lastKept >= spacing);
            if (keep) {
                lastKept = slot;
            } else {
                doomed.add(p);
            }
        }
        return doomed;
    }

    /**
     * The slot of the base: the newest snapshot below {@code retainedFromSlot} (the slots after it hold
     * every retained message). Empty if there is none yet (nothing expired, or no snapshot is old enough).
     */
    public Optional<Long> base(long retainedFromSlot) {
        try {
            return baseFile(retainedFromSlot).map(SnapshotFiles::slotOf);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the snapshots in " + dir, e);
        }
    }

    private Optional<Path> baseFile(long retainedFromSlot) throws IOException {
        for (Path p : snapshotFiles()) {
            if (slotOf(p) < retainedFromSlot) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** The file of the snapshot of {@code slot}, if it is kept. */
    public Optional<Path> fileOf(long slot) {
        Path p = dir.resolve(name(slot));
        return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
    }

    /** The oldest kept snapshot's file: the base when there is one (what a peer installs). */
    public Optional<Path> oldest() {
        try {
            List<Path> files = snapshotFiles();
            return files.isEmpty() ? Optional.empty() : Optional.of(files.get(files.size() - 1));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the snapshots in " + dir, e);
        }
    }

    public static long slotOf(Path file) {
        String n = file.getFileName().toString();
        return Long.parseLong(n.substring(PREFIX.length(), n.length() - SUFFIX.length()));
    }

    /** Reads one snapshot file, checksum first (also one fetched from a peer). */
    public static LogSnapshot read(Path file) throws IOException {
        CRC32C crc = new CRC32C();
        try (InputStream raw = Files.newInputStream(file)) {
            DataInputStream in = new DataInputStream(new CheckedInputStream(new BufferedInputStream(raw, 1 << 16), crc));
            LogSnapshot snapshot;
            try {
                snapshot = LogSnapshot.readFrom(in);
            } catch (java.io.EOFException e) {
                throw new IOException("truncated", e);
            }
            int expected = (int) crc.getValue();
            if (in.readInt() != expected || in.read() != -1) {
                throw new IOException("checksum mismatch");
            }
            return snapshot;
        }
    }

    /** The snapshot files, newest first. */
    List<Path> snapshotFiles() throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (var listing = Files.list(dir)) {
            List<Path> files = new ArrayList<>(listing.filter(p -> {
                String n = p.getFileName().toString();
                return n.startsWith(PREFIX) && n.endsWith(SUFFIX);
            }).toList());
            files.sort(Comparator.comparing((Path p) -> p.getFileName().toString()).reversed());
            return files;
        }
    }

    /** Zero-padded, so names sort as slots do. */
    private static String name(long slot) {
        return String.format("%s%020d%s", PREFIX, slot, SUFFIX);
    }

    private void forceDirectory() {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // not every file system lets a directory be opened or forced; the rename is still atomic
        }
    }
}
