package io.paxcast.paxos.core;

import io.paxcast.paxos.core.Message.Accept;
import io.paxcast.paxos.core.Message.Heartbeat;
import io.paxcast.paxos.core.Message.Nack;
import io.paxcast.paxos.core.Message.Prepare;
import io.paxcast.paxos.core.Message.Promise;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.paxcast.paxos.core.TestCluster.appliedIds;
import static io.paxcast.paxos.core.TestCluster.batch;
import static io.paxcast.paxos.core.TestCluster.labels;
import static io.paxcast.paxos.core.TestCluster.from;
import static io.paxcast.paxos.core.TestCluster.is;
import static io.paxcast.paxos.core.TestCluster.to;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Ballots (Paxos Made Simple 2.2, DESIGN.md P5 and P8): "different proposers choose their numbers
 * from disjoint sets", a node never reuses a ballot, also across a restart, and a higher ballot in any
 * reply means another leader exists: stop proposing.
 */
class BallotTest {

    @Test
    void differentProposersChooseTheirBallotsFromDisjointSets() {
        Ballot seen = new Ballot(7, "n2");
        Ballot a = seen.next("n1");
        Ballot b = seen.next("n3");
        assertNotEquals(a, b);
        assertTrue(a.greaterThan(seen) && b.greaterThan(seen));
        assertTrue(b.greaterThan(a), "the node id breaks the tie: a total order");
    }

    @Test
    void aRestartedNodeNeverReusesABallot() {
        TestCluster c = TestCluster.of(3);
        Ballot first = c.campaign("n1");
        c.drop(m -> true); // its Prepares never arrive; nothing but its own disk remembers the round
        c.crash("n1");
        c.restart("n1");

        assertEquals(first, c.storage("n1").promised(), "the campaign's own promise persisted the round");
        Ballot second = c.campaign("n1");

        assertTrue(second.greaterThan(first), second + " after " + first);
    }

    @Test
    void aRestartedNodeCampaignsAboveThePromiseItPersisted() {
        TestCluster c = TestCluster.of(3);
        Ballot peers = new Ballot(41, "n3");
        c.inject(new Prepare("n3", "n1", peers, 1));
        c.drop(m -> true);
        c.crash("n1");
        c.restart("n1");

        Ballot ballot = c.campaign("n1");

        assertTrue(ballot.greaterThan(peers), ballot + " must be above the persisted promise " + peers);
    }

    @Test
    void aNackWithAHigherBallotMakesTheLeaderStepDown() {
        TestCluster c = TestCluster.of(3);
        Ballot old = c.elect("n1");
        c.hold(to("n1")); // n1 does not hear of the newer leader
        Ballot newer = c.elect("n2");
        c.releaseHolds();
        c.drop(to("n1")); // not even through n2's Prepare or heartbeats: only through a rejection

        c.submit("n1", "stale");
        c.flush("n1"); // n1 still believes it leads: Accepts at its old ballot
        assertEquals("leader", c.status("n1").role());
        c.deliverFirst(is(Accept.class).and(from("n1")).and(to("n3")));
        Message nack = c.deliverFirst(is(Nack.class).and(to("n1")));

        assertEquals(new Nack("n3", "n1", old, newer), nack);
        assertEquals("follower", c.status("n1").role(), "preempted: stop proposing");
        assertEquals(0, c.status("n1").inFlightSlots());
        int mark = c.sent("n1").size();
        c.tick("n1", TestCluster.RETRANSMIT_TICKS);
        assertTrue(c.sentSince("n1", mark).stream().noneMatch(is(Accept.class)), "no retransmission after stepping down");

        // The command is not lost: n1 hands it to the new leader once it hears of it.
        c.runUntilQuiet();
        c.tick("n2", TestCluster.HEARTBEAT_TICKS);
        c.runUntilQuiet();
        c.flush("n2");
        c.runUntilQuiet();
        for (String id : c.ids()) {
            assertEquals(List.of("stale"), appliedIds(c.delivered(id)), id);
        }
    }

    @Test
    void aHeartbeatFromAHigherBallotMakesTheLeaderStepDown() {
        TestCluster c = TestCluster.of(3);
        c.elect("n1");
        c.hold(to("n1"));
        Ballot newer = c.elect("n2");
        c.releaseHolds();
        c.drop(to("n1").and(is(Heartbeat.class).negate()));

        c.deliverFirst(is(Heartbeat.class).and(to("n1")));

        assertEquals("follower", c.status("n1").role());
        assertEquals("n2", c.status("n1").leaderId());
        assertEquals(newer, c.status("n1").ballot());
    }

    @Test
    void aNackForABallotTheProposerNoLongerUsesDoesNotDeposeIt() {
        TestCluster c = TestCluster.of(3);
        Ballot old = c.elect("n1");
        c.crash("n1");
        c.restart("n1");
        Ballot current = c.elect("n1");
        assertTrue(current.greaterThan(old));

        c.inject(new Nack("n3", "n1", old, new Ballot(old.round(), "n3"))); // a late duplicate from long ago

        assertEquals("leader", c.status("n1").role());
        assertEquals(current, c.status("n1").ballot());
    }

    @Test
    void aCandidateThatLearnsOfAHigherBallotCampaignsAboveIt() {
        TestCluster c = TestCluster.of(3);
        Ballot peer = new Ballot(9, "n3");
        c.inject(new Prepare("n3", "n2", peer, 1)); // n2 promised n3's ballot; n1 has not heard of it
        c.drop(m -> true);

        Ballot first = c.campaign("n1");
        c.deliverFirst(is(Prepare.class).and(to("n2")));
        c.deliverFirst(is(Nack.class).and(to("n1")));
        c.drop(m -> true);
        assertFalse("leader".equals(c.status("n1").role()));
        assertTrue(first.lessThan(peer));

        Ballot second = c.campaign("n1");
        assertTrue(second.greaterThan(peer), second + " must be above the ballot the Nack reported, " + peer);
        c.runUntilQuiet();
        assertEquals("leader", c.status("n1").role());
        assertTrue(c.sent("n2").stream().anyMatch(m -> m instanceof Promise p && p.ballot().equals(second)));
    }
}
