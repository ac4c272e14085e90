package io.paxcast.paxos.apply;

import io.paxcast.paxos.core.Delivery;
import io.paxcast.paxos.core.DurableState;
import io.paxcast.paxos.core.Message;
import io.paxcast.paxos.core.PaxosConfig;
import io.paxcast.paxos.core.PaxosNode;
import io.paxcast.paxos.core.StorageWrite;
import io.paxcast.paxos.storage.InMemoryStorage;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.random.RandomGeneratorFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The caller's loop on its own: one node that is a cluster by itself, a storage that completes later
 * (as production's worker thread does), and an application that submits from inside a delivery (as
 * an HTTP response that lets the next pipelined request in does). The applied log must stay
 * contiguous: the bug this guards against applied a later Ready's deliveries in the middle of the
 * current one's ("slot 631 applied after 626", found by the overload test).
 */
class ReadyLoopTest {

    @Test
    void aSubmissionFromInsideADeliveryNeverAppliesTheNextReadyInTheMiddleOfThisOne() {
        PaxosConfig config = PaxosConfig.builder("n1", List.of("n1")).millisPerTick(1)
                .maxDeliveriesPerReady(2) // backlogs then come in Readies without writes
                .build();
        InMemoryStorage storage = new InMemoryStorage();
        PaxosNode node = new PaxosNode(config, DurableState.EMPTY, storage, () -> 1_000,
                RandomGeneratorFactory.of("L64X128MixRandom").create(7));
        ArrayDeque<Runnable> completions = new ArrayDeque<>();
        List<Long> applied = new ArrayList<>();
        int[] commands = {0};
        List<Message> toSelf = new ArrayList<>();
        ReadyLoop[] loop = new ReadyLoop[1];
        int[] submittedInside = {0};
        Consumer<Delivery> application = delivery -> {
            long expected = applied.isEmpty() ? 1 : applied.get(applied.size() - 1) + 1;
            assertEquals(expected, delivery.slot(), "applied " + applied);
            applied.add(delivery.slot());
            commands[0] += delivery.commands().size();
            if (submittedInside[0] < 40) {
                submittedInside[0]++;
                node.submit(("inside-" + submittedInside[0]).getBytes(StandardCharsets.UTF_8));
                loop[0].pump(); // what the driver does after a submit: must not release inside this release
            }
        };
        String[] failure = {null};
        loop[0] = new ReadyLoop(node, (List<StorageWrite> writes, Consumer<Throwable> done) -> {
            storage.write(writes);
            completions.add(() -> done.accept(null)); // completes later, on the node's thread
        }, toSelf::add, new DeliveryApplier(application), () -> { }, why -> failure[0] = why);

        for (int i = 0; i < 30; i++) {
            node.submit(("outside-" + i).getBytes(StandardCharsets.UTF_8));
        }
        for (int step = 0; step < 5_000 && (commands[0] < 70 || !completions.isEmpty()); step++) {
            node.tick();
            for (Message m : List.copyOf(toSelf)) {
                toSelf.remove(m);
                node.step(m); // the node's Accept/Accepted to itself come back through the "network"
            }
            loop[0].pump();
            if (!completions.isEmpty()) {
                completions.poll().run();
            }
        }
        assertNull(failure[0], failure[0]);
        assertTrue(submittedInside[0] >= 40, "the application submitted from inside deliveries");
        assertEquals(70, commands[0], "every command applied once, in " + applied.size() + " slots");
    }
}
