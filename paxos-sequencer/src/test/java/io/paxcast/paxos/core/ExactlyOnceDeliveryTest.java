package io.paxcast.paxos.core;

import io.paxcast.paxos.core.Message.Accept;
import io.paxcast.paxos.core.Message.Forward;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.paxcast.paxos.core.TestCluster.acceptFor;
import static io.paxcast.paxos.core.TestCluster.appliedIds;
import static io.paxcast.paxos.core.TestCluster.is;
import static io.paxcast.paxos.core.TestCluster.labels;
import static io.paxcast.paxos.core.TestCluster.to;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DESIGN.md P11: the same command can be chosen in two slots (an old leader's proposal re-proposed by
 * a later leader, plus its origin's re-submission chosen meanwhile). The apply step skips a command
 * already applied, by a rule that depends on the log alone (its origin, incarnation and counter, and
 * the floor its origin carried: {@link AppliedCommands}), so every node, restarted or not, skips the
 * same ones, and no clock or window is involved.
 */
class ExactlyOnceDeliveryTest {

    private static final List<String> ALL = List.of("n1", "n2", "n3");

    private static void assertSameDeliveries(TestCluster c, List<String> nodes) {
        for (String id : nodes) {
            assertEquals(c.delivered(nodes.get(0)), c.delivered(id), id + " vs " + nodes.get(0));
        }
    }

    @Test
    void aCommandChosenAgainByALaterLeaderIsAppliedOnce() {
        TestCluster c = TestCluster.builder(3).pipeline(8, 1).build();
        c.elect("n1");
        c.submit("n1", "y");                  // origin n1: lost with it
        CommandId x = c.submit("n3", "x");    // origin n3: n3 hands it in again until it is delivered
        c.deliver(is(Forward.class));
        c.flush("n1");                        // slot 1: y, slot 2: x
        c.deliverFirst(acceptFor(1).and(to("n1")));
        c.deliverFirst(acceptFor(2).and(to("n1"))); // only n1 accepted them
        c.drop(m -> true);
        c.crash("n1");

        c.elect("n2");                        // with n3; nothing accepted there: slot 1 is free
        c.flush("n2");
        c.runUntilQuiet();                    // n3 handed x to the new leader: x chosen in slot 1
        assertEquals(List.of("x"), appliedIds(c.delivered("n2")));

        c.restart("n1");                      // it still holds x, accepted in slot 2 at the old ballot
        c.campaign("n1");                     // rejected: it learns of n2's higher ballot...
        c.runUntilQuiet();
        c.elect("n1");                        // ...then phase 1 finds x and must re-propose it in slot 2 (P2c)
        c.runUntilQuiet();
        c.tick("n1", TestCluster.HEARTBEAT_TICKS);
        c.runUntilQuiet();

        for (String id : ALL) {
            List<Delivery> delivered = c.delivered(id);
            assertEquals(2, delivered.size(), id + ": " + delivered);
            assertEquals(List.of("x"), labels(delivered.get(0).commands()), id);
            assertEquals(List.of("x"), labels(delivered.get(1).value().commands()), id + ": x chosen again in slot 2");
            assertEquals(x, delivered.get(1).value().commands().get(0).id());
            assertEquals(List.of(), delivered.get(1).commands(), id + ": slot 2 applies nothing");
            assertFalse(delivered.get(1).complete());
        }
        assertSameDeliveries(c, ALL);

        c.crash("n3");
        c.restart("n3");                      // replays the log from slot 1 into a fresh application
        c.tick("n1", TestCluster.HEARTBEAT_TICKS);
        c.runUntilQuiet();
        assertSameDeliveries(c, ALL);
        assertEquals(0, c.status("n3").trackedSubmissions());
    }

    @Test
    void aLeaderDoesNotQueueACommandItAlreadyApplied() {
        TestCluster c = TestCluster.of(3);
        c.elect("n1");
        c.hold(is(Message.Heartbeat.class).and(to("n2"))); // n2 does not learn that x is chosen
        c.submit("n2", "x");
        c.deliver(is(Forward.class));
        c.flush("n1");
        c.runUntilQuiet();
        assertEquals(List.of("x"), appliedIds(c.delivered("n1")));
        assertEquals(1, c.status("n2").trackedSubmissions(), "n2 has not seen x delivered");

        int mark = c.sent("n1").size();
        c.tick("n2", TestCluster.RESUBMIT_TICKS); // n2 hands x in again
        c.deliver(is(Forward.class));
        c.flush("n1");
        assertTrue(c.sentSince("n1", mark).stream().noneMatch(m -> m instanceof Accept),
                "the leader proposed x again: " + c.sentSince("n1", mark));
    }

    @Test
    void aLateCopyOfAnAbandonedCommandIsNotProposedOnceItsOriginsFloorPassedIt() {
        TestCluster c = TestCluster.of(3);
        c.elect("n1");
        CommandId x = c.submit("n2", "x");
        c.drop(is(Forward.class));            // the forward of x is delayed (it comes back below)...
        c.node("n2").abandon(x);              // ...and its client gave up (a publish timeout)
        c.submit("n2", "y");                  // y carries the floor: every counter of n2 below it is settled
        c.deliver(is(Forward.class));
        c.flush("n1");
        c.runUntilQuiet();

        int mark = c.sent("n1").size();
        c.inject(new Forward("n2", "n1", List.of(new Command(x, 1, "x".getBytes(java.nio.charset.StandardCharsets.UTF_8)))));
        c.flush("n1");
        assertTrue(c.sentSince("n1", mark).stream().noneMatch(m -> m instanceof Accept),
                "a copy of x below the floor was proposed: " + c.sentSince("n1", mark));
        c.tick("n1", TestCluster.HEARTBEAT_TICKS);
        c.runUntilQuiet();
        for (String id : ALL) {
            assertEquals(List.of("y"), appliedIds(c.delivered(id)), id);
        }
        assertEquals(0, c.status("n2").trackedSubmissions(), "x was abandoned, y delivered");
    }
}
