package io.paxcast.paxos.core;

import org.junit.jupiter.api.Test;

import java.util.List;

import static io.paxcast.paxos.core.TestCluster.batch;
import static io.paxcast.paxos.core.TestCluster.labels;
import static io.paxcast.paxos.core.TestCluster.from;
import static io.paxcast.paxos.core.TestCluster.is;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A node that cannot hear the leader (a one-way cut) must not be able to depose it over and over:
 * its Prepares are ignored by nodes that hear a live leader, so the working majority keeps choosing.
 */
class LeaderStickinessTest {

    @Test
    void aCandidateThatCannotHearTheLeaderDoesNotDeposeIt() {
        TestCluster c = TestCluster.builder(3).stickiness(true).build();
        Ballot leading = c.elect("n1");
        // n3 hears nobody (but is heard): it campaigns, again and again
        c.hold(TestCluster.to("n3"));
        roundTrips(c, "n1"); // n2 has a proven round trip with n1: heartbeat, ack, echo
        for (int round = 0; round < 5; round++) {
            c.tick("n3", 100); // past its election timeout: it campaigns with a higher ballot each time
            c.runUntilQuiet();
        }
        assertTrue(c.sent("n3").stream().filter(is(Message.Prepare.class)).count() >= 5, "n3 kept campaigning");
        assertEquals("leader", c.status("n1").role(), "n1 still leads");
        assertEquals(leading, c.status("n1").ballot());
        c.submit("n1", "still-works");
        c.flush("n1");
        c.runUntilQuiet();
        assertEquals(List.of("still-works"), TestCluster.appliedIds(c.delivered("n1")));
        assertTrue(c.drained("n2").stream().flatMap(d -> d.ready().messages().stream())
                .filter(is(Message.Promise.class)).noneMatch(m -> m.to().equals("n3")), "n2 never promised n3");
    }

    @Test
    void lateMessagesFromAStoppedLeaderDoNotKeepAFollowerLoyal() {
        TestCluster c = TestCluster.builder(3).stickiness(true).build();
        c.elect("n1");
        roundTrips(c, "n1");
        // n1's heartbeats to n2 get stuck in the network (a backlog), then n1 stops for good
        c.hold(from("n1").and(TestCluster.to("n2")));
        c.tick("n1", 10 * TestCluster.HEARTBEAT_TICKS);
        List<Message> late = c.queued(from("n1").and(TestCluster.to("n2")).and(is(Message.Heartbeat.class)));
        assertTrue(late.size() >= 5, "a backlog of heartbeats: " + late.size());
        c.crash("n1");
        c.releaseHolds();
        c.drop(from("n1"));
        // n2's clock runs past an election timeout while the backlog trickles in: each late heartbeat
        // says "alive", but none echoes an ack n2 sent recently
        Ballot candidate = null;
        for (int i = 0; i < late.size(); i++) {
            c.tick("n2", TestCluster.ELECTION_TICKS / 2);
            c.inject(late.get(i));
            if (i == late.size() / 2) {
                candidate = c.campaign("n3");
            }
            c.runUntilQuiet();
        }
        assertTrue(candidate != null);
        boolean promised = c.sent("n2").stream().filter(is(Message.Promise.class))
                .anyMatch(m -> m.to().equals("n3"));
        assertTrue(promised, "n2 promised n3 although n1's old heartbeats kept arriving");
    }

    @Test
    void aFollowerWithAFreshRoundTripStillIgnoresARivalCandidate() {
        TestCluster c = TestCluster.builder(3).stickiness(true).build();
        c.elect("n1");
        roundTrips(c, "n1");
        c.hold(TestCluster.to("n3")); // n3 hears nobody, and campaigns
        c.campaign("n3");
        c.runUntilQuiet();
        assertTrue(c.sent("n2").stream().filter(is(Message.Promise.class)).noneMatch(m -> m.to().equals("n3")),
                "n2 ignored n3: it had just heard its ack echoed by n1");
        assertEquals("leader", c.status("n1").role());
    }

    /** A few heartbeat periods of the leader with every message delivered: acks go back and are echoed. */
    static void roundTrips(TestCluster c, String leader) {
        for (int i = 0; i < 3; i++) {
            c.tick(leader, TestCluster.HEARTBEAT_TICKS);
            c.runUntilQuiet();
        }
    }

    @Test
    void onceTheLeaderIsSilentForAnElectionTimeoutACandidateIsHeardAgain() {
        TestCluster c = TestCluster.builder(3).stickiness(true).build();
        c.elect("n1");
        c.crash("n1");
        c.tick("n2", 200); // the leader has been silent for longer than any election timeout
        c.tick("n3", 200);
        c.runUntilQuiet();
        boolean someoneLeads = "leader".equals(c.status("n2").role()) || "leader".equals(c.status("n3").role());
        assertTrue(someoneLeads, "a new leader was elected: " + c.status("n2") + " / " + c.status("n3"));
        assertTrue(c.sent("n2").stream().anyMatch(from("n2")));
    }
}
