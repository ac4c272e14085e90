package io.paxcast.paxos.core;

import io.paxcast.paxos.core.Message.Accept;
import io.paxcast.paxos.core.Message.Forward;
import io.paxcast.paxos.core.Message.Prepare;
import io.paxcast.paxos.core.Message.Promise;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static io.paxcast.paxos.core.TestCluster.acceptFor;
import static io.paxcast.paxos.core.TestCluster.acceptedFor;
import static io.paxcast.paxos.core.TestCluster.appliedIds;
import static io.paxcast.paxos.core.TestCluster.batch;
import static io.paxcast.paxos.core.TestCluster.labels;
import static io.paxcast.paxos.core.TestCluster.from;
import static io.paxcast.paxos.core.TestCluster.is;
import static io.paxcast.paxos.core.TestCluster.to;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Flow control (DESIGN.md P16; Paxos Made Live section 5, batching): the leader keeps at most
 * {@code pipelineWindow} fresh slots proposed and not chosen, and closes a batch when it holds
 * {@code maxBatchCommands} commands or {@code maxBatchBytes} bytes.
 *
 * <p>Clients submit through follower n2 here, which forwards to the leader; the leader's queue then
 * holds exactly what the test sent (see NewLeaderTest#aCommandSubmittedOnceToALeaderIsProposedInOneSlot).
 */
class PipelineTest {

    private static List<String> ids(String prefix, int n) {
        List<String> ids = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            ids.add(prefix + i);
        }
        return ids;
    }

    /** Every command reaches the leader's queue, not yet proposed. */
    private static void submitThroughFollower(TestCluster c, List<String> ids) {
        for (String id : ids) {
            c.submit("n2", id);
        }
        c.deliver(is(Forward.class));
    }

    /** The values the leader proposed at its ballot, by slot (one Accept per slot, to n2). */
    private static Map<Long, Value> proposed(TestCluster c, String leader, Ballot ballot) {
        Map<Long, Value> bySlot = new TreeMap<>();
        for (Message m : c.sent(leader)) {
            if (m instanceof Accept a && a.to().equals("n2") && a.ballot().equals(ballot)) {
                bySlot.put(a.slot(), a.value());
            }
        }
        return bySlot;
    }

    @Test
    void theLeaderNeverHasMoreThanWindowSlotsInFlightAndBatchesCloseOnMaxBatchCommands() {
        TestCluster c = TestCluster.builder(3).pipeline(2, 3).build();
        Ballot ballot = c.elect("n1");
        int[] maxInFlight = {0};
        c.onEveryReady(d -> {
            if (c.isUp("n1")) {
                maxInFlight[0] = Math.max(maxInFlight[0], c.status("n1").inFlightSlots());
            }
        });
        submitThroughFollower(c, ids("c", 10));
        assertEquals(10, c.status("n1").pendingCommands());

        c.flush("n1");

        assertEquals(2, c.status("n1").inFlightSlots());
        assertEquals(4, c.status("n1").pendingCommands());
        assertEquals(List.of(1L, 2L), List.copyOf(proposed(c, "n1", ballot).keySet()));
        for (int rounds = 0; rounds < 10 && c.status("n1").chosenPrefix() < 4; rounds++) {
            c.runUntilQuiet();
            c.flush("n1");
        }

        assertTrue(maxInFlight[0] <= 2, "in flight at most the window, saw " + maxInFlight[0]);
        List<Integer> batchSizes = proposed(c, "n1", ballot).values().stream().map(Value::size).toList();
        assertEquals(List.of(3, 3, 3, 1), batchSizes, "each batch closes at maxBatchCommands");
        for (String id : c.ids()) {
            assertEquals(ids("c", 10), appliedIds(c.delivered(id)), id);
        }
    }

    @Test
    void theWindowOpensOneSlotForEachSlotChosen() {
        TestCluster c = TestCluster.builder(3).pipeline(3, 1).build();
        Ballot ballot = c.elect("n1");
        submitThroughFollower(c, ids("m", 6));
        c.flush("n1");
        assertEquals(List.of(1L, 2L, 3L), List.copyOf(proposed(c, "n1", ballot).keySet()));

        c.deliverFirst(acceptFor(3).and(to("n1")));
        c.deliverFirst(acceptFor(3).and(to("n2")));
        c.deliver(acceptedFor(3)); // slot 3 chosen, out of order: it still frees a place
        c.flush("n1");
        assertEquals(List.of(1L, 2L, 3L, 4L), List.copyOf(proposed(c, "n1", ballot).keySet()));
        c.flush("n1");
        assertEquals(3, c.status("n1").inFlightSlots(), "a flush with a full window proposes nothing");
        assertEquals(List.of(1L, 2L, 3L, 4L), List.copyOf(proposed(c, "n1", ballot).keySet()));

        c.deliverFirst(acceptFor(1).and(to("n1")));
        c.deliverFirst(acceptFor(1).and(to("n2")));
        c.deliver(acceptedFor(1));
        c.flush("n1");
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L), List.copyOf(proposed(c, "n1", ballot).keySet()));
    }

    @Test
    void batchesCloseOnMaxBatchBytes() {
        // "b1" from origin n2 weighs 2 + 2 + 32 = 36 bytes: two fit under 80, three do not
        TestCluster c = TestCluster.builder(3).pipeline(8, 100).maxBatchBytes(80).build();
        Ballot ballot = c.elect("n1");
        submitThroughFollower(c, ids("b", 5));

        c.flush("n1");

        List<Integer> batchSizes = proposed(c, "n1", ballot).values().stream().map(Value::size).toList();
        assertEquals(List.of(2, 2, 1), batchSizes);
        c.runUntilQuiet();
        assertEquals(ids("b", 5), appliedIds(c.delivered("n3")));
    }

    @Test
    void aNewLeaderProposesNoFreshBatchWhileItsReProposalsFillTheWindow() {
        TestCluster c = TestCluster.builder(3).pipeline(2, 1).build();
        c.elect("n1");
        submitThroughFollower(c, ids("m", 5));
        c.isolate("n3");
        c.flush("n1");
        c.drop(acceptFor(1)); // slot 1 stays in flight: n2 accepts, and n1 learns chosen, slots 2..5 only
        for (long slot = 2; slot <= 5; slot++) {
            c.deliverFirst(acceptFor(slot).and(to("n1"))); // the leader's own vote travels like a peer's
            c.deliverFirst(acceptFor(slot).and(to("n2")));
            c.deliver(acceptedFor(slot));
            c.flush("n1");
        }
        assertEquals(0, c.status("n2").chosenPrefix(), "n2 holds four votes it does not know are chosen");
        c.crash("n1");
        c.heal();
        c.drop(m -> true);
        c.submit("n2", "fresh"); // n2 hands it (and m1, still unacknowledged) to the next leader

        Ballot ballot = c.campaign("n3");
        c.deliverFirst(is(Prepare.class).and(to("n2")));
        c.deliverFirst(is(Promise.class).and(from("n2")));
        assertEquals("leader", c.status("n3").role());
        c.hold(to("n3").and(is(Message.Accepted.class))); // the re-proposals stay unanswered for now
        c.runUntilQuiet(); // n2 hears of n3 and forwards "fresh"
        c.flush("n3");

        assertTrue(c.status("n3").inFlightSlots() >= 2);
        assertTrue(c.status("n3").pendingCommands() >= 2, "n2 handed over m1 (lost in slot 1) and fresh");
        assertTrue(c.sent("n3").stream().noneMatch(m -> m instanceof Accept a && a.slot() > 5),
                "no fresh batch while the window is full");
        c.releaseHolds();
        for (int rounds = 0; rounds < 20 && c.status("n3").pendingCommands() + c.status("n3").inFlightSlots() > 0;
             rounds++) {
            c.runUntilQuiet();
            c.flush("n3");
        }
        c.runUntilQuiet();

        Map<Long, Value> slots = new TreeMap<>();
        for (Message m : c.sent("n3")) {
            if (m instanceof Accept a && a.ballot().equals(ballot) && a.to().equals("n2")) {
                slots.put(a.slot(), a.value());
            }
        }
        assertEquals(Value.NOOP, slots.get(1L), "slot 1 was accepted by n1 alone: a hole");
        for (long slot = 2; slot <= 5; slot++) {
            assertEquals(List.of("m" + slot), labels(slots.get(slot).commands()), "re-proposed in slot " + slot);
        }
        assertEquals(List.of("m1"), labels(slots.get(6L).commands()), "fresh batches go above the re-proposals");
        assertEquals(List.of("m2", "m3", "m4", "m5", "m1", "fresh"), appliedIds(c.delivered("n3")));
        assertEquals(c.delivered("n3"), c.delivered("n2"));
    }
}
