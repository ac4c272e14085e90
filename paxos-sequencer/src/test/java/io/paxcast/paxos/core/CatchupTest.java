package io.paxcast.paxos.core;

import io.paxcast.paxos.core.Message.Accept;
import io.paxcast.paxos.core.Message.CatchupReply;
import io.paxcast.paxos.core.Message.CatchupRequest;
import io.paxcast.paxos.core.Message.ChosenEntry;
import io.paxcast.paxos.core.Message.HeartbeatAck;
import io.paxcast.paxos.core.Message.Prepare;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.paxcast.paxos.core.TestCluster.appliedIds;
import static io.paxcast.paxos.core.TestCluster.batch;
import static io.paxcast.paxos.core.TestCluster.labels;
import static io.paxcast.paxos.core.TestCluster.from;
import static io.paxcast.paxos.core.TestCluster.is;
import static io.paxcast.paxos.core.TestCluster.to;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DESIGN.md P13 and P16: a node that missed slots learns their chosen values from a peer, with their
 * slot numbers, without rerunning consensus for them, and never adopts a value a peer merely accepted.
 */
class CatchupTest {

    private static final List<String> FIVE = List.of("c1", "c2", "c3", "c4", "c5");

    /** n1 leads; five slots are chosen by n1 and n2 while n3 is cut off; a sixth is only proposed. */
    private static TestCluster partitionedWhileSlotsWereChosen(int catchupBatchSlots) {
        TestCluster c = TestCluster.builder(3).pipeline(8, 1).catchupBatchSlots(catchupBatchSlots).build();
        c.elect("n1");
        c.isolate("n3");
        for (String id : FIVE) {
            c.submit("n1", id);
        }
        c.flush("n1");
        c.runUntilQuiet();
        c.submit("n1", "c6");
        c.flush("n1");
        c.drop(m -> true); // slot 6: accepted by n1 alone
        assertEquals(5, c.status("n1").chosenPrefix());
        assertEquals(0, c.status("n3").chosenPrefix());
        c.heal();
        return c;
    }

    @Test
    void aNodePartitionedAwayWhileSlotsWereChosenLearnsThemFromAPeerAndDeliversThemInOrder() {
        TestCluster c = partitionedWhileSlotsWereChosen(64);
        int n3Mark = c.sent("n3").size();
        int n1Mark = c.sent("n1").size();

        c.tick("n1", TestCluster.HEARTBEAT_TICKS); // the next heartbeat tells n3 the commit point
        c.runUntilQuiet();

        assertEquals(c.delivered("n1"), c.delivered("n3"));
        assertEquals(FIVE, appliedIds(c.delivered("n3")));
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L), c.delivered("n3").stream().map(Delivery::slot).toList());
        List<Message> n3Sent = c.sentSince("n3", n3Mark);
        assertTrue(n3Sent.stream().allMatch(is(HeartbeatAck.class).or(is(CatchupRequest.class))),
                "n3 only asks; no consensus is rerun: " + n3Sent);
        assertTrue(n3Sent.contains(new CatchupRequest("n3", "n1", 1)), n3Sent.toString());
        assertTrue(c.sentSince("n1", n1Mark).stream()
                        .noneMatch(m -> m instanceof Prepare || m instanceof Accept a && a.slot() <= 5),
                "no Prepare, and no Accept for a chosen slot");
    }

    @Test
    void catchUpComesInPagesEachAskedForAsSoonAsThePreviousArrives() {
        TestCluster c = partitionedWhileSlotsWereChosen(2);
        int mark = c.sent("n3").size();

        c.tick("n1", TestCluster.HEARTBEAT_TICKS);
        c.runUntilQuiet(); // no tick in between: each page triggers the next request at once

        List<Long> asked = c.sentSince("n3", mark).stream().filter(is(CatchupRequest.class))
                .map(m -> ((CatchupRequest) m).fromSlot()).toList();
        assertEquals(List.of(1L, 3L, 5L), asked);
        assertEquals(FIVE, appliedIds(c.delivered("n3")));
    }

    @Test
    void aCatchUpReplyCarriesOnlyChosenValuesNeverAMerelyAcceptedOne() {
        TestCluster c = partitionedWhileSlotsWereChosen(64);

        c.inject(new CatchupRequest("n3", "n1", 1));

        CatchupReply reply = (CatchupReply) c.queued(is(CatchupReply.class).and(from("n1"))).get(0);
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L), reply.chosen().stream().map(ChosenEntry::slot).toList());
        assertEquals(5, reply.senderChosenPrefix());
        c.runUntilQuiet();
        assertEquals(5, c.status("n3").chosenPrefix(), "slot 6 was only accepted by n1: not learned");
        assertTrue(c.storage("n3").chosen(6).isEmpty());
    }

    @Test
    void aNodeThatWasDownCatchesUpAfterARestartAndItsApplicationResumesWhereItStopped() {
        TestCluster c = TestCluster.builder(3).pipeline(8, 1).build();
        c.elect("n1");
        for (String id : List.of("c1", "c2")) {
            c.submit("n1", id);
        }
        c.flush("n1");
        c.runUntilQuiet();
        assertEquals(2, c.delivered("n3").size());
        c.crash("n3");
        for (String id : List.of("c3", "c4", "c5")) {
            c.submit("n1", id);
        }
        c.flush("n1");
        c.runUntilQuiet();

        c.restart("n3"); // applyFrom = 3
        c.tick("n1", TestCluster.HEARTBEAT_TICKS);
        c.runUntilQuiet();

        assertEquals(FIVE, appliedIds(c.delivered("n3")), "slots 1 and 2 are not applied twice");
        assertEquals(c.delivered("n1"), c.delivered("n3"));
        assertTrue(c.sent("n3").stream().anyMatch(is(CatchupRequest.class)));
    }

    @Test
    void aLaggingFollowerDoesNotHoldTheQuorumBack() {
        TestCluster c = TestCluster.builder(3).pipeline(2, 1).build();
        c.elect("n1");
        c.isolate("n3");
        for (int i = 1; i <= 6; i++) {
            c.submit("n2", "m" + i); // through the follower, which forwards it
            c.runUntilQuiet();
            c.flush("n1");
            c.runUntilQuiet();
        }
        assertEquals(List.of("m1", "m2", "m3", "m4", "m5", "m6"), appliedIds(c.delivered("n1")));
        assertEquals(6, c.delivered("n1").size(), "n1 and n2 are a quorum: the pipeline keeps moving " + c.delivered("n1"));
        assertEquals(6, c.delivered("n2").size());
        assertEquals(0, c.delivered("n3").size());
    }
}
