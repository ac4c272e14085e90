package io.paxcast.paxos.core;

import io.paxcast.paxos.core.Message.Accept;
import io.paxcast.paxos.core.Message.CatchupReply;
import io.paxcast.paxos.core.Message.CatchupRequest;
import io.paxcast.paxos.core.Message.ChosenEntry;
import io.paxcast.paxos.core.Message.Prepare;
import io.paxcast.paxos.core.Message.Promise;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import static io.paxcast.paxos.core.TestCluster.acceptFor;
import static io.paxcast.paxos.core.TestCluster.appliedIds;
import static io.paxcast.paxos.core.TestCluster.batch;
import static io.paxcast.paxos.core.TestCluster.labels;
import static io.paxcast.paxos.core.TestCluster.from;
import static io.paxcast.paxos.core.TestCluster.is;
import static io.paxcast.paxos.core.TestCluster.to;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Phase 1 of a new leader (Paxos Made Simple P2c; Paxos Made Moderately Complex, scouts;
 * DESIGN.md P6 and P7): it finds what any acceptor of its quorum accepted and re-proposes it in the
 * same slot, fills the holes below with no-ops, and does not propose before it knows every slot a
 * peer of its quorum knows chosen.
 */
class NewLeaderTest {

    /** The values {@code leader} proposed (to {@code peer}) at {@code ballot}, by slot. */
    private static Map<Long, Value> proposals(TestCluster c, String leader, String peer, Ballot ballot) {
        Map<Long, Value> bySlot = new TreeMap<>();
        for (Message m : c.sent(leader)) {
            if (m instanceof Accept a && a.to().equals(peer) && a.ballot().equals(ballot)) {
                Value previous = bySlot.put(a.slot(), a.value());
                assertTrue(previous == null || previous.equals(a.value()), "one value per slot and ballot");
            }
        }
        return bySlot;
    }

    private static Delivery noop(long slot, long logTime) {
        return new Delivery(slot, logTime, 0, Value.NOOP, List.of());
    }

    @Test
    void aValueAcceptedByAMinorityUnderAnOldLeaderIsReProposedInTheSameSlotAndTheHolesBelowBecomeNoOps() {
        TestCluster c = TestCluster.builder(5).pipeline(8, 1).build();
        Ballot old = c.elect("n1");
        for (String id : List.of("a", "b", "c")) {
            c.submit("n1", id);
        }
        c.flush("n1"); // slots 1, 2, 3
        Value third = ((Accept) c.queued(acceptFor(3)).get(0)).value();
        c.deliverFirst(acceptFor(3).and(to("n2"))); // slot 3 accepted by n1 and n2: a minority of 5
        c.drop(m -> true); // every other Accept, and n2's Accepted, are lost
        c.crash("n1");
        c.submit("n3", "fresh"); // a fresh client command is already waiting at the next leader

        Ballot next = c.campaign("n3");
        c.deliverFirst(is(Prepare.class).and(to("n2")));
        c.deliverFirst(is(Promise.class).and(from("n2")));
        c.deliverFirst(is(Prepare.class).and(to("n4")));
        c.deliverFirst(is(Promise.class).and(from("n4"))); // quorum: n3, n2, n4

        assertEquals("leader", c.status("n3").role());
        assertTrue(next.greaterThan(old));
        Map<Long, Value> proposed = proposals(c, "n3", "n4", next);
        assertEquals(Value.NOOP, proposed.get(1L), "a hole below the highest accepted slot: a no-op");
        assertEquals(Value.NOOP, proposed.get(2L), "a hole below the highest accepted slot: a no-op");
        assertEquals(third, proposed.get(3L), "the minority's value, in the same slot");
        c.flush("n3"); // (see aNewLeaderProposesTheCommandsWaitingAtItAsSoonAsItTakesOver)
        proposed = proposals(c, "n3", "n4", next);
        assertEquals(List.of("fresh"), labels(proposed.get(4L).commands()), "a fresh command goes above, never in a hole");
        assertEquals(List.of(1L, 2L, 3L, 4L), List.copyOf(proposed.keySet()));

        c.runUntilQuiet();
        long t = third.timestampMillis();
        List<Delivery> expectedPrefix = List.of(noop(1, 0), noop(2, 0), new Delivery(3, t, third.logClockMillis(), third,
                third.commands()));
        for (String id : List.of("n2", "n3", "n4", "n5")) {
            assertEquals(expectedPrefix, c.delivered(id).subList(0, 3), id);
            assertEquals(List.of("c", "fresh"), appliedIds(c.delivered(id)), id);
        }

        // The old leader, restarted, delivers the no-ops, not the a and b it had accepted itself.
        c.restart("n1");
        c.tick("n3", TestCluster.HEARTBEAT_TICKS);
        c.runUntilQuiet();
        assertEquals(c.delivered("n3"), c.delivered("n1"));
    }

    @Test
    void theNewLeaderReProposesTheValueAcceptedAtTheHighestBallotInItsQuorum() {
        TestCluster c = TestCluster.of(5);
        Value older = batch(1_000, "older");
        Value newer = batch(1_000, "newer");
        c.inject(new Accept("n1", "n2", new Ballot(1, "n1"), 1, older, 0));
        c.inject(new Accept("n4", "n3", new Ballot(2, "n4"), 1, newer, 0));
        c.drop(m -> true); // the Accepted replies go nowhere: n1 and n4 are gone

        Ballot ballot = c.campaign("n3"); // n3 saw ballot 2.n4: it campaigns above it
        c.deliverFirst(is(Prepare.class).and(to("n2")));
        c.deliverFirst(is(Promise.class).and(from("n2")));
        c.deliverFirst(is(Prepare.class).and(to("n5")));
        c.deliverFirst(is(Promise.class).and(from("n5"))); // quorum: n3 (2.n4, newer), n2 (1.n1, older), n5

        assertTrue(ballot.greaterThan(new Ballot(2, "n4")));
        assertEquals(Map.of(1L, newer), proposals(c, "n3", "n2", ballot));
        c.runUntilQuiet();
        assertEquals(List.of("newer"), appliedIds(c.delivered("n2")));
        assertEquals(List.of("newer"), appliedIds(c.delivered("n3")));
    }

    @Test
    void aNewLeaderThatIsBehindCatchesUpBeforeProposingAndNeverOverwritesAChosenSlot() {
        TestCluster c = TestCluster.builder(3).pipeline(8, 1).build();
        c.elect("n1");
        c.isolate("n3");
        for (String id : List.of("c1", "c2", "c3")) {
            c.submit("n1", id);
        }
        c.flush("n1");
        c.runUntilQuiet();
        assertEquals(3, c.status("n2").chosenPrefix());
        assertEquals(0, c.status("n3").chosenPrefix());
        List<Delivery> chosen = c.delivered("n2");
        c.crash("n1");
        c.heal();

        int mark = c.sent("n3").size();
        Ballot ballot = c.campaign("n3");
        c.deliverFirst(is(Prepare.class).and(to("n2")));
        c.deliverFirst(is(Promise.class).and(from("n2"))); // a quorum, whose promise reports prefix 3

        assertEquals("candidate", c.status("n3").role(), "behind: it may not lead yet");
        List<Message> meanwhile = c.sentSince("n3", mark);
        assertTrue(meanwhile.stream().noneMatch(is(Accept.class)), "no proposal before catching up: " + meanwhile);
        assertTrue(meanwhile.contains(new CatchupRequest("n3", "n2", 1)), meanwhile.toString());

        c.runUntilQuiet();
        assertEquals("leader", c.status("n3").role());
        assertEquals(chosen, c.delivered("n3"));
        c.submit("n3", "c4");
        c.flush("n3");
        c.runUntilQuiet();

        Map<Long, Value> proposed = proposals(c, "n3", "n2", ballot);
        assertEquals(List.of(4L), List.copyOf(proposed.keySet()), "only slots above the chosen prefix");
        assertEquals(List.of("c1", "c2", "c3", "c4"), appliedIds(c.delivered("n3")));
        assertEquals(c.delivered("n3"), c.delivered("n2"));
        for (long slot = 1; slot <= 3; slot++) {
            Delivery d = chosen.get((int) slot - 1);
            assertEquals(Optional.of(List.copyOf(d.commands())),
                    c.storage("n2").chosen(slot).map(Value::commands), "slot " + slot + " still holds its chosen value");
        }
    }

    /**
     * PaxosNode.settle means to hand a new leader every command tracked at it and flush them ("if
     * (proposer.isLeader() && !wasLeader)"), but it samples {@code wasLeader} after {@code step}
     * already dispatched the Promise that completed the quorum, so that block never runs on the
     * normal path; with nothing to re-propose, the command is not even enqueued until
     * {@code resubmitTicks} (100 ticks by default) have passed.
     */
    @Test
    void aNewLeaderProposesTheCommandsWaitingAtItAsSoonAsItTakesOver() {
        TestCluster c = TestCluster.of(3);
        c.elect("n1");
        c.crash("n1");
        c.submit("n2", "waiting"); // forwarded to n1, which is down
        c.drop(m -> true);

        Ballot ballot = c.campaign("n2");
        c.deliverFirst(is(Prepare.class).and(to("n3")));
        c.deliverFirst(is(Promise.class).and(from("n3")));
        assertEquals("leader", c.status("n2").role());
        c.flush("n2");
        c.tick("n2", TestCluster.HEARTBEAT_TICKS);

        assertTrue(c.sent("n2").stream().anyMatch(m -> m instanceof Accept a && a.ballot().equals(ballot)
                        && labels(a.value().commands()).contains("waiting")),
                "the new leader proposes the command waiting at it; status " + c.status("n2"));
    }

    /**
     * The same root cause as above, seen from a client: the leader's {@code leaderId} still names
     * nobody (or the previous leader) after it took over, so its first own Accept makes
     * {@code heardFromLeader} treat it as a new leader and re-route every command tracked at it,
     * which are already in flight; the next flush proposes them again. Dedupe hides the second copy
     * from the application, but it costs a slot per command and relies on the dedupe window.
     * Sequence (3 nodes): n1 elected on n2's Promise; submit(n1, "once"); flush -> Accept slot 1
     * ["once"]; n1's self-Accept re-enqueues "once"; tick/flush -> Accept slot 2 ["once"].
     */
    @Test
    void aCommandSubmittedOnceToALeaderIsProposedInOneSlot() {
        TestCluster c = TestCluster.of(3);
        Ballot ballot = c.elect("n1");
        c.submit("n1", "once");
        c.flush("n1");
        c.runUntilQuiet();
        c.tick("n1", TestCluster.HEARTBEAT_TICKS);
        c.runUntilQuiet();

        assertEquals(List.of(1L), List.copyOf(proposals(c, "n1", "n2", ballot).keySet()));
        assertEquals(1, c.delivered("n2").size(), c.delivered("n2").toString());
    }

    @Test
    void anAcceptorThatKnowsASlotChosenAnswersAnAcceptForItWithTheChosenValueNotAVote() {
        TestCluster c = TestCluster.of(3);
        c.elect("n1");
        c.submit("n1", "a");
        c.flush("n1");
        c.runUntilQuiet();
        Value chosen = c.storage("n2").chosen(1).orElseThrow();
        Value other = batch(2_000, "other");
        int readies = c.drained("n2").size();
        int mark = c.sent("n2").size();

        c.inject(new Accept("n3", "n2", new Ballot(9, "n3"), 1, other, 0));

        assertEquals(List.of(new CatchupReply("n2", "n3", List.of(new ChosenEntry(1, chosen)), 1)),
                c.sentSince("n2", mark));
        assertTrue(c.drained("n2").subList(readies, c.drained("n2").size()).stream()
                .flatMap(d -> d.ready().writes().stream()).noneMatch(w -> w instanceof StorageWrite.Accepted));
        assertEquals(Optional.of(chosen), c.storage("n2").chosen(1));
    }
}
