package io.paxcast.paxos.core;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A cluster bootstrapped with one voter never changes its membership: that voter, if it lost its disk,
 * would find nobody to ask ({@link Rejoin#alone}) and vote again at once, while the members it had
 * added hold the values it forgot. Three bootstrap voters can grow and shrink (the simulator's
 * MEMBERS_* scenarios).
 */
class SingleVoterMembershipTest {

    @Test
    void aSingleBootstrapVoterRefusesEveryChange() {
        TestCluster cluster = TestCluster.of(1);
        String leader = cluster.ids().get(0);
        cluster.tick(leader, TestCluster.ELECTION_TICKS * 3);
        cluster.runUntilQuiet();
        assertEquals("leader", cluster.status(leader).role(), "a single voter elects itself");
        MemberChange.Answer answer = cluster.node(leader).changeMembership(new MemberChange.AddLearner("n9"));
        assertEquals(MemberChange.Outcome.INVALID, answer.outcome(), answer.toString());
        assertTrue(answer.detail().contains("single voter"), answer.detail());
        assertEquals(0, cluster.status(leader).membership().epoch(), "nothing was proposed");
    }

    @Test
    void threeBootstrapVotersMayAddALearner() {
        TestCluster cluster = TestCluster.of(3);
        String leader = cluster.ids().get(0);
        cluster.elect(leader);
        MemberChange.Answer answer = cluster.node(leader).changeMembership(new MemberChange.AddLearner("n9"));
        assertEquals(MemberChange.Outcome.PROPOSED, answer.outcome(), answer.toString());
    }
}
