package io.paxcast.broadcast.log;

import io.paxcast.broadcast.config.NodeConfig.Retention;
import io.paxcast.paxos.core.Checkpoint;
import io.paxcast.paxos.core.Delivery;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A broadcast log resumed from a snapshot is the log that never stopped: on random logs, a node that
 * snapshots at slot S, writes on past it, dies (its index closed without a durable close, as under
 * kill -9), and resumes from the snapshot file must then decide every later slot exactly as a node
 * that applied the whole log in one run, and answer every read alike.
 */
class LogSnapshotTest {
    private static final long WINDOW = 50;
    private static final byte[] NO_COMMANDS_APPLIED = new byte[4]; // an empty AppliedCommands: zero origins

    @TempDir
    Path dir;

    @Test
    void aLogResumedFromItsSnapshotAnswersAsTheLogThatNeverStopped() throws IOException {
        for (long seed = 1; seed <= 25; seed++) {
            try {
                run(seed, dir.resolve("s" + seed));
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError("seed " + seed, e);
            }
        }
    }

    private static void run(long seed, Path dir) throws IOException {
        int slots = 300;
        Random choices = new Random(seed * 31);
        int snapshotAt = 1 + choices.nextInt(slots - 1);
        int diedAt = snapshotAt + choices.nextInt(slots - snapshotAt + 1);
        Retention retention = new Retention(40 + choices.nextInt(200), Long.MAX_VALUE, Long.MAX_VALUE);
        RandomLog generated = new RandomLog(seed);
        for (int i = 0; i < slots; i++) {
            generated.next();
        }
        // the reference: one run, start to end
        List<BroadcastLog.Applied> expected = new ArrayList<>();
        BroadcastLog reference = new BroadcastLog(generated, MessageIndex.create(dir.resolve("reference")), WINDOW, retention);
        for (long slot = 1; slot <= slots; slot++) {
            expected.add(reference.apply(generated.slot(slot).delivery()));
        }
        // the node: snapshot at snapshotAt, goes on to diedAt, dies
        SnapshotFiles files = new SnapshotFiles(dir.resolve("snapshots"));
        Path indexDir = dir.resolve("index");
        BroadcastLog node = new BroadcastLog(generated, MessageIndex.create(indexDir), WINDOW, retention);
        for (long slot = 1; slot <= diedAt; slot++) {
            node.apply(generated.slot(slot).delivery());
            if (slot == snapshotAt) {
                Delivery d = generated.slot(slot).delivery();
                LogSnapshot snapshot = node.snapshot("n1", new Checkpoint(slot, d.timestampMillis(), d.logClockMillis(),
                        NO_COMMANDS_APPLIED));
                node.forceThrough(snapshot);
                files.write(snapshot);
            }
        }
        node.close(); // not durably: the files hold whatever the node wrote after the snapshot

        LogSnapshot found = files.latest("n1").orElseThrow();
        assertEquals(snapshotAt, found.slot());
        BroadcastLog resumed = BroadcastLog.restore(generated, indexDir, found, WINDOW, retention);
        assertEquals(snapshotAt, resumed.lastSlot());
        for (long slot = snapshotAt + 1; slot <= slots; slot++) {
            BroadcastLog.Applied applied = resumed.apply(generated.slot(slot).delivery());
            assertEquals(expected.get((int) slot - 1), applied, "slot " + slot + " applied after the resume");
        }
        assertSameAnswers(reference, resumed, generated);
        reference.close();
        resumed.close();
    }

    private static void assertSameAnswers(BroadcastLog expected, BroadcastLog actual, RandomLog generated) {
        assertEquals(expected.headSeq(), actual.headSeq());
        assertEquals(expected.earliestSeq(), actual.earliestSeq());
        assertTrue(expected.earliestSeq() > 1, "retention expired something, so the earliest position was restored");
        for (long seq = expected.earliestSeq(); seq <= expected.headSeq(); seq++) {
            assertEquals(expected.message(seq), actual.message(seq), "message " + seq);
            assertEquals(expected.proof(seq), actual.proof(seq), "proof of " + seq);
        }
        assertEquals(expected.headHash(), actual.headHash(), "the chain's head");
        for (String channel : generated.channels()) {
            assertEquals(expected.channelHead(channel), actual.channelHead(channel), channel);
            assertEquals(expected.earliestOffset(channel), actual.earliestOffset(channel), channel);
            long from = expected.earliestOffset(channel) - 1;
            assertEquals(expected.channel(channel, from, 1000), actual.channel(channel, from, 1000), channel);
            assertEquals(expected.nextSeqIn(java.util.Set.of(channel), 0), actual.nextSeqIn(java.util.Set.of(channel), 0));
        }
        for (String key : generated.keys()) {
            String[] parts = key.split("\u0000");
            assertEquals(expected.lookupKey(parts[0], parts[1]), actual.lookupKey(parts[0], parts[1]), key);
        }
        assertEquals(expected.keyCount(), actual.keyCount());
    }

    /**
     * A node that installs another node's snapshot (its store is behind the cluster's compaction) holds
     * nothing of the messages before it, and everything after it exactly as the others: the same seq,
     * offsets and retries for every later slot; what is before answers as expired, never wrongly.
     */
    @Test
    void aLogThatInstalledAPeersSnapshotAgreesOnEverythingAfterIt() throws IOException {
        for (long seed = 1; seed <= 15; seed++) {
            Random choices = new Random(seed * 17);
            int slots = 300;
            int base = 20 + choices.nextInt(200);
            Retention retention = new Retention(60 + choices.nextInt(300), Long.MAX_VALUE, Long.MAX_VALUE);
            RandomLog generated = new RandomLog(seed);
            for (int i = 0; i < slots; i++) {
                generated.next();
            }
            Path d = dir.resolve("i" + seed);
            BroadcastLog peer = new BroadcastLog(generated, MessageIndex.create(d.resolve("peer")), WINDOW, retention);
            List<BroadcastLog.Applied> expected = new ArrayList<>();
            LogSnapshot theirs = null;
            for (long slot = 1; slot <= slots; slot++) {
                Delivery delivery = generated.slot(slot).delivery();
                expected.add(peer.apply(delivery));
                if (slot == base) {
                    theirs = peer.snapshot("n1", new Checkpoint(slot, delivery.timestampMillis(), delivery.logClockMillis(),
                            NO_COMMANDS_APPLIED));
                }
            }
            // the installing node applied a little of the log long ago, then installs the peer's snapshot
            BroadcastLog node = new BroadcastLog(generated, MessageIndex.create(d.resolve("node")), WINDOW, retention);
            for (long slot = 1; slot <= Math.min(5, base - 1); slot++) {
                node.apply(generated.slot(slot).delivery());
            }
            node.install(theirs, d.resolve("node"));
            assertEquals(base, node.lastSlot());
            assertEquals(base, node.installedBase());
            long firstHeld = theirs.lastSeq() + 1;
            for (long slot = base + 1; slot <= slots; slot++) {
                assertEquals(withoutPositionsBefore(expected.get((int) slot - 1), firstHeld),
                        node.apply(generated.slot(slot).delivery()), "seed " + seed + " slot " + slot);
            }
            assertEquals(Math.max(peer.earliestSeq(), firstHeld), node.earliestSeq(), "seed " + seed);
            assertEquals(peer.headSeq(), node.headSeq());
            for (long seq = node.earliestSeq(); seq <= node.headSeq(); seq++) {
                assertEquals(peer.message(seq), node.message(seq), "seed " + seed + " message " + seq);
                // the first message held chains from the snapshot's head hash, as on the peer
                assertEquals(peer.proof(seq), node.proof(seq), "seed " + seed + " proof of " + seq);
            }
            assertEquals(peer.headHash(), node.headHash(), "seed " + seed + ": the chain's head");
            if (firstHeld > 1) {
                assertThrows(OffsetExpired.class, () -> node.global(firstHeld - 2, 10), "before the snapshot: expired");
            }
            for (String channel : generated.channels()) {
                assertEquals(peer.channelHead(channel), node.channelHead(channel), channel);
                long from = node.earliestOffset(channel) - 1;
                assertEquals(peer.channel(channel, from, 1000), node.channel(channel, from, 1000), "seed " + seed + " " + channel);
            }
            // and the installed node's own snapshot resumes like any other
            Delivery last = generated.slot(slots).delivery();
            LogSnapshot ours = node.snapshot("n2", new Checkpoint(slots, last.timestampMillis(), last.logClockMillis(),
                    NO_COMMANDS_APPLIED));
            node.forceThrough(ours);
            long earliest = node.earliestSeq();
            node.close();
            BroadcastLog resumed = BroadcastLog.restore(generated, d.resolve("node"), ours, WINDOW, retention);
            assertEquals(earliest, resumed.earliestSeq());
            assertEquals(peer.message(peer.headSeq()), resumed.message(peer.headSeq()));
            resumed.close();
            peer.close();
        }
    }

    /**
     * A retry of a message the installing node never applied (before its snapshot) gets the original
     * seq, but the node cannot say the offset and ts: they are 0 (everything else is as the peer's).
     */
    private static BroadcastLog.Applied withoutPositionsBefore(BroadcastLog.Applied applied, long firstHeld) {
        java.util.Map<io.paxcast.paxos.core.CommandId, List<PublishResult>> results = new java.util.HashMap<>();
        applied.results().forEach((id, list) -> results.put(id, list.stream()
                .map(r -> r.replay() && r.seq() < firstHeld ? new PublishResult(r.seq(), r.channel(), 0, 0, true) : r)
                .toList()));
        return new BroadcastLog.Applied(applied.slot(), applied.messages(), results);
    }

    @Test
    void theNewestWholeSnapshotOfThisNodeIsFoundAndOnlyTwoAreKept() throws IOException {
        RandomLog generated = new RandomLog(7);
        SnapshotFiles files = new SnapshotFiles(dir.resolve("snapshots"));
        BroadcastLog node = new BroadcastLog(generated, MessageIndex.create(dir.resolve("index")), WINDOW,
                Retention.UNLIMITED);
        for (long slot = 1; slot <= 40; slot++) {
            Delivery d = generated.next().delivery();
            node.apply(d);
            if (slot % 10 == 0) {
                LogSnapshot snapshot = node.snapshot("n1", new Checkpoint(slot, d.timestampMillis(), d.logClockMillis(),
                        NO_COMMANDS_APPLIED));
                node.forceThrough(snapshot);
                files.write(snapshot);
            }
        }
        node.close();
        List<Path> kept = files.snapshotFiles();
        assertEquals(SnapshotFiles.KEPT, kept.size(), "older snapshots are removed: " + kept);
        assertEquals(40, files.latest("n1").orElseThrow().slot());
        assertEquals(Optional.empty(), files.latest("n2"), "another node's snapshot is never taken for this one's");

        // the newest damaged (the medium): the one before it is used; a crash's temporary file is removed
        Path newest = kept.get(0);
        byte[] bytes = Files.readAllBytes(newest);
        bytes[bytes.length / 2] ^= 0x40;
        Files.write(newest, bytes);
        Path tmp = files.dir().resolve("snapshot-00000000000000000050.snap.tmp");
        Files.write(tmp, new byte[] {1, 2, 3});
        assertEquals(30, files.latest("n1").orElseThrow().slot());
        assertFalse(Files.exists(tmp));
        assertThrows(IOException.class, () -> SnapshotFiles.read(newest));

        // truncated at every length: refused, never misread
        byte[] whole = Files.readAllBytes(kept.get(1));
        Path cut = dir.resolve("cut.snap");
        for (int length = 0; length < whole.length; length += 1 + length / 8) {
            Files.write(cut, java.util.Arrays.copyOf(whole, length));
            assertThrows(IOException.class, () -> SnapshotFiles.read(cut), "cut at " + length);
        }
    }

    @Test
    void aSnapshotTakenWithAnotherKeyWindowIsNotResumed() {
        RandomLog generated = new RandomLog(3);
        BroadcastLog node = new BroadcastLog(generated, MessageIndex.create(dir.resolve("index")), WINDOW,
                Retention.UNLIMITED);
        Delivery d = generated.next().delivery();
        node.apply(d);
        LogSnapshot snapshot = node.snapshot("n1", new Checkpoint(1, d.timestampMillis(), d.logClockMillis(),
                NO_COMMANDS_APPLIED));
        node.forceThrough(snapshot);
        node.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> BroadcastLog.restore(generated,
                dir.resolve("index"), snapshot, WINDOW * 2, Retention.UNLIMITED));
        assertTrue(e.getMessage().contains("dedupeWindowMillis"), e.getMessage());
    }
}
