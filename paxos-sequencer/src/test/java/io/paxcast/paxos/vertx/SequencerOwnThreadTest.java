package io.paxcast.paxos.vertx;

import io.paxcast.paxos.core.PaxosConfig;
import io.paxcast.paxos.storage.InMemoryStorage;
import io.paxcast.paxos.transport.EventBusTransport;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * The sequencer steps on a thread of its own: with one Vert.x event loop for everything and that loop
 * kept busy by the application, the sequencer still ticks, times out and elects itself. On a context
 * Vert.x hands out (round-robin over its event loops) it shared the busy thread and never did.
 */
class SequencerOwnThreadTest {

    @Test
    void theSequencerElectsItselfWhileTheApplicationsEventLoopIsBusy() throws Exception {
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1)
                .setMaxEventLoopExecuteTime(10).setMaxEventLoopExecuteTimeUnit(TimeUnit.SECONDS));
        SequencerDriver[] driver = new SequencerDriver[1];
        CompletableFuture<Void> released = new CompletableFuture<>();
        try {
            vertx.deployVerticle(new VerticleBase() {
                @Override
                public Future<?> start() {
                    driver[0] = new SequencerDriver(vertx, PaxosConfig.defaults("n1", List.of("n1")), new InMemoryStorage(),
                            new EventBusTransport(vertx), 10, d -> { }, () -> { }, new Random(7), System::currentTimeMillis);
                    return driver[0].start();
                }
            }).toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
            // the application's (and Vert.x's only) event loop: busy until the sequencer leads, 20 s at most
            vertx.runOnContext(v -> {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (!leads(driver[0]) && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                released.complete(null);
            });
            await().atMost(Duration.ofSeconds(10)).until(() -> leads(driver[0]));
            released.get(25, TimeUnit.SECONDS);
            Promise<Void> stopped = Promise.promise();
            vertx.runOnContext(v -> driver[0].stop().onComplete(stopped));
            stopped.future().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
        }
    }

    private static boolean leads(SequencerDriver driver) {
        return driver.status() != null && "leader".equals(driver.status().role());
    }
}
