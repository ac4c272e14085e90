package io.paxcast.paxos.storage;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Cuts the power under a {@link Journal} on a {@link SimulatedDisk}, for many seeds and each force
 * pattern of the fsync policies (every group forced: {@code always}; every k-th and now and then a
 * flush: {@code interval}; none: {@code none}), at a random operation (in a write, in a force that
 * then never returns, or after the last one), with now and then a killed process (the page cache
 * survives, the journal is reopened) on the way. What survives must open (a power loss is never
 * "corruption"), hold exactly a prefix of the groups appended, byte for byte, including every group a
 * returned force covered, and go on from there.
 *
 * <p>A failure names its policy and seed: {@code run(policy, seed)} replays it alone. More seeds:
 * {@code -Dpaxcast.powerLossSeeds=20000}.
 */
class JournalPowerLossTest {

    private static final Path PATH = Path.of("simulated.journal");
    private static final int SEEDS = Integer.getInteger("paxcast.powerLossSeeds", 1500);

    /** What the seeds of one policy ran into, to show they reached the cases that matter. */
    private static final class Explored {
        int cut;            // power losses that cut a torn tail
        int droppedValid;   // ... with valid frames after the torn one (refused before the durable point)
        int inForce;        // power went out in a force that never returned
        int restarts;       // killed processes reopened on the way
        long groups;

        @Override
        public String toString() {
            return groups + " groups; tail cut in " + cut + " (valid frames dropped after a torn one in " + droppedValid
                    + "); power lost inside a force " + inForce + " times; " + restarts + " process restarts";
        }
    }

    @Test
    void underAlwaysAPowerLossLosesNothingAcknowledged() {
        Explored explored = explore(FsyncPolicy.ALWAYS, 1_000_000);
        assertEquals(0, explored.droppedValid, "always: only the frame in flight can be torn");
    }

    @Test
    void underIntervalAPowerLossLosesOnlyTheUnforcedTailWhole() {
        Explored explored = explore(FsyncPolicy.INTERVAL, 2_000_000);
        assertTrue(explored.droppedValid > 0, "the seeds never tore a frame with valid ones after it: " + explored);
    }

    @Test
    void underNoneAPowerLossLosesOnlyATailWhole() {
        Explored explored = explore(FsyncPolicy.NONE, 3_000_000);
        assertTrue(explored.droppedValid > 0, "the seeds never tore a frame with valid ones after it: " + explored);
    }

    private static Explored explore(FsyncPolicy policy, long firstSeed) {
        Explored explored = new Explored();
        for (long seed = firstSeed; seed < firstSeed + SEEDS; seed++) {
            try {
                run(policy, seed, explored);
            } catch (AssertionError | IOException | RuntimeException e) {
                throw new AssertionError(policy + ", seed " + seed + ": " + e, e);
            }
        }
        System.out.printf("power loss under %s, seeds %d..%d: %s%n", policy, firstSeed, firstSeed + SEEDS - 1, explored);
        assertTrue(explored.cut > 0 && explored.inForce > 0 && explored.restarts > 0, explored.toString());
        return explored;
    }

    static void run(FsyncPolicy policy, long seed, Explored explored) throws IOException {
        Random random = new Random(seed);
        SimulatedDisk disk = new SimulatedDisk();
        int toWrite = 1 + random.nextInt(40);
        int every = 2 + random.nextInt(5); // interval: every k-th group forced
        disk.cutPowerAfter(random.nextInt(2 * toWrite + 3), random); // an append is a write, maybe a force
        List<byte[]> appended = new ArrayList<>(); // including one whose append failed: it may be there
        int durable = 0; // groups a returned force covered
        try {
            Journal journal = Journal.open(disk, PATH).journal();
            for (int g = 0; g < toWrite; g++) {
                if (random.nextInt(15) == 0) { // a killed process: the page cache keeps it all
                    Journal.Recovered again = Journal.open(disk, PATH);
                    assertEquals(appended.size(), again.groups(), "a restart without a power loss loses nothing");
                    assertEquals(0, again.truncatedBytes());
                    journal = again.journal();
                    durable = appended.size(); // open forced it
                    explored.restarts++;
                }
                byte[] payload = payload(random);
                appended.add(payload);
                boolean force = switch (policy) {
                    case ALWAYS -> true;
                    case INTERVAL -> (g + 1) % every == 0;
                    case NONE -> false;
                };
                journal.append(payload, force);
                if (force) {
                    durable = appended.size();
                } else if (policy == FsyncPolicy.INTERVAL && random.nextInt(8) == 0) {
                    journal.force(); // the driver's flush when the interval passes
                    durable = appended.size();
                }
            }
        } catch (IOException e) {
            assertTrue(disk.powerLost(), "only the power cut fails: " + e);
        }
        explored.inForce += disk.lostInForce() ? 1 : 0;

        SimulatedDisk after = new SimulatedDisk(disk.powerLoss(random));
        long survivedBytes = after.size();
        Journal.Recovered recovered = Journal.open(after, PATH); // never "corrupt journal" after a power loss
        List<byte[]> replayed = new ArrayList<>();
        recovered.journal().replay(replayed::add);
        assertEquals(recovered.groups(), replayed.size());
        assertTrue(replayed.size() <= appended.size(), replayed.size() + " groups, " + appended.size() + " appended");
        for (int i = 0; i < replayed.size(); i++) {
            assertArrayEquals(appended.get(i), replayed.get(i), "group " + i);
        }
        assertTrue(replayed.size() >= durable, "lost a group a returned force covered: " + replayed.size()
                + " of " + appended.size() + " groups survived, " + durable + " were forced");
        assertEquals(survivedBytes - recovered.truncatedBytes(), after.size(), "the torn tail is cut");
        assertEquals(after.size(), recovered.journal().size());
        explored.cut += recovered.truncatedBytes() > 0 ? 1 : 0;
        explored.droppedValid += recovered.droppedFrames() > 0 ? 1 : 0;
        explored.groups += appended.size();

        // and it goes on from there: a forced group survives the next power loss, whatever it keeps
        byte[] next = payload(random);
        recovered.journal().append(next, true);
        Journal.Recovered again = Journal.open(new SimulatedDisk(after.powerLoss(random)), PATH);
        assertEquals(replayed.size() + 1, again.groups());
        assertEquals(0, again.truncatedBytes());
        List<byte[]> last = new ArrayList<>();
        again.journal().replay(last::add);
        assertArrayEquals(next, last.get(last.size() - 1));
    }

    /** 0 B to 5 KB: several frames to a sector, and frames over several sectors. */
    private static byte[] payload(Random random) {
        int size = switch (random.nextInt(5)) {
            case 0, 1 -> random.nextInt(101);
            case 2, 3 -> 100 + random.nextInt(1400);
            default -> 1500 + random.nextInt(3500);
        };
        byte[] bytes = new byte[size];
        random.nextBytes(bytes);
        return bytes;
    }

    /**
     * Media corruption is still refused: a bit flips anywhere in a frame that a returned force
     * covered, with a frame appended after that force on the disk (which records the durable point).
     */
    @Test
    void aBitFlipInAFrameALaterForceCoveredIsRefused() throws IOException {
        int refused = 0;
        for (long seed = 4_000_000; seed < 4_000_000 + SEEDS / 5; seed++) {
            Random random = new Random(seed);
            SimulatedDisk disk = new SimulatedDisk();
            Journal journal = Journal.open(disk, PATH).journal();
            List<long[]> frames = new ArrayList<>(); // [start, end, durableUpTo]
            int count = 2 + random.nextInt(20);
            for (int g = 0; g < count; g++) {
                long start = journal.size();
                long durableUpTo = journal.durable();
                journal.append(payload(random), random.nextInt(3) == 0);
                frames.add(new long[]{start, journal.size(), durableUpTo});
            }
            journal.force(); // all durable: what follows is the medium's doing, not a power loss
            List<long[]> covered = new ArrayList<>();
            for (int i = 0; i < frames.size(); i++) {
                for (int j = i + 1; j < frames.size(); j++) {
                    if (frames.get(j)[2] >= frames.get(i)[1]) {
                        covered.add(frames.get(i));
                        break;
                    }
                }
            }
            if (covered.isEmpty()) {
                continue;
            }
            long[] victim = covered.get(random.nextInt(covered.size()));
            long position = victim[0] + (long) (random.nextDouble() * (victim[1] - victim[0]));
            disk.flipBit(position, random.nextInt(8));
            SimulatedDisk after = new SimulatedDisk(disk.powerLoss(random));
            long s = seed;
            StorageException e = assertThrows(StorageException.class, () -> Journal.open(after, PATH),
                    () -> "seed " + s + ": a flipped bit at byte " + position + " in the frame at " + victim[0]);
            assertTrue(e.getMessage().contains("corrupt journal") && e.getMessage().contains("byte " + victim[0]),
                    "seed " + seed + ": " + e.getMessage());
            refused++;
        }
        assertTrue(refused > SEEDS / 10, refused + " corruptions tried");
    }
}
