package io.paxcast.broadcast.it;

import io.paxcast.testkit.node.NodeLogsOnFailure;
import io.paxcast.testkit.node.NodeProcesses;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Smoke test over real processes: three node JVMs, as bin/paxcast-local starts them, become ready
 * within 60 s and agree on one leader and three members. Talks HTTP only.
 */
class ThreeNodeClusterStartsTest {
    @RegisterExtension
    final NodeLogsOnFailure logs = new NodeLogsOnFailure();

    @Test
    void threeNodesBecomeReadyAndAgreeOnOneLeader() {
        try (NodeProcesses nodes = logs.watch(NodeProcesses.builder().nodes(3).name("ThreeNodeClusterStartsTest").build())) {
            nodes.startAll();
            nodes.awaitReady(Duration.ofSeconds(60));

            // /ready means in a quorum and caught up; give the views a moment to converge on the leader
            await("one leader and three members in every /v1/cluster")
                    .atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(200))
                    .untilAsserted(() -> {
                        Set<String> leaders = new HashSet<>();
                        for (int k = 1; k <= 3; k++) {
                            HttpResponse<String> response = nodes.get(k, "/v1/cluster");
                            assertEquals(200, response.statusCode(), "GET /v1/cluster on n" + k + ": " + response.body());
                            JsonObject view = new JsonObject(response.body());
                            assertEquals("n" + k, view.getString("node"), view.encode());
                            String leader = view.getString("leader");
                            assertNotNull(leader, "n" + k + " knows no leader: " + view.encode());
                            leaders.add(leader);
                            JsonArray members = view.getJsonArray("members");
                            assertNotNull(members, view.encode());
                            Set<String> ids = new TreeSet<>();
                            for (int i = 0; i < members.size(); i++) {
                                ids.add(members.getJsonObject(i).getString("id"));
                            }
                            assertEquals(Set.of("n1", "n2", "n3"), ids, "members seen by n" + k + ": " + view.encode());
                        }
                        assertEquals(1, leaders.size(), "the nodes name different leaders: " + leaders);
                    });
        }
    }
}
