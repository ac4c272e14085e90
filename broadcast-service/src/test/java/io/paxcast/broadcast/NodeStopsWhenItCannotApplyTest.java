package io.paxcast.broadcast;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A node that cannot apply a slot of the decided log stops serving and voting, visibly, and never
 * goes on with the next slot (that would give it other seq numbers than every other node: the hole
 * of the first design, where the exception was logged and swallowed).
 */
class NodeStopsWhenItCannotApplyTest {
    @TempDir
    Path dataDir;

    @Test
    void aSlotTheApplicationCannotApplyStopsTheNodeInsteadOfLeavingAHole() throws Exception {
        try (InProcessNode node = new InProcessNode(dataDir, new JsonObject())) {
            await().atMost(Duration.ofSeconds(20)).until(() -> node.status("/ready") == 200);
            assertEquals(201, node.publish("room", "{\"n\":1}"));

            // a command the broadcast layer cannot decode, ordered like any other
            node.node.service().driver().submit(new byte[] {42, 0, 0}).toCompletionStage().toCompletableFuture()
                    .get(10, TimeUnit.SECONDS);

            await().atMost(Duration.ofSeconds(10)).until(() -> node.status("/ready") == 503);
            JsonObject cluster = node.cluster();
            assertTrue(cluster.getString("failure", "").contains("cannot apply slot"), cluster.encode());
            assertEquals(1, cluster.getLong("commitSeq"), "nothing after the slot it could not apply");
            int refused = node.publish("room", "{\"n\":2}");
            assertEquals(503, refused, "a stopped node takes no publish");
            assertTrue(node.get("/v1/messages?after=0").contains("node_failed"), "and serves no history");
            assertEquals(1.0, node.metric("paxcast_failed"));
        }
    }
}
