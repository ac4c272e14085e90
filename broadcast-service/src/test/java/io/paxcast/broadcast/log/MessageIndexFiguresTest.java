package io.paxcast.broadcast.log;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Prints {@link MessageIndex}'s throughput, heap and disk figures on this machine, and asserts only
 * the bounds that make it worth having: the heap does not grow with messages, and per channel it
 * stays small. Speeds are printed, never asserted (the machine is shared).
 *
 * <p>{@code -Dpaxcast.indexFiguresMessages=N} (default 4,000,000) sets the log size.
 */
class MessageIndexFiguresTest {
    private static final int CHANNELS = 1_000;
    private static final int BATCH = 20;

    @TempDir
    Path tmp;

    @Test
    void throughputHeapAndDisk() {
        long total = Long.getLong("paxcast.indexFiguresMessages", 4_000_000L);
        String[] names = new String[CHANNELS];
        for (int i = 0; i < names.length; i++) {
            names[i] = "room-" + i;
        }
        SplittableRandom random = new SplittableRandom(1);
        long heapBefore = usedHeapAfterGc();
        try (MessageIndex index = MessageIndex.create(tmp.resolve("figures"))) {
            long warm = 1_000_000;
            append(index, names, random, warm); // also warms the JIT up
            long heapAtWarm = usedHeapAfterGc();

            long started = System.nanoTime();
            append(index, names, random, total - warm);
            double appendSeconds = seconds(started);
            long heapAtEnd = usedHeapAfterGc();

            started = System.nanoTime();
            long sum = 0;
            for (long seq = 1; seq <= total; seq++) {
                sum += index.message(seq).offset();
            }
            double sequentialSeconds = seconds(started);
            assertTrue(sum > 0);

            int pages = 20_000;
            started = System.nanoTime();
            long read = readPages(index, names, random, pages, 100);
            double page100Seconds = seconds(started);
            started = System.nanoTime();
            long read1000 = readPages(index, names, random, pages / 10, 1000);
            double page1000Seconds = seconds(started);

            int resumes = 200_000;
            started = System.nanoTime();
            for (int i = 0; i < resumes; i++) {
                Set<String> set = new HashSet<>();
                for (int k = 0; k < 10; k++) {
                    set.add(names[pickChannel(random)]);
                }
                sum += index.nextSeqIn(set, random.nextLong(total));
            }
            double resumeSeconds = seconds(started);

            double perMillion = (heapAtEnd - heapAtWarm) / ((total - warm) / 1e6);
            System.out.printf("MessageIndex figures: %,d messages in %,d channels, batches of %d%n", total, CHANNELS, BATCH);
            System.out.printf("  appendMessage (+ slotApplied)  %,12.0f msg/s%n", (total - warm) / appendSeconds);
            System.out.printf("  sequential message(seq)        %,12.0f msg/s%n", total / sequentialSeconds);
            System.out.printf("  channel pages of 100           %,12.0f pages/s (%,.0f msg/s, channelSeqs + message)%n",
                    pages / page100Seconds, read / page100Seconds);
            System.out.printf("  channel pages of 1000          %,12.0f pages/s (%,.0f msg/s)%n",
                    pages / 10 / page1000Seconds, read1000 / page1000Seconds);
            System.out.printf("  nextSeqIn over 10 channels     %,12.0f calls/s%n", resumes / resumeSeconds);
            System.out.printf("  heap: index %,d B after %,d messages (estimate %,d B); growth %,.0f B per 10^6 messages%n",
                    heapAtEnd - heapBefore, total, index.heapBytes(), perMillion);
            System.out.printf("  disk: %,d B in use = %.2f B/message (files %,d B, sparse)%n",
                    index.diskBytes(), (double) index.diskBytes() / total, index.fileBytes());
            // the old heap index took >= 16 B per message; this must not grow with messages at all
            assertTrue(heapAtEnd - heapAtWarm < 2_000_000,
                    "heap grew " + (heapAtEnd - heapAtWarm) + " B over " + (total - warm) + " messages");
        }
    }

    /** Heap per channel, measured with 100k channels of one message each, beside the estimate. */
    @Test
    void heapPerChannel() {
        int channels = 100_000;
        long before = usedHeapAfterGc();
        try (MessageIndex index = MessageIndex.create(tmp.resolve("channels"))) {
            for (int seq = 1; seq <= channels; seq++) {
                index.slotApplied(seq, seq, seq);
                index.appendMessage(seq, seq, 0, "channel-" + seq, IndexModel.hashOf(seq)); // 12-14 chars, like real names
            }
            long measured = usedHeapAfterGc() - before;
            assertEquals(channels, index.channelCount());
            System.out.printf("MessageIndex heap per channel: %.0f B measured (names of ~13 chars included), "
                            + "%.0f B estimated; disk %.0f B per one-message channel%n",
                    (double) measured / channels, (double) index.heapBytes() / channels,
                    (double) index.diskBytes() / channels);
            assertTrue(measured / channels < 300, "heap per channel " + measured / channels);
        }
    }

    private static void append(MessageIndex index, String[] names, SplittableRandom random, long count) {
        long seq = index.headSeq();
        long end = seq + count;
        long slot = index.lastSlot();
        while (seq < end) {
            slot++;
            index.slotApplied(slot, seq + 1, slot);
            int n = (int) Math.min(BATCH, end - seq);
            for (int position = 0; position < n; position++) {
                index.appendMessage(seq + 1, slot, position, names[pickChannel(random)], IndexModel.hashOf(++seq));
            }
        }
    }

    /** Skewed: a few hot channels hold most messages, so channels span many blocks or few. */
    private static int pickChannel(SplittableRandom random) {
        double u = random.nextDouble();
        return (int) (CHANNELS * u * u * u);
    }

    private static long readPages(MessageIndex index, String[] names, SplittableRandom random, int pages, int limit) {
        long read = 0;
        for (int i = 0; i < pages; i++) {
            String channel = names[pickChannel(random)];
            long head = index.channelHead(channel);
            long[] seqs = index.channelSeqs(channel, head <= limit ? 0 : random.nextLong(head - limit), limit);
            for (long seq : seqs) {
                read += index.message(seq).position() >= 0 ? 1 : 0;
            }
        }
        return read;
    }

    private static double seconds(long startedNanos) {
        return (System.nanoTime() - startedNanos) / 1e9;
    }

    /** The heap in use after full collections (the least of three, so what one collection left floating does not count). */
    static long usedHeapAfterGc() {
        Runtime runtime = Runtime.getRuntime();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            used = Math.min(used, runtime.totalMemory() - runtime.freeMemory());
        }
        return used;
    }
}
