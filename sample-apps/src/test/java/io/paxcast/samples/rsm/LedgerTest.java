package io.paxcast.samples.rsm;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The state machine alone: the rule, the invariants, determinism, and why order matters. */
class LedgerTest {

    static Ledger apply(LedgerCommand... commands) {
        Ledger ledger = new Ledger();
        for (LedgerCommand c : commands) {
            ledger.apply(c);
        }
        return ledger;
    }

    @Test
    void aTransferTheSourceCannotPayIsRejected() {
        Ledger l = new Ledger();
        l.apply(new LedgerCommand.Open("alice", 100));
        l.apply(new LedgerCommand.Open("bob", 0));
        assertEquals(Ledger.Outcome.APPLIED, l.apply(new LedgerCommand.Transfer("1", "alice", "bob", 70)));
        assertEquals(Ledger.Outcome.REJECTED, l.apply(new LedgerCommand.Transfer("2", "alice", "bob", 31)));
        assertEquals(Ledger.Outcome.REJECTED, l.apply(new LedgerCommand.Transfer("3", "alice", "nobody", 1)));
        assertEquals(Ledger.Outcome.REJECTED, l.apply(new LedgerCommand.Transfer("4", "alice", "bob", -5)));
        assertEquals(Ledger.Outcome.REJECTED, l.apply(new LedgerCommand.Open("alice", 1000)));
        assertEquals(Map.of("alice", 30L, "bob", 70L), l.balances());
        assertEquals(3, l.applied());
        assertEquals(4, l.rejected());
    }

    @Test
    void afterTheSealEverythingIsRejected() {
        Ledger l = apply(new LedgerCommand.Open("a", 5), new LedgerCommand.Open("b", 5), new LedgerCommand.Seal());
        assertEquals(Ledger.Outcome.REJECTED, l.apply(new LedgerCommand.Transfer("1", "a", "b", 1)));
        assertTrue(l.sealed());
    }

    @Test
    void strayMessagesParseAsInvalidAndChangeNoBalance() {
        Ledger l = apply(new LedgerCommand.Open("a", 5));
        String before = l.balances().toString();
        for (Object data : List.of("hello", 42, new JsonObject().put("op", "transfer").put("from", "a"),
                new JsonObject().put("op", "open").put("account", "x").put("amount", 1.5),
                new JsonObject().put("op", "drop-table"))) {
            assertEquals(Ledger.Outcome.INVALID, l.apply(LedgerCommand.parse(data)), String.valueOf(data));
        }
        assertEquals(before, l.balances().toString());
        assertEquals(5, l.invalid());
    }

    @Test
    void commandsRoundTripThroughJson() {
        for (LedgerCommand c : List.of(new LedgerCommand.Open("a", 5), new LedgerCommand.Transfer("t1", "a", "b", 3),
                new LedgerCommand.Seal())) {
            assertEquals(c, LedgerCommand.parse(new JsonObject(c.toJson().encode())));
        }
    }

    @Test
    void theSameCommandsInTheSameOrderGiveTheSameHash() {
        LedgerCommand[] log = {new LedgerCommand.Open("a", 10), new LedgerCommand.Open("b", 0),
                new LedgerCommand.Transfer("1", "a", "b", 7), new LedgerCommand.Transfer("2", "a", "b", 7)};
        assertEquals(apply(log).stateHash(), apply(log).stateHash());
    }

    @Test
    void anotherOrderGivesAnotherState() {
        OrderMatters experiment = OrderMatters.compare(List.of(new LedgerCommand.Open("alice", 100),
                new LedgerCommand.Open("bob", 0), new LedgerCommand.Open("carol", 0),
                new LedgerCommand.Transfer("1", "alice", "bob", 70), new LedgerCommand.Transfer("2", "alice", "carol", 50)));
        assertTrue(experiment.differs());
        assertEquals(Map.of("alice", 30L, "bob", 70L, "carol", 0L), experiment.inOrder().balances());
        assertEquals(Map.of("alice", 50L, "bob", 0L, "carol", 50L), experiment.reordered().balances());
        assertNotEquals(experiment.inOrder().stateHash(), experiment.reordered().stateHash());
    }
}
