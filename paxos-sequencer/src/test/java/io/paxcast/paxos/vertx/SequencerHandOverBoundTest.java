package io.paxcast.paxos.vertx;

import io.paxcast.paxos.core.CommandId;
import io.paxcast.paxos.core.PaxosConfig;
import io.paxcast.paxos.storage.InMemoryStorage;
import io.paxcast.paxos.transport.EventBusTransport;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An application that stops applying holds at most {@link SequencerDriver#MAX_UNAPPLIED_BYTES} (plus one
 * slot) of handed-over deliveries in memory, however large its messages: with 60 KB commands the slot
 * bound alone (2048 slots) would let about 240 MB pile up. The chosen slots past the bound wait in
 * storage, and every one is applied once the application goes on.
 */
class SequencerHandOverBoundTest {
    private static final int PAYLOAD = 60_000;
    /** At most 600 MB offered (a guard: the run stops far earlier). */
    private static final int COMMANDS = 10_000;

    @Test
    void aStalledApplicationHoldsAtMostTheByteBoundOfDeliveries() throws Exception {
        Vertx vertx = Vertx.vertx(new VertxOptions().setMaxEventLoopExecuteTime(60)
                .setMaxEventLoopExecuteTimeUnit(TimeUnit.SECONDS));
        CountDownLatch stalled = new CountDownLatch(1);
        AtomicLong applied = new AtomicLong();
        SequencerDriver[] driver = new SequencerDriver[1];
        // room for 32 MiB of own submissions tracked until delivered: enough to hold 50+ slots back
        PaxosConfig config = PaxosConfig.builder("n1", List.of("n1")).pending(100_000, 32L << 20).build();
        try {
            vertx.deployVerticle(new VerticleBase() {
                @Override
                public Future<?> start() {
                    driver[0] = new SequencerDriver(vertx, config, new InMemoryStorage(), new EventBusTransport(vertx), 10,
                            d -> {
                                if (!d.commands().isEmpty()) {
                                    awaitUninterruptibly(stalled); // the application stalls at its first message
                                }
                                applied.addAndGet(d.commands().size());
                            }, () -> { }, new Random(11), System::currentTimeMillis);
                    return driver[0].start();
                }
            }).toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
            SequencerDriver d = driver[0];
            await().atMost(Duration.ofSeconds(10)).until(() -> d.status() != null && "leader".equals(d.status().role()));

            // Offered a little at a time, never past the node's own bounds (the leader's queue, 8 MiB; the
            // submissions it tracks until delivered), so that none is refused, until the hand-over is at
            // its bound and 50 slots more than it holds are chosen.
            List<Future<CommandId>> submitted = new ArrayList<>();
            long largestSlot = 48 + config.maxBatchBytes() + 64L * config.maxBatchCommands();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!(d.unappliedBytes() >= SequencerDriver.MAX_UNAPPLIED_BYTES
                    && d.status().chosenPrefix() >= d.unappliedSlots() + 50)
                    && submitted.size() < COMMANDS && System.nanoTime() < deadline) {
                if (d.status().queuedBytes() < (2 << 20)
                        && d.status().trackedBytes() + 10L * (PAYLOAD + 64) < config.maxPendingBytes()) {
                    for (int i = 0; i < 10; i++) {
                        submitted.add(d.submit(new byte[PAYLOAD]));
                    }
                } else {
                    Thread.onSpinWait();
                }
            }
            await("the hand-over reaches its byte bound").atMost(Duration.ofSeconds(10))
                    .until(() -> d.unappliedBytes() >= SequencerDriver.MAX_UNAPPLIED_BYTES);
            await("slots past the bound are chosen and wait in storage").atMost(Duration.ofSeconds(30))
                    .until(() -> d.status().chosenPrefix() >= d.unappliedSlots() + 50);
            // an observation window, not a synchronisation: the bound must hold throughout it
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
            long most = 0;
            while (System.nanoTime() < until) {
                most = Math.max(most, d.unappliedBytes());
                Thread.onSpinWait();
            }
            assertTrue(most <= SequencerDriver.MAX_UNAPPLIED_BYTES + largestSlot,
                    "handed over and unapplied: " + most + " B, bound " + SequencerDriver.MAX_UNAPPLIED_BYTES + " + one slot");
            assertTrue(d.unappliedSlots() < SequencerDriver.MAX_UNAPPLIED_SLOTS, "the byte bound, not the slot bound, held it");

            stalled.countDown();
            long accepted = 0;
            for (Future<CommandId> f : submitted) {
                if (f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS) != null) {
                    accepted++;
                }
            }
            long expected = accepted;
            assertTrue(expected * PAYLOAD > SequencerDriver.MAX_UNAPPLIED_BYTES, "accepted " + expected);
            await("every accepted command is applied").atMost(Duration.ofSeconds(30)).until(() -> applied.get() == expected);
            assertEquals(0, d.unappliedBytes());
            vertx.runOnContext(v -> d.stop());
        } finally {
            stalled.countDown();
            vertx.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
        }
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        try {
            if (!latch.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("never released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
