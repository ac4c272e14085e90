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
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * A file of fixed-size records, memory-mapped in segments of {@code 2^segmentShift} records that
 * are mapped the first time a write reaches them. Record {@code r} lives in segment
 * {@code r >>> segmentShift}, so addressing is a shift and a mask (no division), and a record never
 * straddles two mappings (one {@link MappedByteBuffer} is limited to 2 GiB in Java 17).
 *
 * <p>Why mapped and not {@code FileChannel.write}: a write is a store into the page cache, with no
 * system call and no heap buffer; the kernel writes dirty pages back on its own schedule and nothing
 * here ever calls fsync except {@link #force()}. A measured pwrite per record was several times
 * slower (see {@code IndexStorageCandidatesTest}). Mapping a segment extends the file to the
 * segment's end; the file is sparse, so only pages actually written take disk blocks.
 *
 * <p>Memory: the mapped pages count in the process RSS as file-backed page cache (shared, and
 * reclaimable by the kernel: clean pages are dropped, dirty ones written back), not in the Java heap;
 * the heap holds one small buffer object per segment.
 *
 * <p>Byte order is little-endian whatever the platform, so a kept file reads the same everywhere.
 * Not thread-safe; after {@link #close()} the mappings are released and any access throws.
 */
final class MappedRecords implements AutoCloseable {
    /** {@code Unsafe.invokeCleaner}: unmaps now instead of at some later GC; null if unavailable. */
    private static final MethodHandle UNMAP = findUnmapper();

    private final Path path;
    private final FileChannel file;
    private final int recordBytes;
    private final int segmentShift;
    private final long segmentMask;
    private MappedByteBuffer[] segments = new MappedByteBuffer[4];
    private int mapped;

    /**
     * @param recordBytes  the size of one record
     * @param segmentShift log2 of the records per mapping; {@code recordBytes << segmentShift} must
     *                     stay below 2 GiB
     * @param truncate     true to start from an empty file, false to keep the file's content
     */
    MappedRecords(Path path, int recordBytes, int segmentShift, boolean truncate) {
        if (recordBytes <= 0 || segmentShift < 0 || ((long) recordBytes << segmentShift) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("segment of " + recordBytes + " << " + segmentShift + " bytes");
        }
        this.path = path;
        this.recordBytes = recordBytes;
        this.segmentShift = segmentShift;
        this.segmentMask = (1L << segmentShift) - 1;
        try {
            this.file = truncate
                    ? FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ,
                            StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)
                    : FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open " + path, e);
        }
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

    /** Maps the segments holding records {@code [0, records)}: a kept file's content, before reads. */
    void mapThrough(long records) {
        if (records > 0) {
            writable(records - 1);
        }
    }

    private int byteIndex(long record, int field) {
        return (int) (record & segmentMask) * recordBytes + field;
    }

    /** Reads only address records that were written, so their segment is mapped. */
    private MappedByteBuffer segment(long record) {
        return segments[(int) (record >>> segmentShift)];
    }

    private MappedByteBuffer writable(long record) {
        int s = (int) (record >>> segmentShift);
        return s < mapped ? segments[s] : map(s);
    }

    /** Maps every segment up to {@code s} (writes are sequential or near it, so usually just one). */
    private MappedByteBuffer map(int s) {
        if (segments == null) {
            throw new IllegalStateException(path + " is closed");
        }
        if (s >= segments.length) {
            segments = Arrays.copyOf(segments, Math.max(s + 1, segments.length * 2));
        }
        long bytes = (long) recordBytes << segmentShift;
        try {
            while (mapped <= s) {
                MappedByteBuffer b = file.map(FileChannel.MapMode.READ_WRITE, mapped * bytes, bytes);
                b.order(ByteOrder.LITTLE_ENDIAN);
                segments[mapped++] = b;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot map " + path + " segment " + s, e);
        }
        return segments[s];
    }

    /** Writes the dirty pages back and waits for the disk: blocking, for a durable close only. */
    void force() {
        for (int i = 0; i < mapped; i++) {
            segments[i].force();
        }
    }

    /**
     * Writes back the pages of records {@code [0, records)} and waits for the disk. May run on another
     * thread than the writer's, while it writes on (a snapshot's worker): it only reads the segments
     * that held those records when the caller handed the work over. The owner must not {@link #close}
     * meanwhile.
     */
    void forceThrough(long records) {
        MappedByteBuffer[] current = segments;
        if (current == null) {
            throw new IllegalStateException(path + " is closed");
        }
        long needed = Math.min(current.length, records <= 0 ? 0 : ((records - 1) >>> segmentShift) + 1);
        for (int i = 0; i < needed; i++) {
            if (current[i] != null) { // an index started after an installed snapshot never wrote the segments before it
                current[i].force();
            }
        }
    }

    /** The file's length: whole mapped segments, of which only the written pages occupy disk. */
    long fileBytes() {
        try {
            return file.size();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        MappedByteBuffer[] toUnmap = segments;
        if (toUnmap == null) {
            return;
        }
        segments = null; // any later access fails with an exception, never touches an unmapped page
        for (int i = 0; i < mapped; i++) {
            unmap(toUnmap[i]);
        }
        mapped = 0;
        try {
            file.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close " + path, e);
        }
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
