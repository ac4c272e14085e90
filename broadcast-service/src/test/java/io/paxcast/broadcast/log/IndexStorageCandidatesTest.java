package io.paxcast.broadcast.log;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import org.mapdb.BTreeMap;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The storage choice behind {@link MessageIndex}, measured: the same workload (appends of 20-message
 * slots over 1000 skewed channels, then sequential reads by seq, then random channel pages of 100)
 * on three stores:
 * <ol>
 *   <li>MapDB 3.1.0, {@code fileDB(..).fileMmapEnableIfSupported()} without transactions: B-trees
 *       seq -> long[3], slot -> long[2], (channel id << 40 | offset) -> seq;</li>
 *   <li>plain files through {@code FileChannel}, one positional write or read per record (the
 *       fixed-record layout of MessageIndex without mapping);</li>
 *   <li>{@link MessageIndex} itself (the same layout, memory-mapped).</li>
 * </ol>
 * Opt-in, it takes a while: {@code -Dpaxcast.indexCandidates=true} (messages: {@code
 * -Dpaxcast.indexCandidatesMessages}, default 1,000,000).
 */
@EnabledIfSystemProperty(named = "paxcast.indexCandidates", matches = "true")
class IndexStorageCandidatesTest {
    private static final int CHANNELS = 1_000;
    private static final int BATCH = 20;
    private static final int PAGE = 100;

    @TempDir
    Path tmp;

    /** The three operations a candidate must offer, nothing else. */
    private interface Candidate extends AutoCloseable {
        void slot(long slot, long firstSeq, long ts);

        void append(long seq, long slot, int position, int channel, long offset);

        /** Returns something of the record, so the read cannot be optimized away. */
        long message(long seq);

        long[] page(int channel, long afterOffset, int limit);

        /** The bytes on disk after the appends. */
        long diskBytes();

        @Override
        void close();
    }

    @Test
    void compare() throws IOException {
        long total = Long.getLong("paxcast.indexCandidatesMessages", 1_000_000L);
        System.out.printf("Index storage candidates: %,d messages, %d channels, slots of %d, pages of %d%n",
                total, CHANNELS, BATCH, PAGE);
        measure("MapDB 3.1.0 BTreeMap (mmap, no tx)", new MapDbCandidate(tmp.resolve("mapdb")), total);
        measure("FileChannel pwrite/pread per record", new FileChannelCandidate(tmp), total);
        measure("MessageIndex (mapped records)", new MessageIndexCandidate(tmp.resolve("index")), total);
    }

    private static void measure(String name, Candidate candidate, long total) {
        try (candidate) {
            long[] heads = new long[CHANNELS];
            SplittableRandom random = new SplittableRandom(3);
            long started = System.nanoTime();
            long seq = 0;
            for (long slot = 1; seq < total; slot++) {
                candidate.slot(slot, seq + 1, slot);
                for (int position = 0; position < BATCH && seq < total; position++) {
                    double u = random.nextDouble();
                    int channel = (int) (CHANNELS * u * u * u);
                    candidate.append(++seq, slot, position, channel, ++heads[channel]);
                }
            }
            double append = total / seconds(started);
            double bytesPerMessage = (double) candidate.diskBytes() / total;

            started = System.nanoTime();
            long sum = 0;
            for (long s = 1; s <= total; s++) {
                sum += candidate.message(s);
            }
            double sequential = total / seconds(started);

            int pages = 5_000;
            long read = 0;
            started = System.nanoTime();
            for (int i = 0; i < pages; i++) {
                double u = random.nextDouble();
                int channel = (int) (CHANNELS * u * u * u);
                long after = heads[channel] <= PAGE ? 0 : random.nextLong(heads[channel] - PAGE);
                for (long s : candidate.page(channel, after, PAGE)) {
                    sum += candidate.message(s);
                    read++;
                }
            }
            double paged = read / seconds(started);
            assertTrue(sum != 0);
            System.out.printf("  %-38s append %,11.0f msg/s  sequential %,11.0f msg/s  pages %,11.0f msg/s  disk %5.1f B/msg%n",
                    name, append, sequential, paged, bytesPerMessage);
        }
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static double seconds(long startedNanos) {
        return (System.nanoTime() - startedNanos) / 1e9;
    }

    private static final class MapDbCandidate implements Candidate {
        private final DB db;
        private final BTreeMap<Long, long[]> messages;
        private final BTreeMap<Long, long[]> slots;
        private final BTreeMap<Long, Long> channels;
        private final Path file;

        MapDbCandidate(Path file) {
            this.file = file;
            db = DBMaker.fileDB(file.toFile()).fileMmapEnableIfSupported().make();
            messages = db.treeMap("messages", Serializer.LONG, Serializer.LONG_ARRAY).createOrOpen();
            slots = db.treeMap("slots", Serializer.LONG, Serializer.LONG_ARRAY).createOrOpen();
            channels = db.treeMap("channels", Serializer.LONG, Serializer.LONG).createOrOpen();
        }

        @Override
        public void slot(long slot, long firstSeq, long ts) {
            slots.put(slot, new long[] {firstSeq, ts});
        }

        @Override
        public void append(long seq, long slot, int position, int channel, long offset) {
            messages.put(seq, new long[] {slot, ((long) channel << 32) | position, offset});
            channels.put(((long) channel << 40) | offset, seq);
        }

        @Override
        public long message(long seq) {
            long[] m = messages.get(seq);
            return m[2] + slots.get(m[0])[1];
        }

        @Override
        public long[] page(int channel, long afterOffset, int limit) {
            long from = ((long) channel << 40) | (afterOffset + 1);
            return channels.subMap(from, true, from + limit, false).values().stream().mapToLong(Long::longValue).toArray();
        }

        @Override
        public long diskBytes() {
            return size(file);
        }

        @Override
        public void close() {
            db.close();
        }
    }

    /** MessageIndex's layout on plain files, one system call per record and no mapping. */
    private static final class FileChannelCandidate implements Candidate {
        private final FileChannel messages;
        private final FileChannel slots;
        private final FileChannel entries;
        private final ByteBuffer buffer = ByteBuffer.allocateDirect(24).order(ByteOrder.LITTLE_ENDIAN);
        private final ByteBuffer page = ByteBuffer.allocateDirect(8 * 1024).order(ByteOrder.LITTLE_ENDIAN);
        /** Like MessageIndex's blocks, simplified: every channel gets 1024-entry blocks. */
        private final long[][] blocks = new long[CHANNELS][];
        private long allocated;
        private final Path dir;

        FileChannelCandidate(Path dir) throws IOException {
            this.dir = dir;
            messages = open(dir.resolve("fc-messages"));
            slots = open(dir.resolve("fc-slots"));
            entries = open(dir.resolve("fc-entries"));
        }

        private static FileChannel open(Path path) throws IOException {
            return FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        }

        @Override
        public void slot(long slot, long firstSeq, long ts) {
            buffer.clear();
            buffer.putLong(firstSeq).putLong(ts).flip();
            write(slots, (slot - 1) * 16);
        }

        @Override
        public void append(long seq, long slot, int position, int channel, long offset) {
            buffer.clear();
            buffer.putLong(slot).putInt(channel).putInt(position).putLong(offset).flip();
            write(messages, (seq - 1) * 24);
            int block = (int) ((offset - 1) / 1024);
            if (blocks[channel] == null || block >= blocks[channel].length) {
                long[] grown = new long[block + 16];
                if (blocks[channel] != null) {
                    System.arraycopy(blocks[channel], 0, grown, 0, blocks[channel].length);
                }
                blocks[channel] = grown;
            }
            if ((offset - 1) % 1024 == 0) {
                blocks[channel][block] = allocated;
                allocated += 1024;
            }
            buffer.clear();
            buffer.putLong(seq).flip();
            write(entries, (blocks[channel][block] + (offset - 1) % 1024) * 8);
        }

        @Override
        public long message(long seq) {
            buffer.clear();
            read(messages, buffer, (seq - 1) * 24);
            long slot = buffer.getLong(0);
            long offset = buffer.getLong(16);
            buffer.clear().limit(8);
            read(slots, buffer, (slot - 1) * 16 + 8);
            return offset + buffer.getLong(0);
        }

        @Override
        public long[] page(int channel, long afterOffset, int limit) {
            // pages never cross a 1024 block here more than once: read up to two runs
            long[] out = new long[limit];
            int n = 0;
            for (long o = afterOffset; n < limit; ) {
                int block = (int) (o / 1024);
                int within = (int) (o % 1024);
                int run = Math.min(limit - n, 1024 - within);
                page.clear().limit(run * 8);
                read(entries, page, (blocks[channel][block] + within) * 8);
                for (int i = 0; i < run; i++) {
                    out[n++] = page.getLong(i * 8);
                }
                o += run;
            }
            return out;
        }

        @Override
        public long diskBytes() {
            return size(dir.resolve("fc-messages")) + size(dir.resolve("fc-slots")) + size(dir.resolve("fc-entries"));
        }

        private void write(FileChannel file, long position) {
            try {
                while (buffer.hasRemaining()) {
                    file.write(buffer, position + buffer.position());
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        private static void read(FileChannel file, ByteBuffer into, long position) {
            try {
                while (into.hasRemaining()) {
                    if (file.read(into, position + into.position()) < 0) {
                        throw new IllegalStateException("short read at " + position);
                    }
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void close() {
            try {
                messages.close();
                slots.close();
                entries.close();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static final class MessageIndexCandidate implements Candidate {
        private final MessageIndex index;
        private final String[] names = new String[CHANNELS];

        MessageIndexCandidate(Path dir) {
            index = MessageIndex.create(dir);
            for (int i = 0; i < CHANNELS; i++) {
                names[i] = "room-" + i;
            }
        }

        @Override
        public void slot(long slot, long firstSeq, long ts) {
            index.slotApplied(slot, firstSeq, ts);
        }

        @Override
        public void append(long seq, long slot, int position, int channel, long offset) {
            index.appendMessage(seq, slot, position, names[channel], IndexModel.hashOf(seq));
        }

        @Override
        public long message(long seq) {
            MessageRef m = index.message(seq);
            return m.offset() + m.ts();
        }

        @Override
        public long[] page(int channel, long afterOffset, int limit) {
            return index.channelSeqs(names[channel], afterOffset, limit);
        }

        @Override
        public long diskBytes() {
            return index.diskBytes();
        }

        @Override
        public void close() {
            index.close();
        }
    }
}
