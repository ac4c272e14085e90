package io.paxcast.paxos.core;

import io.paxcast.paxos.core.Message.StateReport;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Rejoin}'s rules and where they stop: probing the bootstrap voters speaks for the cluster only
 * while no membership change was applied. Once one was, a voter added since may hold what the blank
 * node forgot, so rules 1 and 3 give up for good; rule 2 (this very store was found empty when the
 * cluster began) still holds.
 */
class RejoinTest {
    private static final long TOKEN = 0x5eed;
    private final PaxosConfig config = PaxosConfig.defaults("n1", List.of("n1", "n2", "n3"));

    @Test
    void ruleThreeLetsABlankVoterBackOnceItKnowsTheLogTheOthersReport() {
        Rejoin rejoin = new Rejoin(config, TOKEN);
        assertNull(rejoin.onReport(report("n2", 7, 0), 40, 0));
        Rejoin.Decision decision = rejoin.onReport(report("n3", 9, 0), 40, 0);
        assertNotNull(decision, "every other voter answered and the node knows slots up to 9 as chosen");
        assertEquals(new Ballot(5, "n2"), decision.adopt());
    }

    @Test
    void aReportOfAChangedMembershipEndsRulesOneAndThreeForGood() {
        Rejoin rejoin = new Rejoin(config, TOKEN);
        assertNull(rejoin.onReport(report("n2", 7, 0), 40, 0));
        assertNull(rejoin.onReport(report("n3", 9, 3), 40, 0), "n3 knows epoch 3: n4 may hold what n1 forgot");
        assertTrue(rejoin.superseded());
        assertNull(rejoin.onChosenPrefix(1_000, 0), "learning more of the log does not bring rule 3 back");
        assertNull(rejoin.onReport(report("n2", 7, 0), 2_000, 0));
    }

    @Test
    void aChangeInTheNodesOwnLogEndsThemToo() {
        Rejoin rejoin = new Rejoin(config, TOKEN);
        assertNull(rejoin.onReport(empty("n2"), 0, 0));
        assertNull(rejoin.onReport(empty("n3"), 0, 1), "all empty would be rule 1, but this node applied epoch 1");
        assertTrue(rejoin.superseded());
    }

    @Test
    void ruleTwoHoldsInAnyEpoch() {
        Rejoin rejoin = new Rejoin(config, TOKEN);
        assertNull(rejoin.onReport(report("n3", 9, 4), 0, 4));
        StateReport listsThisStore = new StateReport("n2", "n1", TOKEN, 0, new Ballot(5, "n2"), 12, false, false,
                Map.of("n1", TOKEN, "n2", 77L), 4);
        Rejoin.Decision decision = rejoin.onReport(listsThisStore, 0, 4);
        assertNotNull(decision, "n2 found this very store empty when the cluster began: it never held anything");
        assertNull(decision.adopt());
    }

    @Test
    void aSingleBootstrapVoterIsAloneOnlyWithNoOtherVoter() {
        assertNotNull(new Rejoin(PaxosConfig.defaults("n1", List.of("n1")), TOKEN).alone());
        assertNull(new Rejoin(config, TOKEN).alone());
        assertFalse(new Rejoin(config, TOKEN).superseded());
    }

    private static StateReport report(String from, long highestSlot, long epoch) {
        return new StateReport(from, "n1", TOKEN, 0, new Ballot(5, "n2"), highestSlot, false, false, Map.of(), epoch);
    }

    private static StateReport empty(String from) {
        return new StateReport(from, "n1", TOKEN, 0, Ballot.ZERO, 0, true, true, Map.of(), 0);
    }
}
