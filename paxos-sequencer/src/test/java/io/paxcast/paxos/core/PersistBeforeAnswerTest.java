package io.paxcast.paxos.core;

import io.paxcast.paxos.core.Message.Accept;
import io.paxcast.paxos.core.Message.Accepted;
import io.paxcast.paxos.core.Message.Prepare;
import io.paxcast.paxos.core.Message.Promise;
import io.paxcast.paxos.core.Message.SlotEntry;
import io.paxcast.paxos.core.TestCluster.Drained;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static io.paxcast.paxos.core.TestCluster.batch;
import static io.paxcast.paxos.core.TestCluster.labels;
import static io.paxcast.paxos.core.TestCluster.is;
import static io.paxcast.paxos.core.TestCluster.to;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DESIGN.md P1 and P5, Paxos Made Live section 4: "persist before you answer". Checked on the
 * {@link Ready} values themselves: a reply that depends on acceptor state leaves only in a Ready
 * whose writes carry that state, unless it was already durable before that Ready.
 */
class PersistBeforeAnswerTest {

    /** What each checked reply depends on; a violation names the reply and the Ready. */
    static final class Audit {
        final List<String> violations = new ArrayList<>();
        int promises;
        int accepteds;
        int prepares;

        void check(Drained d) {
            Ready ready = d.ready();
            for (Message m : ready.messages()) {
                if (m instanceof Promise p) {
                    promises++;
                    if (!promiseDurable(d, p.ballot())) {
                        violations.add(d.nodeId() + " sent " + p + " before persisting the promise; " + ready);
                    }
                } else if (m instanceof Prepare p) {
                    // The campaign's own promise carries the round: a restarted node never reuses it.
                    prepares++;
                    if (!promiseDurable(d, p.ballot())) {
                        violations.add(d.nodeId() + " sent " + p + " before persisting its own round; " + ready);
                    }
                } else if (m instanceof Accepted a) {
                    accepteds++;
                    if (!voteDurable(d, a)) {
                        violations.add(d.nodeId() + " sent " + a + " before persisting the vote; " + ready);
                    }
                }
            }
        }

        private static boolean promiseDurable(Drained d, Ballot ballot) {
            if (!d.before().promised().lessThan(ballot)) {
                return true;
            }
            return d.ready().writes().stream()
                    .anyMatch(w -> w instanceof StorageWrite.Promised p && !p.ballot().lessThan(ballot));
        }

        private static boolean voteDurable(Drained d, Accepted a) {
            SlotEntry before = d.before().slots().get(a.slot());
            if (before != null && !before.chosen() && before.ballot().equals(a.ballot())) {
                return true;
            }
            return d.ready().writes().stream().anyMatch(w -> w instanceof StorageWrite.Accepted sw
                    && sw.slot() == a.slot() && sw.ballot().equals(a.ballot()));
        }

        void checkAll(TestCluster c) {
            for (String id : c.ids()) {
                c.drained(id).forEach(this::check);
            }
        }
    }

    private static final Ballot B = new Ballot(3, "n2");

    @Test
    void aPromiseLeavesInTheReadyThatPersistsIt() {
        TestCluster c = TestCluster.of(3);

        c.inject(new Prepare("n2", "n1", B, 1));

        List<Drained> drained = c.drained("n1");
        Ready last = drained.get(drained.size() - 1).ready();
        assertEquals(List.of(new StorageWrite.Promised(B)), last.writes());
        assertEquals(List.of(new Promise("n1", "n2", B, 0, List.of(), 0)), last.messages());
    }

    @Test
    void anAcceptedLeavesInTheReadyThatPersistsTheVote() {
        TestCluster c = TestCluster.of(3);
        Value v = batch(1_000, "a");

        c.inject(new Accept("n2", "n1", B, 7, v, 0));

        List<Drained> drained = c.drained("n1");
        Ready last = drained.get(drained.size() - 1).ready();
        assertTrue(last.writes().contains(new StorageWrite.Accepted(7, B, v)), last.toString());
        assertTrue(last.writes().contains(new StorageWrite.Promised(B)), "accepting at B promises B: " + last);
        assertEquals(List.of(new Accepted("n1", "n2", B, 7)), last.messages());
    }

    @Test
    void aGroupOfAcceptsIsAnsweredAfterOneGroupCommit() {
        TestCluster c = TestCluster.of(3);
        List<Message> accepts = new ArrayList<>();
        for (long slot = 1; slot <= 4; slot++) {
            accepts.add(new Accept("n2", "n1", B, slot, batch(1_000, "c" + slot), 0));
        }
        long groupsBefore = c.storage("n1").groupsWritten();

        c.injectAll("n1", accepts);

        assertEquals(groupsBefore + 1, c.storage("n1").groupsWritten(), "one sync for the whole group");
        List<Drained> drained = c.drained("n1");
        Ready last = drained.get(drained.size() - 1).ready();
        assertEquals(4, last.messages().stream().filter(is(Accepted.class)).count());
        Audit audit = new Audit();
        audit.check(drained.get(drained.size() - 1));
        assertEquals(List.of(), audit.violations);
        assertEquals(4, audit.accepteds);
    }

    @Test
    void aCandidatesPreparesLeaveInTheReadyThatPersistsItsOwnPromise() {
        TestCluster c = TestCluster.of(3);

        Ballot ballot = c.campaign("n1");

        Drained withPrepares = c.drained("n1").stream()
                .filter(d -> d.ready().messages().stream().anyMatch(is(Prepare.class)))
                .findFirst().orElseThrow();
        assertTrue(withPrepares.ready().writes().contains(new StorageWrite.Promised(ballot)),
                withPrepares.ready().toString());
    }

    /**
     * A whole run, with elections, replication, crashes, restarts and a preemption: every Promise,
     * Accepted and Prepare of every node left in a Ready that persisted what it depends on.
     */
    @Test
    void everyReplyOfAWholeRunWasPersistedBeforeItLeft() {
        TestCluster c = TestCluster.builder(3).pipeline(8, 2).build();
        c.elect("n1");
        for (int i = 0; i < 5; i++) {
            c.submit("n1", "a" + i);
        }
        c.flush("n1");
        c.runUntilQuiet();
        c.crash("n2");
        c.submit("n1", "b");
        c.flush("n1");
        c.runUntilQuiet();
        c.restart("n2");
        c.hold(to("n1"));
        c.elect("n3"); // preempts n1, which does not hear of it yet
        c.submit("n1", "c"); // n1 still leads in its own eyes: Accepts at the old ballot
        c.flush("n1");
        c.releaseHolds();
        c.runUntilQuiet();
        c.submit("n3", "d");
        c.flush("n3");
        c.runUntilQuiet();
        c.crash("n1");
        c.restart("n1");
        c.tick("n3", TestCluster.HEARTBEAT_TICKS);
        c.runUntilQuiet();

        Audit audit = new Audit();
        audit.checkAll(c);

        assertEquals(List.of(), audit.violations);
        assertTrue(audit.promises >= 4 && audit.accepteds >= 8 && audit.prepares >= 4,
                "the run exercised the rule: " + audit.promises + " promises, " + audit.accepteds
                        + " accepteds, " + audit.prepares + " prepares");
        assertEquals(List.of("a0", "a1", "a2", "a3", "a4", "b", "c", "d"),
                TestCluster.appliedIds(c.delivered("n3")));
        assertEquals(c.delivered("n3"), c.delivered("n1"));
        assertEquals(c.delivered("n3"), c.delivered("n2"));
    }

    @Test
    void theAuditCatchesAnAcceptorThatAnswersBeforePersistingItsPromise() {
        TestCluster c = TestCluster.builder(3).bugs(Set.of(InjectedBug.ACCEPTOR_FORGETS_PROMISE)).build();

        c.inject(new Prepare("n2", "n1", B, 1));

        Audit audit = new Audit();
        audit.checkAll(c);
        assertFalse(audit.violations.isEmpty(), "the audit must flag a Promise whose promise was never written");
    }
}
