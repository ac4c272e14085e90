package io.paxcast.paxos.core;

import org.junit.jupiter.api.Test;

import java.util.List;

import static io.paxcast.paxos.core.TestCluster.cmd;
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
        for (int round = 0; round < 5; round++) {
            c.tick("n3", 100); // past its election timeout: it campaigns with a higher ballot each time
            c.runUntilQuiet();
        }
        assertTrue(c.sent("n3").stream().filter(is(Message.Prepare.class)).count() >= 5, "n3 kept campaigning");
        assertEquals("leader", c.status("n1").role(), "n1 still leads");
        assertEquals(leading, c.status("n1").ballot());
        c.submit("n1", cmd("still-works"));
        c.flush("n1");
        c.runUntilQuiet();
        assertEquals(List.of("still-works"), TestCluster.appliedIds(c.delivered("n1")));
        assertTrue(c.drained("n2").stream().flatMap(d -> d.ready().messages().stream())
                .filter(is(Message.Promise.class)).noneMatch(m -> m.to().equals("n3")), "n2 never promised n3");
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
