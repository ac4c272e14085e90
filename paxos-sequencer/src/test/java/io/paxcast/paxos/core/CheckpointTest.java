package io.paxcast.paxos.core;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A checkpoint stands for the learner's state after a slot: read back, it answers exactly as the
 * state it was taken from, and its bytes are canonical (a node resumed from it and a node that never
 * stopped write the same next checkpoint, which the simulator's agreement check relies on).
 */
class CheckpointTest {

    /** A random stream of commands shaped like real traffic: origins restarting, floors rising, re-proposals. */
    private static List<Command> traffic(long seed, int count) {
        Random random = new Random(seed);
        List<Command> commands = new ArrayList<>();
        long[] counters = new long[3];
        long[] incarnations = {1, 1, 1};
        for (int i = 0; i < count; i++) {
            int o = random.nextInt(3);
            if (random.nextInt(200) == 0) {
                incarnations[o] += 1 + random.nextInt(3);
                counters[o] = 0;
            }
            long counter = ++counters[o];
            long floor = Math.max(1, counter - random.nextInt(300));
            Command fresh = new Command(new CommandId("n" + o, incarnations[o], counter), floor, new byte[0]);
            commands.add(fresh);
            if (random.nextInt(10) == 0 && !commands.isEmpty()) {
                commands.add(commands.get(random.nextInt(commands.size()))); // chosen a second time
            }
            if (random.nextInt(50) == 0) {
                long old = 1 + random.nextInt((int) Math.max(1, counter)); // a late copy, maybe below the floor
                commands.add(new Command(new CommandId("n" + o, Math.max(1, incarnations[o] - random.nextInt(6)), old),
                        1, new byte[0]));
            }
        }
        return commands;
    }

    @Test
    void aStateReadBackDecidesEveryLaterCommandAsTheOriginalAndEncodesTheSame() throws IOException {
        for (long seed = 1; seed <= 20; seed++) {
            List<Command> commands = traffic(seed, 4000);
            int cut = 1 + new Random(seed * 7).nextInt(commands.size() - 1);
            AppliedCommands original = new AppliedCommands();
            for (Command c : commands.subList(0, cut)) {
                original.firstApplication(c);
            }
            AppliedCommands resumed = AppliedCommands.decode(original.encode());
            assertArrayEquals(original.encode(), resumed.encode(), "seed " + seed + ": read back, written again");
            for (Command c : commands.subList(cut, commands.size())) {
                assertEquals(original.isSettled(c.id()), resumed.isSettled(c.id()), "seed " + seed + " " + c.id());
                assertEquals(original.firstApplication(c), resumed.firstApplication(c), "seed " + seed + " " + c.id());
            }
            assertArrayEquals(original.encode(), resumed.encode(), "seed " + seed + ": after the same commands");
        }
    }

    @Test
    void aCheckpointRoundTripsWholeAndRefusesWhatItCannotBe() throws IOException {
        AppliedCommands applied = new AppliedCommands();
        for (Command c : traffic(3, 500)) {
            applied.firstApplication(c);
        }
        Checkpoint checkpoint = new Checkpoint(512, 1_700_000_000_000L, 98_765, applied.encode());
        byte[] bytes = checkpoint.encode();
        assertEquals(checkpoint, Checkpoint.decode(bytes));

        byte[] truncated = Arrays.copyOf(bytes, bytes.length - 3);
        assertThrows(IOException.class, () -> Checkpoint.decode(truncated));
        byte[] trailing = Arrays.copyOf(bytes, bytes.length + 1);
        assertThrows(IOException.class, () -> Checkpoint.decode(trailing));
        byte[] badMagic = bytes.clone();
        badMagic[0] ^= 1;
        assertThrows(IOException.class, () -> Checkpoint.decode(badMagic));
        assertThrows(IllegalArgumentException.class, () -> new Checkpoint(0, 0, 0, new byte[0]));
    }

    /** One node's loop: persist, then send (here: to itself, the only voter), then collect deliveries. */
    private static List<Delivery> round(PaxosNode node, io.paxcast.paxos.storage.InMemoryStorage storage) {
        List<Delivery> delivered = new ArrayList<>();
        for (Ready ready = node.drain(); !ready.isEmpty(); ready = node.drain()) {
            storage.write(ready.writes());
            ready.messages().forEach(node::step);
            delivered.addAll(ready.deliveries());
        }
        return delivered;
    }

    private static java.util.random.RandomGenerator seeded(long seed) {
        return java.util.random.RandomGeneratorFactory.<java.util.random.RandomGenerator>of("L64X128MixRandom")
                .create(seed);
    }

    @Test
    void aResumedNodeDeliversFromTheSlotAfterItsCheckpoint() {
        PaxosConfig config = PaxosConfig.builder("n1", List.of("n1")).checkpointEverySlots(4).build();
        var storage = new io.paxcast.paxos.storage.InMemoryStorage();
        PaxosNode node = new PaxosNode(config, storage.load(), storage, () -> 1_000, seeded(1));
        List<Delivery> first = new ArrayList<>();
        for (int i = 0; i < 2000 && first.size() < 12; i++) {
            if (node.status().role().equals("leader") && i % 3 == 0) {
                node.submit(new byte[] {(byte) i});
            }
            node.tick();
            first.addAll(round(node, storage));
        }
        Delivery atCheckpoint = first.stream().filter(d -> d.checkpoint() != null).findFirst().orElseThrow();
        assertEquals(0, atCheckpoint.slot() % 4);

        PaxosNode resumed = new PaxosNode(config, storage.load(), storage, () -> 2_000, seeded(2),
                atCheckpoint.checkpoint());
        List<Delivery> again = new ArrayList<>(round(resumed, storage));
        for (int i = 0; i < 2000 && again.size() < first.size() - atCheckpoint.slot(); i++) {
            resumed.tick();
            again.addAll(round(resumed, storage));
        }
        assertEquals(first.size() - atCheckpoint.slot(), again.size(), "every slot after the checkpoint, once");
        assertEquals(atCheckpoint.slot() + 1, again.get(0).slot(), "the run resumes after the checkpoint");
        for (Delivery d : again) {
            Delivery before = first.get((int) d.slot() - 1);
            assertEquals(before.commands(), d.commands(), "slot " + d.slot());
            assertEquals(before.checkpoint(), d.checkpoint(), "slot " + d.slot());
        }
    }
}
