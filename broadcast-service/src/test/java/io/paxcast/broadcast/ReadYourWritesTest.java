package io.paxcast.broadcast;

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
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code minSeq} on history reads (docs/API.md, "Read your writes"): a read waits until the node has
 * applied that seq, bounded by {@code read.maxWaitMillis} (then {@code 503 not_applied}) and by
 * {@code read.maxWaiting} reads at once (then {@code 429}); a bad value is a 400. Across real nodes
 * the same parameter is exercised by {@code it.ReadYourWritesAcrossNodesTest}.
 */
class ReadYourWritesTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dataDir;

    private static CompletableFuture<HttpResponse<String>> getAsync(InProcessNode node, String path) {
        return HTTP.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void awaitWaitingReads(InProcessNode node, int n) {
        await("paxcast_reads_waiting = " + n).atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                .until(() -> node.metric("paxcast_reads_waiting") == n);
    }

    @Test
    void aReadWithMinSeqWaitsUntilThatSeqIsAppliedAndThenHoldsIt() throws Exception {
        try (InProcessNode node = new InProcessNode(dataDir, new JsonObject())) {
            await().atMost(Duration.ofSeconds(30)).until(() -> node.status("/ready") == 200);
            assertEquals(201, node.publish("a", "\"one\""));
            JsonObject now = new JsonObject(node.get("/v1/messages?minSeq=1"));
            assertEquals(1, now.getJsonArray("messages").size(), "an applied minSeq answers at once: " + now);

            CompletableFuture<HttpResponse<String>> global = getAsync(node, "/v1/messages?after=1&minSeq=2");
            CompletableFuture<HttpResponse<String>> channel = getAsync(node, "/v1/channels/a/messages?after=1&minSeq=2");
            awaitWaitingReads(node, 2);
            assertFalse(global.isDone() || channel.isDone(), "seq 2 does not exist yet");

            assertEquals(201, node.publish("a", "\"two\""));
            HttpResponse<String> g = global.get(10, TimeUnit.SECONDS);
            HttpResponse<String> c = channel.get(10, TimeUnit.SECONDS);
            assertEquals(200, g.statusCode(), g.body());
            assertEquals(200, c.statusCode(), c.body());
            assertEquals("two", new JsonObject(g.body()).getJsonArray("messages").getJsonObject(0).getString("data"));
            assertEquals(2L, new JsonObject(c.body()).getJsonArray("messages").getJsonObject(0).getLong("seq"));
            awaitWaitingReads(node, 0);
        }
    }

    @Test
    void aSubscriptionWithMinSeqStartsOnceThatSeqIsAppliedSoItsReplayHoldsIt() throws Exception {
        try (InProcessNode node = new InProcessNode(dataDir, new JsonObject())) {
            await().atMost(Duration.ofSeconds(30)).until(() -> node.status("/ready") == 200);
            assertEquals(201, node.publish("a", "\"one\""));
            java.util.concurrent.BlockingQueue<String> frames = new java.util.concurrent.LinkedBlockingQueue<>();
            CompletableFuture<java.net.http.WebSocket> ws = HTTP.newWebSocketBuilder().buildAsync(
                    URI.create("ws://127.0.0.1:" + node.port + "/v1/subscribe?channels=a&after=0&minSeq=2"),
                    io.paxcast.wsframes.TextFrameListener.unbounded((socket, text) -> frames.add(text)));
            awaitWaitingReads(node, 1);
            assertFalse(ws.isDone(), "the upgrade waits for seq 2");
            assertEquals(201, node.publish("a", "\"two\""));
            java.net.http.WebSocket socket = ws.get(10, TimeUnit.SECONDS);
            try {
                JsonObject subscribed = new JsonObject(frames.poll(10, TimeUnit.SECONDS));
                assertEquals("subscribed", subscribed.getString("type"), subscribed.encode());
                assertTrue(subscribed.getLong("head") >= 2, subscribed.encode());
                assertEquals(1L, new JsonObject(frames.poll(10, TimeUnit.SECONDS)).getLong("seq"));
                assertEquals(2L, new JsonObject(frames.poll(10, TimeUnit.SECONDS)).getLong("seq"));
            } finally {
                socket.abort();
            }
        }
    }

    @Test
    void aMinSeqNotAppliedInTimeIs503WithTheAppliedSeqAndTooManyWaitingReadsAre429() throws Exception {
        JsonObject config = new JsonObject().put("read.maxWaitMillis", "5000").put("read.maxWaiting", "2");
        try (InProcessNode node = new InProcessNode(dataDir, config)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> node.status("/ready") == 200);
            assertEquals(201, node.publish("a", "\"one\""));

            HttpResponse<String> late = getAsync(node, "/v1/messages?minSeq=99").get(10, TimeUnit.SECONDS);
            assertEquals(503, late.statusCode(), late.body());
            assertTrue(late.headers().firstValue("Retry-After").isPresent(), "Retry-After on 503");
            JsonObject error = new JsonObject(late.body()).getJsonObject("error");
            assertEquals("not_applied", error.getString("code"), late.body());
            assertEquals(1L, error.getLong("appliedSeq"), late.body());

            CompletableFuture<HttpResponse<String>> first = getAsync(node, "/v1/messages?minSeq=50");
            CompletableFuture<HttpResponse<String>> second = getAsync(node, "/v1/messages?minSeq=51");
            awaitWaitingReads(node, 2);
            HttpResponse<String> third = getAsync(node, "/v1/messages?minSeq=52").get(10, TimeUnit.SECONDS);
            assertEquals(429, third.statusCode(), third.body());
            assertEquals("overloaded", new JsonObject(third.body()).getJsonObject("error").getString("code"));
            assertEquals(503, first.get(10, TimeUnit.SECONDS).statusCode());
            assertEquals(503, second.get(10, TimeUnit.SECONDS).statusCode());
            awaitWaitingReads(node, 0);
            assertEquals(200, node.status("/ready"), "the node keeps serving");
        }
    }

    @Test
    void aLinearizableHeadIsConfirmedThroughTheLogAndAppendsNothing() throws Exception {
        try (InProcessNode node = new InProcessNode(dataDir, new JsonObject())) {
            await().atMost(Duration.ofSeconds(30)).until(() -> node.status("/ready") == 200);
            for (int i = 0; i < 3; i++) {
                assertEquals(201, node.publish("h", Integer.toString(i)));
            }
            JsonObject plain = new JsonObject(node.get("/v1/head"));
            assertEquals(3L, plain.getLong("seq"), plain.encode());
            assertFalse(plain.getBoolean("linearizable"));
            double slotsBefore = node.metric("paxcast_applied_slot");
            JsonObject confirmed = new JsonObject(node.get("/v1/head?linearizable=true"));
            assertEquals(3L, confirmed.getLong("seq"), confirmed.encode());
            assertTrue(confirmed.getBoolean("linearizable"));
            assertTrue(node.metric("paxcast_applied_slot") > slotsBefore, "the read went through the log");
            assertEquals(3, new JsonObject(node.get("/v1/messages")).getJsonArray("messages").size(), "and appended nothing");
            assertEquals(400, node.status("/v1/head?linearizable=yes"));
        }
    }

    @Test
    void aBadMinSeqIs400AndWaitsForNothing() throws Exception {
        try (InProcessNode node = new InProcessNode(dataDir, new JsonObject())) {
            await().atMost(Duration.ofSeconds(30)).until(() -> node.status("/ready") == 200);
            for (String bad : new String[] {"-1", "x", "1.5"}) {
                HttpResponse<String> r = getAsync(node, "/v1/messages?minSeq=" + bad).get(10, TimeUnit.SECONDS);
                assertEquals(400, r.statusCode(), bad + ": " + r.body());
                assertEquals("invalid_parameter", new JsonObject(r.body()).getJsonObject("error").getString("code"));
            }
            assertEquals(0.0, node.metric("paxcast_reads_waiting"));
        }
    }
}
