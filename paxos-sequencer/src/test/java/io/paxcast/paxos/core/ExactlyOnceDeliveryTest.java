package io.paxcast.paxos.core;

import io.paxcast.paxos.core.Message.Accept;
import io.paxcast.paxos.core.Message.Forward;
import io.paxcast.paxos.core.Message.Prepare;
import io.paxcast.paxos.core.Message.Promise;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.paxcast.paxos.core.TestCluster.acceptFor;
import static io.paxcast.paxos.core.TestCluster.appliedIds;
import static io.paxcast.paxos.core.TestCluster.cmd;
import static io.paxcast.paxos.core.TestCluster.from;
import static io.paxcast.paxos.core.TestCluster.is;
import static io.paxcast.paxos.core.TestCluster.to;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PAXOS-NOTES 11: the same client message can be chosen in two slots (an old leader's proposal
 * re-proposed by its successor, plus the client's retry). The apply step skips an id already applied
 * within the dedupe window, a window measured in the log's own time, so every node, restarted or
 * not, skips the same ones.
 */
class ExactlyOnceDeliveryTest {

    private static final List<String> ALL = List.of("n1", "n2", "n3");

    /**
     * A client submits {@code id} through follower n2; the leader closes a batch of it at log time
     * {@code millis} and the slot is chosen and learned everywhere. (Submitting through a follower keeps
     * the slots exact: see NewLeaderTest#aCommandSubmittedOnceToALeaderIsProposedInOneSlot.)
     */
    private static void choose(TestCluster c, String leader, String id, long millis) {
        c.clock.set(millis);
        c.submit("n2", cmd(id));
        c.deliver(is(Forward.class));
        c.flush(leader);
        c.runUntilQuiet();
    }

    private static void assertSameDeliveries(TestCluster c, List<String> nodes) {
        for (String id : nodes) {
            assertEquals(c.delivered(nodes.get(0)), c.delivered(id), id + " vs " + nodes.get(0));
        }
    }

    @Test
    void aCommandChosenInTwoSlotsByReProposalAndClientRetryIsDeliveredOnce() {
        TestCluster c = TestCluster.of(3);
        c.elect("n1");
        c.clock.set(5_000);
        c.submit("n1", cmd("x"));
        c.flush("n1");
        c.deliverFirst(acceptFor(1).and(to("n2"))); // n1 and n2 accepted x in slot 1: chosen, but nobody knows
        c.drop(m -> true);
        c.crash("n1");

        // The client times out and retries x through n3, which forwards it to the leader it knows (gone).
        c.submit("n3", cmd("x"));
        c.drop(is(Forward.class));

        c.campaign("n2");
        c.deliverFirst(is(Prepare.class).and(to("n3")));
        c.deliverFirst(is(Promise.class).and(from("n3"))); // n2 leads; its own vote re-proposes x in slot 1
        c.runUntilQuiet(); // n3 hears the new leader and hands it the retry
        c.flush("n2");
        c.runUntilQuiet();

        List<Accept> fromNewLeader = c.sent("n2").stream()
                .filter(m -> m instanceof Accept a && a.to().equals("n3")).map(m -> (Accept) m).toList();
        assertTrue(fromNewLeader.stream().anyMatch(a -> a.slot() == 1 && a.value().commands().contains(cmd("x"))));
        assertTrue(fromNewLeader.stream().anyMatch(a -> a.slot() == 2 && a.value().commands().contains(cmd("x"))),
                "the retry is chosen again in slot 2: " + fromNewLeader);
        c.restart("n1");
        c.tick("n2", TestCluster.HEARTBEAT_TICKS);
        c.runUntilQuiet();

        for (String id : ALL) {
            List<Delivery> delivered = c.delivered(id);
            assertEquals(2, delivered.size(), id);
            assertEquals(List.of(cmd("x")), delivered.get(0).commands(), id);
            assertEquals(List.of(), delivered.get(0).duplicateIds(), id);
            assertEquals(List.of(), delivered.get(1).commands(), id + ": slot 2 applies nothing");
            assertEquals(List.of("x"), delivered.get(1).duplicateIds(), id + ": slot 2 names x as a duplicate");
        }
        assertSameDeliveries(c, ALL);
        assertEquals(0, c.status("n3").trackedSubmissions(), "the retry's origin is answered by the duplicate");
    }

    @Test
    void aRestartedNodeRebuildsTheDedupeWindowAndSkipsTheSameDuplicates() {
        TestCluster c = TestCluster.builder(3).dedupeWindowMillis(10_000).build();
        c.elect("n1");
        choose(c, "n1", "x", 1_000);
        choose(c, "n1", "y", 2_000);
        c.crash("n3");
        c.restart("n3"); // applyFrom = 3: slots 1 and 2 are only replayed into the dedupe window

        choose(c, "n1", "x", 3_000); // the client's retry, after its ack was lost
        choose(c, "n1", "z", 4_000);

        assertSameDeliveries(c, ALL);
        assertEquals(4, c.delivered("n3").size());
        Delivery retry = c.delivered("n3").get(2);
        assertEquals(List.of(), retry.commands());
        assertEquals(List.of("x"), retry.duplicateIds());
        assertEquals(List.of("x", "y", "z"), appliedIds(c.delivered("n3")));
    }

    @Test
    void anIdDeliveredLongerAgoThanTheWindowIsDeliveredAgainIdenticallyOnAllNodes() {
        TestCluster c = TestCluster.builder(3).dedupeWindowMillis(1_000).build();
        c.elect("n1");
        choose(c, "n1", "x", 1_000);
        choose(c, "n1", "x", 1_500); // within the window: skipped
        c.crash("n3");
        c.restart("n3");
        choose(c, "n1", "x", 2_600); // 1 600 ms of log time after its first delivery: delivered again

        assertSameDeliveries(c, ALL);
        List<Delivery> d = c.delivered("n2");
        assertEquals(List.of("x"), d.get(1).duplicateIds());
        assertEquals(List.of(cmd("x")), d.get(2).commands(), "older than the window: delivered again");
        assertEquals(List.of(1_000L, 1_500L, 2_600L), d.stream().map(Delivery::timestampMillis).toList());
    }

    @Test
    void theDedupeWindowIsMeasuredInLogTimeNotInTheLocalClock() {
        TestCluster c = TestCluster.builder(3).dedupeWindowMillis(1_000).build();
        c.elect("n1");
        choose(c, "n1", "x", 5_000);
        choose(c, "n1", "x", 1_000); // the leader's clock went back: the log's time does not

        assertSameDeliveries(c, ALL);
        Delivery retry = c.delivered("n1").get(1);
        assertEquals(List.of("x"), retry.duplicateIds());
        assertEquals(5_000, retry.timestampMillis());
    }

    /**
     * Every occurrence of an id, delivered or skipped, refreshes its time in the window, so the
     * window depends only on each id's last occurrence: exactly what a restarted node rebuilds from
     * the log's tail. Window 1000: x@1000 (slot 1, delivered), x@1800 (slot 2, skipped, refreshes x),
     * y@2100 (slot 3: x@1800 is still within the window), restart n3 with applyFrom=4, x@2500 (slot 4):
     * every node, restarted or not, skips x. (A first-occurrence rule made the restarted node disagree.)
     */
    @Test
    void aRestartedNodeMakesTheSameDedupeDecisionsAsNodesThatNeverRestarted() {
        TestCluster c = TestCluster.builder(3).dedupeWindowMillis(1_000).build();
        c.elect("n1");
        choose(c, "n1", "x", 1_000);
        choose(c, "n1", "x", 1_800); // duplicate: refreshes x to 1 800
        choose(c, "n1", "y", 2_100); // x@1800 is still within the window
        c.crash("n3");
        c.restart("n3");
        choose(c, "n1", "x", 2_500);

        assertEquals(List.of(), c.delivered("n1").get(3).commands(), "a node that never restarted skips x");
        assertEquals(List.of("x"), c.delivered("n1").get(3).duplicateIds());
        assertSameDeliveries(c, ALL);
    }
}
