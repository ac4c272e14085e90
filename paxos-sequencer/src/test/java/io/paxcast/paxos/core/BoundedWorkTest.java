package io.paxcast.paxos.core;

import io.paxcast.paxos.core.Message.Accept;
import io.paxcast.paxos.core.Message.Forward;
import io.paxcast.paxos.core.Message.ForwardAck;
import io.paxcast.paxos.core.Message.Heartbeat;
import io.paxcast.paxos.core.Message.Prepare;
import io.paxcast.paxos.core.Message.Promise;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.paxcast.paxos.core.TestCluster.appliedIds;
import static io.paxcast.paxos.core.TestCluster.from;
import static io.paxcast.paxos.core.TestCluster.is;
import static io.paxcast.paxos.core.TestCluster.to;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Work does not multiply near saturation, and every exchange is bounded: forwards are flow-controlled
 * by the leader's answers, a Promise too large for one message comes in pages, a leader counts only
 * voters towards check-quorum, an unanswered Accept is resent with back-off.
 */
class BoundedWorkTest {

    /** The bytes of the distinct commands forwarded (an unanswered forward is sent again: counted once). */
    private static long forwardedBytes(List<Message> sent) {
        java.util.Map<CommandId, Integer> distinct = new java.util.HashMap<>();
        for (Message m : sent) {
            if (m instanceof Forward f) {
                for (Command c : f.commands()) {
                    distinct.put(c.id(), c.weight());
                }
            }
        }
        return distinct.values().stream().mapToLong(Integer::longValue).sum();
    }

    @Test
    void aFollowerForwardsNoMoreThanItsWindowUntilTheLeaderAnswers() {
        TestCluster c = TestCluster.builder(3).forwardWindowBytes(400).build();
        c.elect("n1");
        c.hold(is(Forward.class)); // the leader hears nothing yet
        int mark = c.sent("n2").size();
        for (int i = 0; i < 50; i++) {
            c.submit("n2", "m" + i);
        }
        c.tick("n2", TestCluster.RESUBMIT_TICKS * 4); // and time passes: still no answer
        long inFlight = forwardedBytes(c.sentSince("n2", mark));
        assertTrue(inFlight > 0 && inFlight <= 400 + 64, "forwarded " + inFlight + " bytes with a 400-byte window");

        c.releaseHolds(); // the answers come; the rest follows, window by window
        c.flush("n1");
        c.runUntilQuiet();
        for (int round = 0; round < 20 && appliedIds(c.delivered("n2")).size() < 50; round++) {
            c.flush("n1");
            c.runUntilQuiet();
        }
        assertEquals(50, appliedIds(c.delivered("n2")).size(), "every command delivered once");
        assertTrue(c.sent("n1").stream().anyMatch(m -> m instanceof ForwardAck), "the leader answered");
    }

    @Test
    void aFullLeaderRefusesAndTheFollowerHandsInAgainAfterABackOff() {
        TestCluster c = TestCluster.builder(3).maxQueuedBytes(60).build();
        c.elect("n1");
        c.hold(is(Accept.class)); // nothing gets chosen: the leader's queue fills
        for (int i = 0; i < 10; i++) {
            c.submit("n2", "m" + i);
        }
        c.deliver(is(Forward.class));
        c.deliver(is(ForwardAck.class));
        ForwardAck ack = (ForwardAck) c.sent("n1").stream().filter(m -> m instanceof ForwardAck).reduce((a, b) -> b)
                .orElseThrow();
        assertFalse(ack.refused().isEmpty(), "a full queue refuses: " + ack);
        int mark = c.sent("n2").size();
        liveTicks(c, TestCluster.RESUBMIT_TICKS - 1);
        assertTrue(c.sentSince("n2", mark).stream().noneMatch(m -> m instanceof Forward), "no hand-in before the back-off");
        liveTicks(c, 1);
        assertTrue(c.sentSince("n2", mark).stream().anyMatch(m -> m instanceof Forward), "handed in again after it");
    }

    /** Time passes with the leader heard: heartbeats and their acks flow, nothing else. */
    private static void liveTicks(TestCluster c, int ticks) {
        for (int i = 0; i < ticks; i++) {
            for (String id : c.ids()) {
                c.tick(id);
            }
            c.deliver(is(Heartbeat.class));
            c.deliver(is(Message.HeartbeatAck.class));
        }
    }

    @Test
    void aPromiseTooLargeForOneMessageComesInPagesAndTheNewLeaderReProposesEverySlot() {
        TestCluster c = TestCluster.builder(3).pipeline(16, 1).maxPromiseBytes(200).build();
        c.elect("n1");
        for (int i = 0; i < 12; i++) {
            c.submit("n1", "value-number-" + i);
        }
        c.flush("n1");
        c.deliver(is(Accept.class).and(to("n2"))); // n2 accepted 12 slots; nothing chosen
        c.drop(m -> true);
        c.crash("n1");
        c.campaign("n3");
        c.deliverFirst(is(Prepare.class).and(to("n2")));
        c.runUntilQuiet();
        List<Promise> pages = c.sent("n2").stream().filter(m -> m instanceof Promise).map(m -> (Promise) m).toList();
        assertTrue(pages.size() > 2, "the report came in pages: " + pages.size());
        assertTrue(pages.stream().allMatch(p -> p.accepted().size() <= 3), "each page within its bytes");
        assertEquals(0, pages.get(pages.size() - 1).nextSlot(), "the last page says so");
        assertEquals("leader", c.status("n3").role());
        c.tick("n3", TestCluster.HEARTBEAT_TICKS);
        c.runUntilQuiet();
        assertEquals(12, appliedIds(c.delivered("n3")).size(), "every slot n2 accepted was re-proposed and chosen");
    }

    @Test
    void aLeaderCountsOnlyVotersTowardsCheckQuorum() {
        TestCluster c = TestCluster.builder(3).nonVoting("n3").build();
        c.elect("n1");
        c.isolate("n2"); // the only other voter: n3 still hears the leader and answers, but cannot vote
        for (int i = 0; i < 4 * TestCluster.ELECTION_TICKS && "leader".equals(c.status("n1").role()); i++) {
            c.tick("n1");
            c.deliver(is(Heartbeat.class).and(to("n3")));
            c.deliver(is(Message.HeartbeatAck.class).and(from("n3")));
        }
        assertEquals("follower", c.status("n1").role(), "a learner's acks kept a leader without a quorum leading");
    }
}
