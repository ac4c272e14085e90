package io.paxcast.broadcast.log;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link MessageIndex}'s edges: block geometry, empty slots, many tiny channels, argument checks. */
class MessageIndexTest {
    @TempDir
    Path dir;

    @Test
    void blockGeometryCoversEveryIndexOnceWithTheDocumentedSizes() {
        int[] expected = {16, 32, 64, 128, 256, 512, 1024, 1024, 1024};
        for (int k = 0; k < expected.length; k++) {
            assertEquals(expected[k], ChannelLists.capacity(k), "capacity of block " + k);
        }
        long index = 0;
        for (int k = 0; k < 200; k++) {
            assertEquals(index, ChannelLists.firstIndex(k), "first index of block " + k);
            for (int i = 0; i < ChannelLists.capacity(k); i++, index++) {
                assertEquals(k, ChannelLists.blockOf(index), "block of index " + index);
            }
        }
        assertEquals(6 + (10_000_000_000L - 1008) / 1024, ChannelLists.blockOf(10_000_000_000L));
    }

    @Test
    void emptyIndexAnswersNothing() {
        try (MessageIndex index = MessageIndex.create(dir)) {
            assertEquals(0, index.headSeq());
            assertEquals(0, index.lastSlot());
            assertEquals(0, index.channelCount());
            assertEquals(0, index.channelHead("a"));
            assertEquals(0, index.channelSeqs("a", 0, 10).length);
            assertEquals(-1, index.nextSeqIn(null, 0));
            assertEquals(-1, index.nextSeqIn(Set.of("a"), -1));
            assertEquals(0, index.diskBytes());
            assertThrows(IllegalArgumentException.class, () -> index.message(1));
            assertThrows(IllegalArgumentException.class, () -> index.slotTs(1));
        }
    }

    @Test
    void slotsThatAppendNothingShareTheNextSeqAndKeepTheirTs() {
        try (MessageIndex index = MessageIndex.create(dir)) {
            index.slotApplied(1, 1, 100); // nothing
            index.slotApplied(2, 1, 100); // nothing, same ts
            index.slotApplied(3, 1, 105);
            assertEquals(1, index.appendMessage(1, 3, 0, "a", IndexModel.hashOf(1)));
            assertEquals(1, index.appendMessage(2, 3, 2, "b", IndexModel.hashOf(2))); // position 1 was a duplicate
            index.slotApplied(4, 3, 107); // nothing
            index.slotApplied(5, 3, 110);
            assertEquals(2, index.appendMessage(3, 5, 0, "a", IndexModel.hashOf(3)));

            assertEquals(new MessageRef(1, 3, 0, "a", 1, 105, IndexModel.hashOf(1)), index.message(1));
            assertEquals(new MessageRef(2, 3, 2, "b", 1, 105, IndexModel.hashOf(2)), index.message(2));
            assertEquals(new MessageRef(3, 5, 0, "a", 2, 110, IndexModel.hashOf(3)), index.message(3));
            assertEquals(1, index.slotFirstSeq(1));
            assertEquals(3, index.slotFirstSeq(4));
            assertEquals(107, index.slotTs(4));
            assertEquals(5, index.lastSlot());
            assertEquals(110, index.lastTs());
            assertArrayEquals(new long[] {1, 3}, index.channelSeqs("a", 0, 10));
            assertEquals(3, index.nextSeqIn(Set.of("a", "zz"), 1));
            assertEquals(2, index.nextSeqIn(Set.of("a", "b"), 1));
            assertEquals(-1, index.nextSeqIn(Set.of("b"), 2));
            assertEquals(3, index.nextSeqIn(null, 2));
            assertEquals(-1, index.nextSeqIn(null, 3));
        }
    }

    /** 10^4 channels of one message: every read right, and each channel costs one 16-entry block. */
    @Test
    void tenThousandChannelsOfOneMessageEach() {
        int channels = 10_000;
        try (MessageIndex index = MessageIndex.create(dir)) {
            long seq = 0;
            for (int slot = 1; slot <= channels / 10; slot++) {
                index.slotApplied(slot, seq + 1, slot);
                for (int i = 0; i < 10; i++) {
                    seq++;
                    assertEquals(1, index.appendMessage(seq, slot, i, "ch-" + (seq - 1), IndexModel.hashOf(seq)));
                }
            }
            assertEquals(channels, index.channelCount());
            Random random = new Random(7);
            for (int c = 0; c < channels; c++) {
                String name = "ch-" + c;
                assertEquals(1, index.channelHead(name));
                assertArrayEquals(new long[] {c + 1}, index.channelSeqs(name, 0, 100));
                assertEquals(0, index.channelSeqs(name, 1, 100).length);
                assertEquals(new MessageRef(c + 1, c / 10 + 1, c % 10, name, 1, c / 10 + 1, IndexModel.hashOf(c + 1)), index.message(c + 1));
                assertEquals(c + 1, index.nextSeqIn(Set.of(name), random.nextInt(c + 1)));
                assertEquals(-1, index.nextSeqIn(Set.of(name), c + 1));
            }
            assertEquals(channels * 16L * 8 + channels * 56L + channels / 10 * 32L, index.diskBytes());
        }
    }

    /** One channel across the 16/32/../1024 block edges, read in pages that straddle them. */
    @Test
    void aLargeChannelReadsAcrossEveryBlockBoundary() {
        int n = 12_000;
        try (MessageIndex index = MessageIndex.create(dir, 6)) { // 64-record mappings: blocks span them
            index.slotApplied(1, 1, 1);
            for (int seq = 1; seq <= 3 * n; seq++) {
                // "big" gets every third message, so its seqs are not its offsets
                index.appendMessage(seq, 1, seq, seq % 3 == 0 ? "big" : "other" + (seq % 3), IndexModel.hashOf(seq));
            }
            assertEquals(n, index.channelHead("big"));
            long[] all = index.channelSeqs("big", 0, Integer.MAX_VALUE);
            assertEquals(n, all.length);
            for (int i = 0; i < n; i++) {
                assertEquals(3L * (i + 1), all[i]);
            }
            long[] edges = {15, 16, 47, 48, 111, 112, 239, 240, 495, 496, 1007, 1008, 2031, 2032, 11_999};
            for (long edge : edges) {
                for (long after = edge - 2; after <= edge + 2; after++) {
                    long[] page = index.channelSeqs("big", after, 5);
                    for (int i = 0; i < page.length; i++) {
                        assertEquals(3 * (after + 1 + i), page[i], "offset " + (after + 1 + i));
                    }
                    assertEquals(Math.max(0, Math.min(5, n - after)), page.length);
                    long afterSeq = 3 * after + 1; // between two of big's messages
                    assertEquals(after + 1 <= n ? 3 * (after + 1) : -1, index.nextSeqIn(Set.of("big"), afterSeq));
                }
            }
            assertEquals(new MessageRef(3 * 1009, 1, 3 * 1009, "big", 1009, 1, IndexModel.hashOf(3 * 1009)), index.message(3 * 1009));
        }
    }

    @Test
    void appendsOutOfOrderAreRefused() {
        try (MessageIndex index = MessageIndex.create(dir)) {
            assertThrows(IllegalStateException.class, () -> index.appendMessage(1, 0, 0, "a", IndexModel.hashOf(1)));
            assertThrows(IllegalStateException.class, () -> index.slotApplied(2, 1, 0));
            index.slotApplied(1, 1, 50);
            assertThrows(IllegalArgumentException.class, () -> index.slotApplied(2, 2, 50)); // first seq skips
            assertThrows(IllegalArgumentException.class, () -> index.appendMessage(2, 1, 0, "a", IndexModel.hashOf(2)));
            assertThrows(IllegalStateException.class, () -> index.appendMessage(1, 2, 0, "a", IndexModel.hashOf(1)));
            assertThrows(NullPointerException.class, () -> index.appendMessage(1, 1, 0, null, IndexModel.hashOf(1)));
            index.appendMessage(1, 1, 3, "a", IndexModel.hashOf(1));
            assertThrows(IllegalArgumentException.class, () -> index.appendMessage(2, 1, 3, "a", IndexModel.hashOf(2)));
            assertThrows(IllegalArgumentException.class, () -> index.slotApplied(2, 2, 49)); // ts goes back
            assertThrows(IllegalArgumentException.class, () -> index.message(0));
            assertThrows(IllegalArgumentException.class, () -> index.message(2));
            index.slotApplied(2, 2, 50);
            index.appendMessage(2, 2, 0, "a", IndexModel.hashOf(2)); // positions restart in a new slot
            assertEquals(2, index.channelHead("a"));
        }
    }

    @Test
    void aClosedIndexRefusesEveryCall() {
        MessageIndex index = MessageIndex.create(dir);
        index.slotApplied(1, 1, 1);
        index.appendMessage(1, 1, 0, "a", IndexModel.hashOf(1));
        index.close();
        index.close(); // twice is harmless
        assertThrows(IllegalStateException.class, () -> index.message(1));
        assertThrows(IllegalStateException.class, () -> index.channelSeqs("a", 0, 1));
        assertThrows(IllegalStateException.class, () -> index.nextSeqIn(Set.of("a"), 0));
        assertThrows(IllegalStateException.class, () -> index.slotApplied(2, 2, 1));
        assertThrows(IllegalStateException.class, () -> index.appendMessage(2, 1, 1, "a", IndexModel.hashOf(2)));
        assertThrows(IllegalStateException.class, index::closeDurably);
    }

    @Test
    void heapEstimateGrowsWithChannelsNotMessages() {
        try (MessageIndex index = MessageIndex.create(dir)) {
            index.slotApplied(1, 1, 1);
            index.appendMessage(1, 1, 0, "a", IndexModel.hashOf(1));
            long one = index.heapBytes();
            for (int seq = 2; seq <= 200_000; seq++) {
                index.appendMessage(seq, 1, seq, "a", IndexModel.hashOf(seq));
            }
            // 200k messages in one channel: a directory of ~200 ints, nothing per message
            assertTrue(index.heapBytes() - one < 2_000, "heap estimate grew by " + (index.heapBytes() - one));
            assertTrue(index.fileBytes() >= index.diskBytes());
        }
    }
}
