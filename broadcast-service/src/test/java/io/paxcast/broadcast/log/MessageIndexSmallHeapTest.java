package io.paxcast.broadcast.log;

import org.eclipse.collections.impl.list.mutable.primitive.LongArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The rule itself, in a JVM of its own with a 16 MiB heap: {@link MessageIndex} takes 6 million
 * messages over 1000 channels and still answers; the same log kept the way BroadcastLog keeps it
 * today (a LongArrayList of seqs per channel, two per slot) runs out of heap in the same JVM size,
 * which shows the run would catch an index that grows with messages.
 *
 * <p>{@code -Dpaxcast.smallHeapMessages=N} changes the log size.
 */
class MessageIndexSmallHeapTest {
    private static final int CHANNELS = 1_000;

    @TempDir
    Path tmp;

    @Test
    void sixMillionMessagesFitASixteenMebibyteHeap() throws Exception {
        long messages = Long.getLong("paxcast.smallHeapMessages", 6_000_000L);
        Child index = fork("index", messages);
        assertEquals(0, index.exit, index.output);
        assertTrue(index.output.contains("ok head=" + messages), index.output);
        System.out.print("MessageIndexSmallHeapTest (-Xmx16m) index: " + index.output);

        Child heapLists = fork("heap-lists", messages);
        assertNotEquals(0, heapLists.exit, "the heap-list control should not fit: " + heapLists.output);
        assertTrue(heapLists.output.contains("OutOfMemoryError"), heapLists.output);
        System.out.println("MessageIndexSmallHeapTest (-Xmx16m) heap lists like BroadcastLog's: OutOfMemoryError");
    }

    private record Child(int exit, String output) {}

    private Child fork(String mode, long messages) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Path log = tmp.resolve(mode + ".out");
        Process process = new ProcessBuilder(java, "-Xmx16m", "-XX:+UseSerialGC", "-cp", classpath,
                MessageIndexSmallHeapTest.class.getName(), mode, tmp.resolve(mode).toString(), Long.toString(messages))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        boolean finished = process.waitFor(5, TimeUnit.MINUTES);
        if (!finished) {
            process.destroyForcibly().waitFor();
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        if (!finished) {
            throw new AssertionError(mode + " child did not finish in 5 minutes: " + output);
        }
        return new Child(process.exitValue(), output);
    }

    /** The child: appends {@code messages} in slots of 20 the chosen way, then reads a little back. */
    public static void main(String[] args) {
        String mode = args[0];
        Path dir = Path.of(args[1]);
        long messages = Long.parseLong(args[2]);
        String[] names = new String[CHANNELS];
        for (int i = 0; i < CHANNELS; i++) {
            names[i] = "room-" + i;
        }
        if (mode.equals("heap-lists")) {
            heapLists(names, messages);
            return;
        }
        try (MessageIndex index = MessageIndex.create(dir)) {
            long seq = 0;
            for (long slot = 1; seq < messages; slot++) {
                index.slotApplied(slot, seq + 1, slot);
                for (int position = 0; position < 20 && seq < messages; position++) {
                    seq++;
                    index.appendMessage(seq, slot, position, names[(int) (seq * 7919 % CHANNELS)], IndexModel.hashOf(seq));
                }
            }
            MessageRef last = index.message(messages);
            long[] page = index.channelSeqs(last.channel(), last.offset() - 100, 100);
            if (page.length != 100 || page[99] != messages) {
                throw new IllegalStateException("wrong page");
            }
            Runtime runtime = Runtime.getRuntime();
            System.gc();
            System.out.printf("ok head=%d heap used %,d B of max %,d B, index disk %,d B%n", index.headSeq(),
                    runtime.totalMemory() - runtime.freeMemory(), runtime.maxMemory(), index.diskBytes());
        }
    }

    /** BroadcastLog's current indexes for the same log: slotFirstSeq, slotTs, channelSeqs. */
    private static void heapLists(String[] names, long messages) {
        LongArrayList slotFirstSeq = new LongArrayList();
        LongArrayList slotTs = new LongArrayList();
        Map<String, LongArrayList> channelSeqs = new HashMap<>();
        long seq = 0;
        for (long slot = 1; seq < messages; slot++) {
            slotFirstSeq.add(seq + 1);
            slotTs.add(slot);
            for (int position = 0; position < 20 && seq < messages; position++) {
                seq++;
                channelSeqs.computeIfAbsent(names[(int) (seq * 7919 % CHANNELS)], c -> new LongArrayList()).add(seq);
            }
        }
        List<Object> keep = new ArrayList<>(List.of(slotFirstSeq, slotTs, channelSeqs));
        System.out.println("ok head=" + seq + " " + keep.size());
    }
}
