package io.paxcast.broadcast;

import com.hazelcast.cluster.ClusterState;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import io.paxcast.broadcast.cluster.HazelcastSetup;
import io.paxcast.broadcast.config.NodeConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Found by the fault suite (seed 18 of the long mode): a node restarted while the Hazelcast cluster
 * merged after a partition was refused ("Cluster state either is locked or doesn't allow new members
 * to join", state FROZEN) and exited. A start now asks again until the cluster lets it in. Here a
 * Hazelcast member in this JVM holds its cluster FROZEN while a node starts; once it is ACTIVE again
 * the node joins and serves.
 */
class ClusterJoinRetryTest {
    @TempDir
    Path dataDir;

    @Test
    void aNodeRefusedByAFrozenClusterAsksAgainAndJoinsOnceItThaws() throws Exception {
        int nodePort = InProcessNode.freePort();
        int otherPort = InProcessNode.freePort();
        String members = "n1@127.0.0.1:" + nodePort + ",n9@127.0.0.1:" + otherPort;
        JsonObject common = new JsonObject().put("cluster.members", members).put("cluster.voters", "n1")
                .put("cluster.host", "127.0.0.1").put("http.host", "127.0.0.1");
        NodeConfig other = NodeConfig.from(common.copy().put("node.id", "n9").put("node.role", "edge")
                .put("data.dir", dataDir.resolve("n9").toString()));
        HazelcastInstance frozen = Hazelcast.newHazelcastInstance(HazelcastSetup.build(other));
        Vertx vertx = null;
        try {
            frozen.getCluster().changeClusterState(ClusterState.FROZEN);
            NodeConfig node = NodeConfig.from(common.copy().put("node.id", "n1").put("http.port", "0")
                    .put("data.dir", dataDir.resolve("n1").toString()));
            int refusedBefore = Main.JOINS_REFUSED.get();
            CompletableFuture<Vertx> started = CompletableFuture.supplyAsync(() -> {
                try {
                    return Main.start(node);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            await("the join is refused at least once").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                    .until(() -> Main.JOINS_REFUSED.get() > refusedBefore || started.isDone());
            assertFalse(started.isDone(), "the node waits while the cluster is frozen: " + started);
            frozen.getCluster().changeClusterState(ClusterState.ACTIVE);
            vertx = started.get(90, TimeUnit.SECONDS);
            assertEquals(2, frozen.getCluster().getMembers().size(), "the node joined the cluster");
        } finally {
            if (vertx != null) {
                vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            }
            frozen.shutdown();
        }
    }
}
