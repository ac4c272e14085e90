package io.paxcast.broadcast.it;

import io.paxcast.testkit.client.TestClient;
import io.paxcast.testkit.node.NodeLogsOnFailure;
import io.paxcast.testkit.node.NodeProcesses;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A node stopped while its peers compacted past it rejoins by installing a peer's snapshot, then
 * catches up the retained log and serves it like the others: the same earliest position, the same
 * retained messages at the same seqs, and new publishes through it. Its subscribers resume correctly:
 * one asking for what it never held gets {@code offset_expired} with the earliest position (never a
 * silent gap), one resuming from the earliest gets every retained message in order and then the live
 * ones. Small retention, snapshot interval and checkpoint spacing, so that a few hundred publishes
 * compact the log several times.
 */
class SnapshotInstallTest {
    private static final Pattern METRIC = Pattern.compile("(?m)^(paxcast_[a-z_]+)(?:\\{[^}]*})? ([0-9.eE+-]+)$");

    @RegisterExtension
    final NodeLogsOnFailure logs = new NodeLogsOnFailure();

    @Test
    void aNodeBehindItsPeersCompactionInstallsASnapshotAndServesTheRetainedLog() throws Exception {
        try (NodeProcesses nodes = logs.watch(NodeProcesses.builder().nodes(3).name("SnapshotInstallTest")
                .env("PAXCAST_RETENTION_MAXMESSAGES", "150")
                .env("PAXCAST_SNAPSHOT_INTERVALMESSAGES", "40")
                .env("PAXCAST_SNAPSHOT_CHECKPOINTEVERYSLOTS", "16").build())) {
            nodes.startAll();
            nodes.awaitReady(Duration.ofSeconds(90));
            int published = 0;
            for (; published < 60; published++) {
                publish(nodes, 1 + published % 3, published);
            }
            nodes.kill(3);
            long behind = metric(nodes, 1, "paxcast_applied_slot");
            for (; published < 600; published++) {
                publish(nodes, 1 + published % 2, published);
            }
            await("the peers compact past slot " + behind).atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(100)).until(() -> Math.min(metric(nodes, 1, "paxcast_log_start_slot"),
                            metric(nodes, 2, "paxcast_log_start_slot")) > behind + 1);
            nodes.start(3);
            nodes.awaitReady(Duration.ofSeconds(90), 3);
            String log3 = Files.readString(nodes.logFile(3));
            assertTrue(log3.contains("event=snapshot_installed"), "n3 installed a snapshot:\n" + nodes.logTail(3, 40));
            assertEquals(0, metric(nodes, 3, "paxcast_snapshot_failures_total"),
                    "n3 installed and kept the snapshot at the first attempt:\n" + nodes.logTail(3, 40));
            assertEquals(1, metric(nodes, 3, "paxcast_snapshot_installs_total"));

            // n3's subscribers: one from before anything it holds, one from its earliest retained seq
            long earliestOnN3 = metric(nodes, 3, "paxcast_log_earliest_seq");
            List<JsonObject> fromZero = subscribe(nodes, 3, "/v1/subscribe?channels=*&after=0");
            List<JsonObject> fromEarliest = subscribe(nodes, 3, "/v1/subscribe?channels=*&after=" + (earliestOnN3 - 1));

            publish(nodes, 3, published++); // through the rejoined node
            awaitApplied(nodes, published);
            JsonArray reference = null;
            long earliest = metric(nodes, 1, "paxcast_log_earliest_seq");
            assertTrue(earliest > 1, "retention expired the oldest messages");
            for (int k = 1; k <= 3; k++) {
                assertEquals(earliest, metric(nodes, k, "paxcast_log_earliest_seq"), "n" + k + " expires what the others do");
                JsonArray retained = new JsonObject(nodes.get(k, "/v1/messages?after=" + (earliest - 1) + "&limit=1000").body())
                        .getJsonArray("messages");
                assertEquals(published - earliest + 1, retained.size(), "n" + k + " holds every retained message");
                if (reference == null) {
                    reference = retained;
                } else {
                    assertEquals(reference, retained, "n" + k + " agrees with n1");
                }
                HttpResponse<String> expired = nodes.get(k, "/v1/messages?after=0&limit=10");
                assertEquals(410, expired.statusCode(), "n" + k + ": " + expired.body());
                assertEquals(earliest, new JsonObject(expired.body()).getJsonObject("error").getLong("earliest"), expired.body());
            }

            await("n3's subscriber from seq 0 is told what expired").atMost(Duration.ofSeconds(10))
                    .until(() -> fromZero.stream().anyMatch(f -> "error".equals(f.getString("type"))));
            JsonObject error = fromZero.stream().filter(f -> "error".equals(f.getString("type"))).findFirst().orElseThrow();
            assertEquals("offset_expired", error.getString("code"), error.encode());
            assertEquals(earliestOnN3, error.getLong("earliest"), error.encode());
            assertTrue(fromZero.stream().noneMatch(f -> "message".equals(f.getString("type"))), "nothing after a gap");

            long expectedFrames = published - earliestOnN3 + 1; // every retained one, then the live publish
            await("n3's subscriber from its earliest seq gets the retained log and the live publish")
                    .atMost(Duration.ofSeconds(20)).until(() -> messages(fromEarliest).size() >= expectedFrames);
            List<JsonObject> got = messages(fromEarliest);
            assertEquals(expectedFrames, got.size(), "no duplicate");
            for (int i = 0; i < got.size(); i++) {
                assertEquals(earliestOnN3 + i, got.get(i).getLong("seq"), "in order, no gap");
            }
            for (int i = 0; i < reference.size(); i++) {
                JsonObject r = reference.getJsonObject(i);
                JsonObject m = got.get((int) (r.getLong("seq") - earliestOnN3));
                assertEquals(r.getString("channel"), m.getString("channel"), "seq " + r.getLong("seq"));
                assertEquals(r.getLong("offset"), m.getLong("offset"), "seq " + r.getLong("seq"));
                assertEquals(r.getJsonObject("data"), m.getJsonObject("data"), "seq " + r.getLong("seq"));
            }
            assertTrue(fromEarliest.stream().noneMatch(f -> "error".equals(f.getString("type"))), fromEarliest.toString());
        }
    }

    /** The frames of a WebSocket on node {@code k}, collected as they come. */
    private static List<JsonObject> subscribe(NodeProcesses nodes, int k, String path) throws Exception {
        List<JsonObject> frames = new CopyOnWriteArrayList<>();
        new TestClient().webSocket(nodes.wsUri(k, path), Duration.ofSeconds(10),
                (webSocket, text) -> frames.add(new JsonObject(text))).get(10, TimeUnit.SECONDS);
        return frames;
    }

    private static List<JsonObject> messages(List<JsonObject> frames) {
        return frames.stream().filter(f -> "message".equals(f.getString("type"))).toList();
    }

    private static void publish(NodeProcesses nodes, int node, int i) throws Exception {
        HttpResponse<String> r = nodes.postJson(node, "/v1/channels/c" + (i % 3) + "/messages",
                new JsonObject().put("i", i).encode(), Duration.ofSeconds(20));
        assertEquals(201, r.statusCode(), "publish " + i + " to n" + node + ": " + r.body());
    }

    private static void awaitApplied(NodeProcesses nodes, long seq) {
        for (int k = 1; k <= 3; k++) {
            int node = k;
            await("n" + k + " applies seq " + seq).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                    .until(() -> metric(nodes, node, "paxcast_commit_seq") >= seq);
        }
    }

    private static long metric(NodeProcesses nodes, int k, String name) throws Exception {
        Matcher m = METRIC.matcher(nodes.get(k, "/metrics").body());
        while (m.find()) {
            if (m.group(1).equals(name)) {
                return (long) Double.parseDouble(m.group(2));
            }
        }
        throw new AssertionError("n" + k + " has no metric " + name);
    }
}
