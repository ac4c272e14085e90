package io.paxcast.paxos.vertx;

import io.paxcast.paxos.core.Delivery;
import io.paxcast.paxos.core.Message;
import io.paxcast.paxos.core.PaxosConfig;
import io.paxcast.paxos.storage.InMemoryStorage;
import io.paxcast.paxos.transport.EventBusTransport;
import io.paxcast.paxos.transport.Transport;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The driver stops cleanly however the node is stopped. */
class SequencerStopTest {

    /**
     * The node's verticle starts the driver and stops it from its own stop, while Vert.x undeploys it.
     * The driver's thread is its own ({@link DedicatedEventLoop}), not a child verticle: the stop must
     * complete (the node goes on to close its storage cleanly) and leave nothing deployed. (With a child
     * verticle, Vert.x undeployed the sequencer first and the stop threw a RejectedExecutionException.)
     */
    @Test
    void stoppingTheDriverAfterItsParentVerticleWasUndeployedCompletes() throws Exception {
        Vertx vertx = Vertx.vertx();
        try {
            SequencerDriver[] driver = new SequencerDriver[1];
            java.util.concurrent.CompletableFuture<Void> stoppedInParentStop = new java.util.concurrent.CompletableFuture<>();
            String parent = vertx.deployVerticle(new io.vertx.core.VerticleBase() {
                @Override
                public io.vertx.core.Future<?> start() {
                    driver[0] = new SequencerDriver(vertx, PaxosConfig.defaults("n1", List.of("n1")), new InMemoryStorage(),
                            new EventBusTransport(vertx), 10, d -> { }, () -> { }, new Random(7), System::currentTimeMillis);
                    return driver[0].start();
                }

                @Override
                public io.vertx.core.Future<?> stop() {
                    return driver[0].stop().onComplete(ar -> {
                        if (ar.succeeded()) {
                            stoppedInParentStop.complete(null);
                        } else {
                            stoppedInParentStop.completeExceptionally(ar.cause());
                        }
                    });
                }
            }).toCompletionStage().toCompletableFuture().get(20, java.util.concurrent.TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(20)).until(() -> driver[0].status() != null
                    && "leader".equals(driver[0].status().role()));

            vertx.undeploy(parent).toCompletionStage().toCompletableFuture().get(20, java.util.concurrent.TimeUnit.SECONDS);
            stoppedInParentStop.get(20, java.util.concurrent.TimeUnit.SECONDS);
            assertTrue(vertx.deploymentIDs().isEmpty(), "left deployed: " + vertx.deploymentIDs());
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get();
        }
    }
}
