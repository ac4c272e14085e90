package io.paxcast.paxos.core;

import io.paxcast.paxos.core.Message.CatchupReply;
import io.paxcast.paxos.core.Message.ChosenEntry;
import io.paxcast.paxos.core.Message.Forward;
import io.paxcast.paxos.core.TestCluster.Drained;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.paxcast.paxos.core.TestCluster.acceptFor;
import static io.paxcast.paxos.core.TestCluster.acceptedFor;
import static io.paxcast.paxos.core.TestCluster.appliedIds;
import static io.paxcast.paxos.core.TestCluster.batch;
import static io.paxcast.paxos.core.TestCluster.labels;
import static io.paxcast.paxos.core.TestCluster.is;
import static io.paxcast.paxos.core.TestCluster.to;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DESIGN.md P10: deliver a slot only after it is chosen, and only after every lower slot was
 * delivered (hold-back). Slots may be chosen, and learned, out of order.
 */
class HoldBackTest {

    private static List<Long> slots(List<Delivery> deliveries) {
        return deliveries.stream().map(Delivery::slot).toList();
    }

    @Test
    void aChosenSlotIsNotDeliveredBeforeTheSlotBelowIt() {
        TestCluster c = TestCluster.builder(3).pipeline(2, 1).build();
        c.elect("n1");
        c.submit("n2", "a");
        c.submit("n2", "b");
        c.deliver(is(Forward.class));
        c.flush("n1"); // slot 1: a, slot 2: b

        c.deliverFirst(acceptFor(2).and(to("n1"))); // the leader's own vote travels like a peer's
        c.deliverFirst(acceptFor(2).and(to("n2")));
        c.deliver(acceptedFor(2)); // slot 2 is chosen; slot 1 is not

        assertEquals(0, c.status("n1").chosenPrefix());
        assertEquals(List.of(), c.delivered("n1"), "slot 2 is held back until slot 1 is delivered");

        int readies = c.drained("n1").size();
        c.deliverFirst(acceptFor(1).and(to("n1")));
        c.deliverFirst(acceptFor(1).and(to("n2")));
        c.deliver(acceptedFor(1));

        List<Drained> after = c.drained("n1").subList(readies, c.drained("n1").size());
        List<Delivery> released = after.stream().flatMap(d -> d.ready().deliveries().stream()).toList();
        assertEquals(List.of(1L, 2L), slots(released), "both, in slot order, once slot 1 is chosen");
        assertEquals(List.of("a", "b"), appliedIds(released));

        c.runUntilQuiet();
        for (String id : c.ids()) {
            assertEquals(List.of("a", "b"), appliedIds(c.delivered(id)), id);
        }
    }

    @Test
    void aLearnerThatHearsOfSlotsOutOfOrderDeliversThemInOrder() {
        TestCluster c = TestCluster.builder(3).pipeline(8, 1).build();
        c.elect("n1");
        c.isolate("n3");
        c.submit("n2", "a");
        c.submit("n2", "b");
        c.submit("n2", "c");
        c.runUntilQuiet();
        c.flush("n1");
        c.runUntilQuiet();
        c.heal();
        Value second = c.storage("n1").chosen(2).orElseThrow();
        Value third = c.storage("n1").chosen(3).orElseThrow();

        c.inject(new CatchupReply("n1", "n3", List.of(new ChosenEntry(3, third), new ChosenEntry(2, second)), 3));

        assertEquals(List.of(), c.delivered("n3"), "slots 2 and 3 wait for slot 1");
        assertEquals(0, c.status("n3").chosenPrefix());
        assertTrue(c.storage("n3").chosen(3).isPresent(), "learned out of order, and kept durably");

        c.runUntilQuiet(); // n3 asks for what it misses, from slot 1
        assertEquals(List.of(1L, 2L, 3L), slots(c.delivered("n3")));
        assertEquals(c.delivered("n1"), c.delivered("n3"));
    }
}
