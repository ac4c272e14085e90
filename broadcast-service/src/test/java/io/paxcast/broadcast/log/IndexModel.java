package io.paxcast.broadcast.log;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The reference for {@link MessageIndex}: plain lists on the heap, each answer computed the obvious
 * way, plus the checks that compare an index against it. {@link #compact} models retention: the seqs
 * and slots up to a base are no longer held (read as expired), nothing else changes.
 */
final class IndexModel {
    /** Seqs and slots up to these are not held (compacted). */
    long baseSeq;
    long baseSlot;

    final List<MessageRef> messages = new ArrayList<>();
    /** Index slot - 1: {firstSeq, ts}. */
    final List<long[]> slots = new ArrayList<>();
    final Map<String, List<Long>> channels = new LinkedHashMap<>();
    /** The channel names in order of first message, for picking one at random. */
    final List<String> names = new ArrayList<>();

    void slotApplied(long slot, long firstSeq, long ts) {
        slots.add(new long[] {firstSeq, ts});
    }

    long append(long seq, long slot, int position, String channel) {
        List<Long> seqs = channels.get(channel);
        if (seqs == null) {
            seqs = new ArrayList<>();
            channels.put(channel, seqs);
            names.add(channel);
        }
        seqs.add(seq);
        messages.add(new MessageRef(seq, slot, position, channel, seqs.size(), slots.get((int) slot - 1)[1], hashOf(seq)));
        return seqs.size();
    }

    /**
     * The hash the index tests store for {@code seq}: distinct per seq, and not a chain (the index
     * stores what it is given; {@link BroadcastLog} computes the chain, and its tests check it).
     */
    static ChainHash hashOf(long seq) {
        return ChainHash.ZERO.next(seq, "index-test", "0");
    }

    long headSeq() {
        return messages.size();
    }

    /** What {@link MessageIndex#compact} promises to forget, and no more. */
    void compact(long earliestSeq, long earliestSlot) {
        baseSeq = Math.min(Math.max(baseSeq, earliestSeq - 1), headSeq());
        baseSlot = Math.min(Math.max(baseSlot, earliestSlot - 1), Math.max(baseSlot, lastSlot() - 1));
    }

    /** The first seq of {@code slot} (1-based). */
    long slotFirstSeq(long slot) {
        return slots.get((int) slot - 1)[0];
    }

    /**
     * The model as it was when the index had {@code headSeq} messages, {@code lastSlot} slots and the
     * given base: what an index resumed from a manifest of that moment must answer.
     */
    IndexModel truncatedTo(long headSeq, long lastSlot, long baseSeq, long baseSlot) {
        IndexModel earlier = new IndexModel();
        earlier.slots.addAll(slots.subList(0, (int) lastSlot));
        earlier.messages.addAll(messages.subList(0, (int) headSeq));
        for (String name : names) {
            List<Long> kept = new ArrayList<>();
            for (long seq : channels.get(name)) {
                if (seq <= headSeq) {
                    kept.add(seq);
                }
            }
            if (!kept.isEmpty()) {
                earlier.channels.put(name, kept);
                earlier.names.add(name);
            }
        }
        earlier.baseSeq = baseSeq;
        earlier.baseSlot = baseSlot;
        return earlier;
    }

    long lastSlot() {
        return slots.size();
    }

    long[] channelSeqs(String channel, long afterOffset, int limit) {
        List<Long> seqs = channels.getOrDefault(channel, List.of());
        List<Long> out = new ArrayList<>();
        long expired = seqs.stream().filter(seq -> seq <= baseSeq).count(); // a prefix: seqs rise
        for (long offset = Math.max(Math.max(afterOffset, 0), expired) + 1; offset <= seqs.size() && out.size() < limit;
             offset++) {
            out.add(seqs.get((int) offset - 1));
        }
        return out.stream().mapToLong(Long::longValue).toArray();
    }

    long nextSeqIn(Set<String> names, long afterSeq) {
        afterSeq = Math.max(afterSeq, baseSeq);
        if (names == null) {
            return afterSeq < headSeq() ? Math.max(afterSeq, 0) + 1 : -1;
        }
        long best = -1;
        for (String name : names) {
            List<Long> seqs = channels.get(name);
            if (seqs == null) {
                continue;
            }
            int i = Collections.binarySearch(seqs, afterSeq + 1);
            int at = i >= 0 ? i : -i - 1;
            if (at < seqs.size() && (best < 0 || seqs.get(at) < best)) {
                best = seqs.get(at);
            }
        }
        return best;
    }

    // ---------------------------------------------------------------- checks

    /** Every answer of the index, exhaustively (messages, slots, channels) plus sampled queries. */
    void checkAll(MessageIndex index, Random random) {
        checkCounters(index);
        for (MessageRef m : messages) {
            if (m.seq() <= baseSeq) {
                assertExpired(index, m.seq());
            } else {
                assertEquals(m, index.message(m.seq()));
            }
        }
        for (int s = 1; s <= baseSlot; s++) {
            int slot = s;
            assertThrows(IllegalArgumentException.class, () -> index.slotFirstSeq(slot), "slot " + slot + " compacted");
        }
        for (int s = (int) baseSlot + 1; s <= slots.size(); s++) {
            assertEquals(slots.get(s - 1)[0], index.slotFirstSeq(s), "first seq of slot " + s);
            assertEquals(slots.get(s - 1)[1], index.slotTs(s), "ts of slot " + s);
        }
        for (Map.Entry<String, List<Long>> e : channels.entrySet()) {
            assertArrayEquals(channelSeqs(e.getKey(), 0, Integer.MAX_VALUE),
                    index.channelSeqs(e.getKey(), 0, Integer.MAX_VALUE), "all of channel " + e.getKey());
        }
        for (int i = 0; i < 200; i++) {
            checkRandomRead(index, random);
        }
    }

    void checkCounters(MessageIndex index) {
        assertEquals(headSeq(), index.headSeq(), "headSeq");
        assertEquals(baseSeq, index.baseSeq(), "baseSeq");
        assertEquals(baseSlot, index.baseSlot(), "baseSlot");
        assertEquals(lastSlot(), index.lastSlot(), "lastSlot");
        assertEquals(slots.isEmpty() ? 0 : slots.get(slots.size() - 1)[1], index.lastTs(), "lastTs");
        assertEquals(channels.size(), index.channelCount(), "channelCount");
        assertEquals(channels.keySet(), index.channels(), "channels");
        assertEquals(headSeq() == 0 ? ChainHash.ZERO : hashOf(headSeq()), index.headHash(), "headHash");
        assertEquals(baseSeq == 0 ? ChainHash.ZERO : hashOf(baseSeq), index.hash(baseSeq), "hash of the base seq");
        if (baseSeq > 0) {
            assertThrows(OffsetExpired.class, () -> index.hash(baseSeq - 1), "hash below the base");
        }
    }

    /** One read of a random kind with random (also out-of-range) arguments. */
    void checkRandomRead(MessageIndex index, Random random) {
        long head = headSeq();
        switch (random.nextInt(5)) {
            case 0 -> {
                if (head > 0) {
                    long seq = 1 + (long) (random.nextDouble() * head);
                    if (seq <= baseSeq) {
                        assertExpired(index, seq);
                    } else {
                        assertEquals(messages.get((int) seq - 1), index.message(seq), "message " + seq);
                    }
                }
            }
            case 1 -> {
                String channel = someChannel(random);
                long afterOffset = random.nextInt(10) == 0 ? -random.nextInt(3)
                        : (long) (random.nextDouble() * (channels.getOrDefault(channel, List.of()).size() + 3));
                int limit = random.nextInt(8) == 0 ? 0 : 1 + random.nextInt(random.nextBoolean() ? 20 : 1500);
                assertArrayEquals(channelSeqs(channel, afterOffset, limit),
                        index.channelSeqs(channel, afterOffset, limit),
                        "channel " + channel + " after " + afterOffset + " limit " + limit);
            }
            case 2, 3 -> {
                Set<String> names = random.nextInt(10) == 0 ? null : someChannels(random);
                long afterSeq = random.nextInt(10) == 0 ? random.nextInt(3) - 1 : (long) (random.nextDouble() * (head + 2));
                assertEquals(nextSeqIn(names, afterSeq), index.nextSeqIn(names, afterSeq),
                        "nextSeqIn " + names + " after " + afterSeq);
            }
            default -> {
                String channel = someChannel(random);
                assertEquals(channels.getOrDefault(channel, List.of()).size(), index.channelHead(channel),
                        "head of " + channel);
            }
        }
    }

    private void assertExpired(MessageIndex index, long seq) {
        OffsetExpired e = assertThrows(OffsetExpired.class, () -> index.message(seq), "seq " + seq + " compacted");
        assertEquals(baseSeq + 1, e.earliest, "the earliest held, after seq " + seq);
    }

    /** A known channel, usually; sometimes one never seen. */
    private String someChannel(Random random) {
        if (channels.isEmpty() || random.nextInt(8) == 0) {
            return "unknown-" + random.nextInt(3);
        }
        return names.get(random.nextInt(names.size()));
    }

    private Set<String> someChannels(Random random) {
        Set<String> picked = new HashSet<>();
        int n = 1 + random.nextInt(random.nextBoolean() ? 3 : 40);
        for (int i = 0; i < n; i++) {
            picked.add(someChannel(random));
        }
        return picked;
    }
}
