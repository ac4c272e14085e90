package io.paxcast.paxos.core;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** With pre-vote and stickiness on (as in production), a dead leader is replaced within a few election timeouts. */
class FailoverTimeTest {

    @Test
    void aDeadLeaderIsReplacedWithinThreeElectionTimeouts() {
        for (long seed = 1; seed <= 30; seed++) {
            TestCluster c = TestCluster.builder(3).preVote(true).stickiness(true).seed(seed).build();
            String leader = null; // (effectively final copy below)
            for (int i = 0; i < 200 && (leader == null || i < 60); i++) { // an election, then normal operation
                for (String id : c.ids()) {
                    c.tick(id);
                }
                c.runUntilQuiet();
                for (String id : c.ids()) {
                    if (leads(c, id)) {
                        leader = id;
                    }
                }
            }
            assertTrue(leader != null, "seed " + seed + ": no first leader");
            c.crash(leader);
            String dead = leader;
            String[] others = c.ids().stream().filter(id -> !id.equals(dead)).toArray(String[]::new);
            int ticks = 0;
            while (ticks < 50 * TestCluster.ELECTION_TICKS && !leads(c, others[0]) && !leads(c, others[1])) {
                c.tick(others[0]);
                c.tick(others[1]);
                c.runUntilQuiet();
                ticks++;
            }
            System.out.printf("seed %d: new leader after %d ticks (election timeout %d)%n", seed, ticks,
                    TestCluster.ELECTION_TICKS);
            assertTrue(ticks <= 3 * TestCluster.ELECTION_TICKS, "seed " + seed + ": " + ticks + " ticks");
        }
    }

    private static boolean leads(TestCluster c, String id) {
        return "leader".equals(c.status(id).role());
    }
}
