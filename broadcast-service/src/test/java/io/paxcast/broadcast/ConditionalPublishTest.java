package io.paxcast.broadcast;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Conditional publish on one node (docs/API.md, "Conditional publish"): {@code If-Channel-Offset} on
 * a single publish and {@code expectOffset} per batch item order a message only if its channel's last
 * offset is exactly that where the slot is applied; else {@code 409 offset_mismatch} with the current
 * offset, and nothing of the request is appended. Bad values are 400 and append nothing. Many writers
 * racing across real nodes: {@code it.ConditionalPublishRaceTest}.
 */
class ConditionalPublishTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dataDir;

    private static HttpResponse<String> post(InProcessNode node, String path, String body, String... headers)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonObject error(HttpResponse<String> r) {
        return new JsonObject(r.body()).getJsonObject("error");
    }

    @Test
    void aPublishIsOrderedOnlyAfterTheOffsetItExpects() throws Exception {
        try (InProcessNode node = new InProcessNode(dataDir, new JsonObject())) {
            await().atMost(Duration.ofSeconds(30)).until(() -> node.status("/ready") == 200);
            String path = "/v1/channels/acct/messages";
            HttpResponse<String> first = post(node, path, "{\"v\":1}", "If-Channel-Offset", "0");
            assertEquals(201, first.statusCode(), first.body());
            assertEquals(1L, new JsonObject(first.body()).getLong("offset"));

            HttpResponse<String> stale = post(node, path, "{\"v\":\"stale\"}", "If-Channel-Offset", "0");
            assertEquals(409, stale.statusCode(), stale.body());
            assertEquals("offset_mismatch", error(stale).getString("code"));
            assertEquals(1L, error(stale).getLong("offset"), "the current offset: " + stale.body());
            assertEquals(0L, error(stale).getLong("expected"));

            HttpResponse<String> ahead = post(node, path, "{\"v\":\"ahead\"}", "If-Channel-Offset", "5");
            assertEquals(409, ahead.statusCode(), ahead.body());

            HttpResponse<String> next = post(node, path, "{\"v\":2}", "If-Channel-Offset", "1");
            assertEquals(201, next.statusCode(), next.body());
            assertEquals(2L, new JsonObject(next.body()).getLong("offset"));

            HttpResponse<String> retry = post(node, path, "{\"v\":3}", "If-Channel-Offset", "2", "Idempotency-Key", "k3");
            assertEquals(201, retry.statusCode(), retry.body());
            HttpResponse<String> again = post(node, path, "{\"v\":3}", "If-Channel-Offset", "2", "Idempotency-Key", "k3");
            assertEquals(200, again.statusCode(), "a retry of an ordered conditional publish is its original result: "
                    + again.body());

            JsonArray history = new JsonObject(node.get(path)).getJsonArray("messages");
            assertEquals(3, history.size(), history.encode());
            assertEquals(1, history.getJsonObject(0).getJsonObject("data").getInteger("v"));
            assertEquals(2, history.getJsonObject(1).getJsonObject("data").getInteger("v"));
            assertEquals(3, history.getJsonObject(2).getJsonObject("data").getInteger("v"));
        }
    }

    @Test
    void aBatchWithOneWrongExpectationAppendsNothing() throws Exception {
        try (InProcessNode node = new InProcessNode(dataDir, new JsonObject())) {
            await().atMost(Duration.ofSeconds(30)).until(() -> node.status("/ready") == 200);
            HttpResponse<String> ok = post(node, "/v1/messages", "[{\"channel\":\"a\",\"data\":1,\"expectOffset\":0},"
                    + "{\"channel\":\"a\",\"data\":2,\"expectOffset\":1},{\"channel\":\"b\",\"data\":3}]");
            assertEquals(201, ok.statusCode(), "expectations follow the batch's own earlier items: " + ok.body());

            HttpResponse<String> wrong = post(node, "/v1/messages", "[{\"channel\":\"b\",\"data\":4,\"expectOffset\":1},"
                    + "{\"channel\":\"a\",\"data\":5,\"expectOffset\":7}]");
            assertEquals(409, wrong.statusCode(), wrong.body());
            assertEquals("offset_mismatch", error(wrong).getString("code"));
            assertEquals(1L, error(wrong).getLong("index"), wrong.body());
            assertEquals(2L, error(wrong).getLong("offset"), wrong.body());

            assertEquals(3, new JsonObject(node.get("/v1/messages")).getJsonArray("messages").size(),
                    "the refused batch appended nothing, not even its matching item");
        }
    }

    @Test
    void aWebSocketPublishFrameMayExpectAnOffsetToo() throws Exception {
        try (InProcessNode node = new InProcessNode(dataDir, new JsonObject())) {
            await().atMost(Duration.ofSeconds(30)).until(() -> node.status("/ready") == 200);
            java.util.concurrent.BlockingQueue<JsonObject> frames = new java.util.concurrent.LinkedBlockingQueue<>();
            java.net.http.WebSocket ws = HTTP.newWebSocketBuilder().buildAsync(
                    URI.create("ws://127.0.0.1:" + node.port + "/v1/subscribe?channels=other"),
                    io.paxcast.wsframes.TextFrameListener.unbounded((socket, text) -> {
                        JsonObject frame = new JsonObject(text);
                        if (!"subscribed".equals(frame.getString("type"))) {
                            frames.add(frame);
                        }
                    })).get(10, java.util.concurrent.TimeUnit.SECONDS);
            try {
                ws.sendText("{\"type\":\"publish\",\"channel\":\"w\",\"data\":1,\"id\":\"a\",\"expectOffset\":0}", true).join();
                JsonObject ack = frames.poll(10, java.util.concurrent.TimeUnit.SECONDS);
                assertEquals("ack", ack.getString("type"), ack.encode());
                assertEquals(1L, ack.getLong("offset"));
                ws.sendText("{\"type\":\"publish\",\"channel\":\"w\",\"data\":2,\"id\":\"b\",\"expectOffset\":0}", true).join();
                JsonObject refused = frames.poll(10, java.util.concurrent.TimeUnit.SECONDS);
                assertEquals("offset_mismatch", refused.getString("code"), refused.encode());
                assertEquals("b", refused.getString("id"));
                assertEquals(1L, refused.getLong("offset"));
                ws.sendText("{\"type\":\"publish\",\"channel\":\"w\",\"data\":3,\"id\":\"c\",\"expectOffset\":\"1\"}", true).join();
                JsonObject bad = frames.poll(10, java.util.concurrent.TimeUnit.SECONDS);
                assertEquals("invalid_frame", bad.getString("code"), bad.encode());
            } finally {
                ws.abort();
            }
            assertEquals(1, new JsonObject(node.get("/v1/channels/w/messages")).getJsonArray("messages").size());
        }
    }

    @Test
    void aBadExpectationIs400AndAppendsNothing() throws Exception {
        try (InProcessNode node = new InProcessNode(dataDir, new JsonObject())) {
            await().atMost(Duration.ofSeconds(30)).until(() -> node.status("/ready") == 200);
            for (String bad : new String[] {"-1", "one", "1.5", ""}) {
                HttpResponse<String> r = post(node, "/v1/channels/a/messages", "1", "If-Channel-Offset", bad);
                assertEquals(400, r.statusCode(), "'" + bad + "': " + r.body());
                assertEquals("invalid_parameter", error(r).getString("code"));
            }
            for (String bad : new String[] {"-1", "\"0\"", "1.5", "null"}) {
                HttpResponse<String> r = post(node, "/v1/messages", "[{\"channel\":\"a\",\"data\":1,\"expectOffset\":" + bad + "}]");
                assertEquals(400, r.statusCode(), bad + ": " + r.body());
                assertEquals("invalid_batch", error(r).getString("code"));
            }
            assertEquals(0, new JsonObject(node.get("/v1/messages")).getJsonArray("messages").size());
        }
    }
}
