package io.paxcast.broadcast.it;

import io.paxcast.testkit.node.NodeLogsOnFailure;
import io.paxcast.testkit.node.NodeProcesses;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SIGKILL every node at once, start them all again: every acknowledged message is there on every
 * node, in the same order, with the same seq; and the cluster takes new publishes after the last one.
 * Enough slots are published for a checkpoint (every 32 slots), with a small snapshot interval, so every node
 * starts again from its snapshot and applies only the log after it.
 */
class WholeClusterRestartTest {
    @RegisterExtension
    final NodeLogsOnFailure logs = new NodeLogsOnFailure();

    @Test
    void everyAcknowledgedMessageSurvivesAKillOfTheWholeCluster() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        try (NodeProcesses nodes = logs.watch(NodeProcesses.builder().nodes(3).name("WholeClusterRestartTest")
                .env("PAXCAST_SNAPSHOT_INTERVALMESSAGES", "50").build())) {
            nodes.startAll();
            nodes.awaitReady(Duration.ofSeconds(90));
            Map<Long, String> acked = new HashMap<>();
            for (int i = 0; i < 300; i++) {
                int node = 1 + i % 3;
                String body = new JsonObject().put("i", i).encode();
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(nodes.uri(node, "/v1/channels/r" + (i % 2) + "/messages"))
                        .timeout(Duration.ofSeconds(20)).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(201, r.statusCode(), r.body());
                acked.put(new JsonObject(r.body()).getLong("seq"), body);
            }
            for (int k = 1; k <= 3; k++) {
                nodes.kill(k); // SIGKILL, no warning
            }
            for (int k = 1; k <= 3; k++) {
                nodes.start(k);
            }
            nodes.awaitReady(Duration.ofSeconds(90));
            for (int k = 1; k <= 3; k++) {
                String log = java.nio.file.Files.readString(nodes.logFile(k));
                assertTrue(log.contains("event=broadcast_resumed"), "n" + k + " started from its snapshot:\n"
                        + nodes.logTail(k, 30));
            }

            JsonArray reference = null;
            for (int k = 1; k <= 3; k++) {
                JsonArray log = new JsonObject(nodes.get(k, "/v1/messages?after=0&limit=1000").body()).getJsonArray("messages");
                assertEquals(acked.size(), log.size(), "n" + k + " holds exactly the acknowledged messages");
                for (int i = 0; i < log.size(); i++) {
                    JsonObject m = log.getJsonObject(i);
                    assertEquals(acked.get(m.getLong("seq")), m.getJsonObject("data").encode(), "n" + k + " seq " + m.getLong("seq"));
                }
                if (reference == null) {
                    reference = log;
                } else {
                    assertEquals(reference, log, "n" + k + " agrees with n1");
                }
            }
            HttpResponse<String> after = http.send(HttpRequest.newBuilder(nodes.uri(2, "/v1/channels/r0/messages"))
                    .timeout(Duration.ofSeconds(20)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("\"after the restart\"")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(201, after.statusCode(), after.body());
            assertTrue(new JsonObject(after.body()).getLong("seq") == acked.size() + 1, after.body());
        }
    }
}
