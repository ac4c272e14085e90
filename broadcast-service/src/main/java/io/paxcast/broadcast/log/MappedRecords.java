package io.paxcast.broadcast.log;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * Fixed-size records in segment files of {@code 2^segmentShift} records each, memory-mapped the first
 * time a write reaches them: record {@code r} lives in segment {@code r >>> segmentShift}, file
 * {@code <name>.<segment>}, so addressing is a shift and a mask (no division), and a record never
 * straddles two mappings (one {@link MappedByteBuffer} is limited to 2 GiB in Java 17).
 *
 * <p>Why a file per segment: retention forgets the oldest records, and a segment wholly below the
 * {@linkplain #dropBelow floor} is unmapped at once and its file deleted later
 * ({@link #deleteFilesBelow}, once nothing durable refers to it), so the disk holds what is retained
 * plus at most a segment or two, never everything ever written.
 *
 * <p>Why mapped and not {@code FileChannel.write}: a write is a store into the page cache, with no
 * system call and no heap buffer; the kernel writes dirty pages back on its own schedule and nothing
 * here ever calls fsync except {@link #force()}. A measured pwrite per record was several times
 * slower (see {@code IndexStorageCandidatesTest}). Mapping a segment creates its file at the whole
 * segment's length; the file is sparse, so only pages actually written take disk blocks.
 *
 * <p>Memory: the mapped pages count in the process RSS as file-backed page cache (shared, and
 * reclaimable by the kernel: clean pages are dropped, dirty ones written back), not in the Java heap;
 * the heap holds one small buffer object per mapped segment and one reference per segment ever.
 *
 * <p>Byte order is little-endian whatever the platform, so a kept file reads the same everywhere.
 * Not thread-safe (but see {@link #forceThrough}); after {@link #close()} the mappings are released
 * and any access throws.
 */
final class MappedRecords implements AutoCloseable {
    /** {@code Unsafe.invokeCleaner}: unmaps now instead of at some later GC; null if unavailable. */
    private static final MethodHandle UNMAP = findUnmapper();

    private final Path dir;
    private final String name;
    private final int recordBytes;
    private final int segmentShift;
    private final long segmentMask;
    private MappedByteBuffer[] segments = new MappedByteBuffer[4];
    /** Segments below this one are not held (dropped, or never written in an index that started later). */
    private int floor;
    /** Segments {@code [floor, mapped)} are mapped. */
    private int mapped;

    /**
     * @param name         the files' name before the segment number
     * @param recordBytes  the size of one record
     * @param segmentShift log2 of the records per segment; {@code recordBytes << segmentShift} must
     *                     stay below 2 GiB
     * @param truncate     true to start from nothing (every segment file of {@code name} is deleted),
     *                     false to keep the files' content
     * @param firstRecord  the first record held: the segments wholly below it are neither mapped nor needed
     */
    MappedRecords(Path dir, String name, int recordBytes, int segmentShift, boolean truncate, long firstRecord) {
        if (recordBytes <= 0 || segmentShift < 0 || ((long) recordBytes << segmentShift) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("segment of " + recordBytes + " << " + segmentShift + " bytes");
        }
        this.dir = dir;
        this.name = name;
        this.recordBytes = recordBytes;
        this.segmentShift = segmentShift;
        this.segmentMask = (1L << segmentShift) - 1;
        if (truncate) {
            deleteFilesBelow(dir, name, Integer.MAX_VALUE);
            try {
                Files.deleteIfExists(dir.resolve(name)); // a single file of an index before segment files
            } catch (IOException e) {
                throw new UncheckedIOException("cannot delete " + dir.resolve(name), e);
            }
        }
        this.floor = segmentOf(firstRecord, segmentShift);
        this.mapped = floor;
    }

    /** The file of segment {@code segment} of {@code name}. */
    static Path file(Path dir, String name, int segment) {
        return dir.resolve(name + "." + segment);
    }

    private static int segmentOf(long record, int segmentShift) {
        long s = Math.max(0, record) >>> segmentShift;
        if (s >= Integer.MAX_VALUE) {
            throw new IllegalArgumentException("record " + record + " is beyond the last segment");
        }
        return (int) s;
    }

    /**
     * Whether the segment files holding records {@code [from, to)} are all there at their whole
     * length: what a kept index needs before it trusts its manifest.
     */
    static boolean filesCover(Path dir, String name, int recordBytes, int segmentShift, long from, long to) {
        if (to <= from) {
            return true;
        }
        long bytes = (long) recordBytes << segmentShift;
        for (int s = segmentOf(from, segmentShift); s <= segmentOf(to - 1, segmentShift); s++) {
            try {
                if (Files.size(file(dir, name, s)) < bytes) {
                    return false;
                }
            } catch (IOException e) {
                return false;
            }
        }
        return true;
    }

    /**
     * Deletes the segment files of {@code name} below segment {@code floorSegment}: those a durable
     * snapshot no longer refers to. Recomputed from the directory each time, so files a failed or
     * interrupted deletion left are deleted by the next one. Safe beside the owner writing on (it
     * never maps a segment below its floor again).
     *
     * @return the bytes the deleted files had
     */
    static long deleteFilesBelow(Path dir, String name, int floorSegment) {
        long freed = 0;
        String prefix = name + ".";
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, prefix + "*")) {
            for (Path f : files) {
                String suffix = f.getFileName().toString().substring(prefix.length());
                if (suffix.isEmpty() || !suffix.chars().allMatch(Character::isDigit) || suffix.length() > 10
                        || Long.parseLong(suffix) >= floorSegment) {
                    continue;
                }
                long size = Files.size(f);
                Files.deleteIfExists(f);
                freed += size;
            }
        } catch (NoSuchFileException e) {
            return freed;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete expired segments of " + dir.resolve(name), e);
        }
        return freed;
    }

    /** {@link #deleteFilesBelow(Path, String, int)} for the segments wholly below record {@code firstRecord}. */
    static long deleteFilesBelowRecord(Path dir, String name, int segmentShift, long firstRecord) {
        return deleteFilesBelow(dir, name, segmentOf(firstRecord, segmentShift));
    }

    long getLong(long record, int field) {
        return segment(record).getLong(byteIndex(record, field));
    }

    int getInt(long record, int field) {
        return segment(record).getInt(byteIndex(record, field));
    }

    void putLong(long record, int field, long value) {
        writable(record).putLong(byteIndex(record, field), value);
    }

    void putInt(long record, int field, int value) {
        writable(record).putInt(byteIndex(record, field), value);
    }

    /** Maps the segments holding records {@code [first held, records)}: a kept file's content, before reads. */
    void mapThrough(long records) {
        if (records > 0 && segmentOf(records - 1, segmentShift) >= floor) {
            writable(records - 1);
        }
    }

    /**
     * Unmaps the segments wholly below record {@code record}: nothing below it is read or written
     * again. Their files stay until {@link #deleteFilesBelow}: a snapshot taken before may still
     * refer to them. The caller must not let {@link #forceThrough} run meanwhile.
     */
    void dropBelow(long record) {
        int s = segmentOf(record, segmentShift);
        if (segments == null) {
            throw new IllegalStateException(dir.resolve(name) + " is closed");
        }
        for (int i = floor; i < Math.min(s, mapped); i++) {
            MappedByteBuffer gone = segments[i];
            segments[i] = null;
            unmap(gone);
        }
        if (s > floor) {
            floor = s;
            mapped = Math.max(mapped, floor);
        }
    }

    private int byteIndex(long record, int field) {
        return (int) (record & segmentMask) * recordBytes + field;
    }

    /** Reads only address records that were written and are held, so their segment is mapped. */
    private MappedByteBuffer segment(long record) {
        MappedByteBuffer b = segments[(int) (record >>> segmentShift)];
        if (b == null) {
            throw new IllegalStateException("record " + record + " of " + dir.resolve(name) + " is not held");
        }
        return b;
    }

    private MappedByteBuffer writable(long record) {
        int s = (int) (record >>> segmentShift);
        if (s < floor) {
            throw new IllegalStateException("record " + record + " of " + dir.resolve(name) + " is below the floor");
        }
        return s < mapped ? segments[s] : map(s);
    }

    /** Maps every segment up to {@code s} (writes are sequential or near it, so usually just one). */
    private MappedByteBuffer map(int s) {
        if (segments == null) {
            throw new IllegalStateException(dir.resolve(name) + " is closed");
        }
        if (s >= segments.length) {
            segments = Arrays.copyOf(segments, Math.max(s + 1, segments.length * 2));
        }
        long bytes = (long) recordBytes << segmentShift;
        while (mapped <= s) {
            Path f = file(dir, name, mapped);
            // The mapping stays valid after the channel is closed: no file handle is held per segment.
            try (FileChannel channel = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE)) {
                MappedByteBuffer b = channel.map(FileChannel.MapMode.READ_WRITE, 0, bytes);
                b.order(ByteOrder.LITTLE_ENDIAN);
                segments[mapped++] = b;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot map " + f, e);
            }
        }
        return segments[s];
    }

    /** Writes the dirty pages back and waits for the disk: blocking, for a durable close only. */
    void force() {
        for (int i = floor; i < mapped; i++) {
            segments[i].force();
        }
    }

    /**
     * Writes back the pages of records {@code [first held, records)} and waits for the disk. May run on
     * another thread than the writer's, while it writes on (a snapshot's worker): it only reads the
     * segments that held those records when the caller handed the work over. The owner must not
     * {@link #close} or {@link #dropBelow} meanwhile.
     */
    void forceThrough(long records) {
        MappedByteBuffer[] current = segments;
        if (current == null) {
            throw new IllegalStateException(dir.resolve(name) + " is closed");
        }
        long needed = Math.min(current.length, records <= 0 ? 0 : ((records - 1) >>> segmentShift) + 1);
        for (int i = 0; i < needed; i++) {
            MappedByteBuffer b = current[i];
            if (b != null) { // below the floor, or never written by an index started after an installed snapshot
                b.force();
            }
        }
    }

    /** The held segments' length: whole segments, of which only the written pages occupy disk. */
    long fileBytes() {
        return (long) (mapped - floor) * ((long) recordBytes << segmentShift);
    }

    @Override
    public void close() {
        MappedByteBuffer[] toUnmap = segments;
        if (toUnmap == null) {
            return;
        }
        segments = null; // any later access fails with an exception, never touches an unmapped page
        for (int i = floor; i < mapped; i++) {
            unmap(toUnmap[i]);
        }
        mapped = floor;
    }

    private static void unmap(ByteBuffer buffer) {
        if (UNMAP == null) {
            return; // the GC unmaps it when the buffer is collected
        }
        try {
            UNMAP.invokeExact(buffer);
        } catch (Throwable e) {
            throw new IllegalStateException("cannot unmap", e);
        }
    }

    private static MethodHandle findUnmapper() {
        try {
            Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
            Field theUnsafe = unsafeClass.getDeclaredField("theUnsafe");
            theUnsafe.setAccessible(true);
            return MethodHandles.lookup()
                    .findVirtual(unsafeClass, "invokeCleaner", MethodType.methodType(void.class, ByteBuffer.class))
                    .bindTo(theUnsafe.get(null));
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }
}
