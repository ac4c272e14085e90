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
 * A node whose storage was found corrupt cannot prove what it promised (DESIGN.md P3-P4): it runs as a
 * non-voting learner. It must never answer a Prepare or an Accept, never campaign, and still learn
 * the whole chosen log from its peers and forward its clients' commands.
 */
class NonVotingLearnerTest {

    @Test
    void aNonVotingNodeNeverVotesNorCampaignsButLearnsEverythingAndForwards() {
        TestCluster c = TestCluster.builder(3).nonVoting("n3").build();
        c.elect("n1");
        c.submit("n1", "a");
        c.flush("n1");
        c.runUntilQuiet();
        c.submit("n3", "b"); // forwarded by the learner to the leader
        c.runUntilQuiet();
        c.flush("n1");
        c.runUntilQuiet();
        c.tick("n3", 200); // far past any election timeout: a learner never campaigns
        c.runUntilQuiet();

        List<Message> fromLearner = c.sent("n3");
        assertTrue(fromLearner.stream().noneMatch(m -> m instanceof Message.Promise || m instanceof Message.Accepted
                || m instanceof Message.Prepare || m instanceof Message.Nack), "no vote, no campaign: " + fromLearner);
        assertEquals(List.of("a", "b"), TestCluster.appliedIds(c.delivered("n1")));
        assertEquals(TestCluster.appliedIds(c.delivered("n1")), TestCluster.appliedIds(c.delivered("n3")),
                "the learner delivers the same log");
        assertEquals("learner", c.status("n3").role());
        assertTrue(c.sent("n3").stream().anyMatch(is(Message.CatchupRequest.class)), "it learns by catch-up");
        assertTrue(c.drained("n1").stream().flatMap(d -> d.ready().messages().stream())
                .filter(from("n1")).anyMatch(is(Message.Accept.class)));
    }

    @Test
    void aLearnerFetchesFromAFollowerAndFromTheLeaderOnlyWhenTheFollowerIsSilent() {
        TestCluster c = TestCluster.builder(5).nonVoting("n5").build();
        c.elect("n1");
        c.submit("n1", "a");
        c.flush("n1");
        c.runUntilQuiet();
        List<Message> asked = c.sent("n5").stream().filter(is(Message.CatchupRequest.class)).toList();
        assertTrue(!asked.isEmpty() && asked.stream().noneMatch(m -> m.to().equals("n1")),
                "the learner asks a follower, not the leader: " + asked);
        assertEquals(List.of("a"), TestCluster.appliedIds(c.delivered("n5")));

        String follower = asked.get(0).to();
        int mark = c.sent("n5").size();
        c.isolate(follower);
        c.submit("n1", "b");
        c.flush("n1");
        for (int i = 0; i < 20 && TestCluster.appliedIds(c.delivered("n5")).size() < 2; i++) {
            c.tick("n5", TestCluster.RETRANSMIT_TICKS);
            c.runUntilQuiet();
        }
        assertTrue(c.sentSince("n5", mark).stream().filter(is(Message.CatchupRequest.class))
                .anyMatch(m -> m.to().equals("n1")), "with " + follower + " silent it asks the leader");
        assertEquals(List.of("a", "b"), TestCluster.appliedIds(c.delivered("n5")));
    }

    @Test
    void aLearnerFollowingALiveLogAsksForEachNewCommitPointAtOnceNotARetransmissionLater() {
        TestCluster c = TestCluster.builder(5).nonVoting("n5").build();
        c.elect("n1");
        c.submit("n1", "a");
        c.flush("n1");
        c.runUntilQuiet();
        assertEquals(List.of("a"), TestCluster.appliedIds(c.delivered("n5")));
        for (String id : List.of("b", "c", "d")) {
            // no tick between the decisions: only messages move, so a learner that waited for its
            // retransmission period before asking again (100 ms in production) would not have them
            c.submit("n1", id);
            c.flush("n1");
            c.runUntilQuiet();
        }
        assertEquals(List.of("a", "b", "c", "d"), TestCluster.appliedIds(c.delivered("n5")),
                "the learner is a round trip behind each commit point");
    }

    @Test
    void withOneVoterDownAndOneLearnerNothingIsChosen() {
        TestCluster c = TestCluster.builder(3).nonVoting("n3").build();
        c.elect("n1");
        c.crash("n2");
        c.submit("n1", "needs-a-majority");
        c.flush("n1");
        c.tick("n1", 5);
        c.runUntilQuiet();
        assertEquals(List.of(), c.delivered("n1"), "the learner's silence is not a vote");
    }
}
