package io.paxcast.broadcast.log;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link MessageIndex} against {@link IndexModel} on random logs: per seed a channel population
 * (1 to 10^4 channels, a hot channel or a uniform spread), batch sizes, empty slots, gaps in item
 * positions, repeated ts, a segment size (64 records up to the default), for a quarter of the seeds
 * durable closes and reopens in the middle, and for half of them retention: compactions to a random
 * earliest slot, snapshots after some (the manifest forced, then the files it no longer refers to
 * deleted, and no more files left than the retained records need), and crashes that resume from the
 * last snapshot. Reads of every kind, with arguments in and out of range, are interleaved with the
 * appends; at the end every answer is compared exhaustively.
 *
 * <p>{@code -Dpaxcast.indexSeeds=N} runs N seeds (default 150); {@code -Dpaxcast.indexSeed=S} one.
 * A failure names its seed.
 */
class MessageIndexModelTest {
    private static final int[] SHIFTS = {6, 8, 10, MessageIndex.DEFAULT_SEGMENT_SHIFT};
    /** Totals over the seeds (one test thread), printed and checked to be nonzero: the paths ran. */
    private static final long[] COMPACTIONS = new long[1];
    private static final long[] RESUMES = new long[1];
    private static final long[] RELOCATED = new long[1];

    @TempDir
    Path tmp;

    @Test
    void randomLogsMatchTheModel() {
        Long only = Long.getLong("paxcast.indexSeed");
        int seeds = Integer.getInteger("paxcast.indexSeeds", 150);
        long started = System.nanoTime();
        long messages = 0;
        for (long seed = only != null ? only : 1; seed <= (only != null ? only : seeds); seed++) {
            try {
                messages += run(seed, tmp.resolve("seed-" + seed));
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError("seed " + seed + " failed (rerun: -Dpaxcast.indexSeed=" + seed + ")", e);
            }
        }
        System.out.printf("MessageIndexModelTest: %d seeds, %d messages, %d compactions, %d snapshot resumes, %d channel"
                        + " entries relocated, %d ms%n", only != null ? 1 : seeds, messages, COMPACTIONS[0], RESUMES[0],
                RELOCATED[0], (System.nanoTime() - started) / 1_000_000);
        if (only == null) {
            assertTrue(COMPACTIONS[0] > 0 && RESUMES[0] > 0 && RELOCATED[0] > 0, "compaction, resumes and relocation ran");
        }
    }

    /** One random log; returns how many messages it appended. */
    private static long run(long seed, Path dir) {
        Random random = new Random(seed);
        int shift = SHIFTS[random.nextInt(SHIFTS.length)];
        int population = switch (random.nextInt(5)) {
            case 0 -> 1;
            case 1 -> 3;
            case 2 -> 50;
            case 3 -> 2_000;
            default -> 10_000;
        };
        // a hot channel takes most messages so it crosses many block boundaries; else uniform
        double hot = random.nextBoolean() ? 0.6 : 0;
        int maxBatch = 1 + random.nextInt(random.nextBoolean() ? 8 : 60);
        int slotCount = 50 + random.nextInt(population >= 2_000 ? 600 : 1_500);
        boolean reopens = random.nextInt(4) == 0;
        boolean compacts = random.nextBoolean();
        int retainedSlots = 1 + random.nextInt(random.nextBoolean() ? 20 : 300);

        IndexModel model = new IndexModel();
        MessageIndex index = MessageIndex.create(dir, shift);
        Durable durable = null;
        try {
            long ts = random.nextInt(1000);
            for (int step = 1; step <= slotCount; step++) {
                long slot = model.lastSlot() + 1;
                ts += random.nextInt(3); // equal ts in a row too
                index.slotApplied(slot, model.headSeq() + 1, ts);
                model.slotApplied(slot, model.headSeq() + 1, ts);
                int n = random.nextInt(5) == 0 ? 0 : random.nextInt(maxBatch + 1);
                int position = random.nextInt(3) - 1;
                for (int i = 0; i < n; i++) {
                    position += random.nextInt(6) == 0 ? 2 + random.nextInt(3) : 1; // skipped duplicates
                    String channel = random.nextDouble() < hot ? "hot" : channelName(random.nextInt(population));
                    long seq = model.headSeq() + 1;
                    assertEquals(model.append(seq, slot, position, channel),
                            index.appendMessage(seq, slot, position, channel, IndexModel.hashOf(seq)), "offset of seq " + seq);
                }
                if (random.nextInt(4) == 0) {
                    model.checkRandomRead(index, random);
                    model.checkCounters(index);
                }
                if (compacts && random.nextInt(8) == 0) {
                    // retention: the earliest slot moves up; now and then everything has expired
                    long earliestSlot = random.nextInt(20) == 0 ? slot + 1
                            : Math.max(model.baseSlot + 1, slot - retainedSlots + 1);
                    long earliestSeq = earliestSlot > slot ? model.headSeq() + 1 : model.slotFirstSeq(earliestSlot);
                    index.compact(earliestSeq, earliestSlot);
                    model.compact(earliestSeq, earliestSlot);
                    COMPACTIONS[0]++;
                    model.checkCounters(index);
                    if (random.nextBoolean()) {
                        durable = snapshot(index, model, dir);
                    }
                }
                if (durable != null && random.nextInt(150) == 0) {
                    // a crash (nothing forced) and a restart from the last snapshot
                    RELOCATED[0] += index.relocatedEntries();
                    RESUMES[0]++;
                    index.close();
                    index = MessageIndex.resume(dir, durable.manifest());
                    model = model.truncatedTo(durable.manifest().headSeq(), durable.manifest().lastSlot(),
                            durable.manifest().baseSeq(), durable.manifest().baseSlot());
                    model.checkCounters(index);
                    for (int i = 0; i < 20; i++) {
                        model.checkRandomRead(index, random);
                    }
                }
                if (reopens && random.nextInt(300) == 0) {
                    index.closeDurably();
                    index = MessageIndex.open(dir, SHIFTS[random.nextInt(SHIFTS.length)]);
                    model.checkCounters(index);
                }
            }
            model.checkAll(index, random);
            if (reopens) {
                index.closeDurably();
                index = MessageIndex.open(dir, shift);
                model.checkAll(index, random);
            }
            RELOCATED[0] += index.relocatedEntries();
            return model.headSeq();
        } finally {
            index.close();
        }
    }

    /** A snapshot's share of the index (its manifest, now durable) and what it may delete then. */
    private record Durable(IndexManifest manifest) {}

    /**
     * What {@code Snapshots} does: the manifest, its records forced, then the segment files it no longer
     * refers to deleted. Checks that the message and slot files left are just those from the base on.
     */
    private static Durable snapshot(MessageIndex index, IndexModel model, Path dir) {
        IndexManifest m = index.manifest();
        index.forceThrough(m);
        index.deleteCompactedFiles(m);
        int shift = m.segmentShift();
        assertSegmentFiles(dir, MessageIndex.MESSAGES, m.baseSeq(), m.headSeq(), shift);
        assertSegmentFiles(dir, MessageIndex.SLOTS, m.baseSlot(), m.lastSlot(), shift);
        return new Durable(m);
    }

    /**
     * No file of {@code name} is left below the segment record {@code from} falls in, and every segment
     * holding records [from, to) has its file (files beyond {@code to} may be left by writes before a
     * crash: they are overwritten).
     */
    private static void assertSegmentFiles(Path dir, String name, long from, long to, int shift) {
        java.util.Set<Long> segments = new java.util.TreeSet<>();
        try (var stream = java.nio.file.Files.list(dir)) {
            stream.map(f -> f.getFileName().toString()).filter(f -> f.startsWith(name + "."))
                    .forEach(f -> segments.add(Long.parseLong(f.substring(name.length() + 1))));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        long floor = from >>> shift;
        assertTrue(segments.stream().allMatch(seg -> seg >= floor),
                name + ": segments " + segments + " left below " + floor + " (records from " + from + ", 2^" + shift + ")");
        for (long seg = floor; to > from && seg <= (to - 1) >>> shift; seg++) {
            assertTrue(segments.contains(seg), name + ": segment " + seg + " of records [" + from + ", " + to + ") is gone");
        }
    }

    /** Mostly plain names, some long, some outside Latin-1 (the kept directory stores UTF-8). */
    private static String channelName(int i) {
        return switch (i % 7) {
            case 0 -> "chat.room-" + i;
            case 1 -> "канал-" + i;
            default -> "c" + i;
        };
    }
}
