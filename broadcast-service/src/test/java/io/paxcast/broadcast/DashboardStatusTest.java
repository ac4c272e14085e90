package io.paxcast.broadcast;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the dashboard reads, on one node: {@code /dashboard/} is served by the node itself,
 * {@code /v1/admin/status} and the stream {@code /v1/admin/status/stream} say who leads, the members
 * with their one-second samples (publishes/s counted from real publishes), and the stream's first frame
 * carries the history. The page in a browser against three nodes: {@code it.DashboardBrowserTest}.
 */
class DashboardStatusTest {
    @TempDir
    Path dataDir;

    @Test
    void theStatusSaysWhoLeadsAndCountsPublishesPerSecond() throws Exception {
        try (InProcessNode node = new InProcessNode(dataDir, new JsonObject())) {
            await().atMost(Duration.ofSeconds(30)).until(() -> node.status("/ready") == 200);
            String page = node.get("/dashboard/");
            assertTrue(page.contains("dashboard.js") && page.contains("id=\"leader\""), page);
            assertEquals(200, node.status("/dashboard/dashboard.js"));
            for (int i = 0; i < 20; i++) {
                assertEquals(201, node.publish("dash", Integer.toString(i)));
            }
            await("the samples count the publishes").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
                    .until(() -> publishedInHistory(node) == 20);
            JsonObject status = new JsonObject(node.get("/v1/admin/status"));
            assertEquals("n1", status.getJsonObject("now").getString("leader"), status.encode());
            assertEquals(20L, status.getJsonObject("now").getLong("commitSeq"));
            JsonObject self = status.getJsonArray("members").getJsonObject(0);
            assertEquals("n1", self.getString("id"));
            assertNotNull(self.getJsonObject("sample"), status.encode());

            BlockingQueue<String> frames = new LinkedBlockingQueue<>();
            WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder().buildAsync(
                    URI.create("ws://127.0.0.1:" + node.port + "/v1/admin/status/stream"),
                    io.paxcast.wsframes.TextFrameListener.unbounded((socket, text) -> frames.add(text)))
                    .get(10, TimeUnit.SECONDS);
            try {
                JsonObject first = new JsonObject(frames.poll(10, TimeUnit.SECONDS));
                assertEquals("status", first.getString("type"));
                assertTrue(first.getJsonArray("history").size() >= 1, "the first frame carries the history");
                JsonObject second = new JsonObject(frames.poll(10, TimeUnit.SECONDS));
                assertEquals("n1", second.getJsonObject("now").getString("leader"));
                assertTrue(!second.containsKey("history"), "later frames do not repeat it");
            } finally {
                ws.abort();
            }
        }
    }

    /** Messages acknowledged through this node, summed over the one-second samples of the history. */
    private static long publishedInHistory(InProcessNode node) throws Exception {
        JsonArray history = new JsonObject(node.get("/v1/admin/status?history=true")).getJsonArray("history");
        long sum = 0;
        for (int i = 0; i < history.size(); i++) {
            sum += history.getJsonObject(i).getLong("publishedPerSec");
        }
        return sum;
    }
}
