package io.paxcast.broadcast;

import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The wire contract of docs/API.md on one node: publish, idempotency, batches, history, and every bad
 * input answered with its documented JSON error while changing nothing.
 */
class ApiContractTest {
    @TempDir
    static Path dataDir;
    static InProcessNode node;
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        node = new InProcessNode(dataDir, new JsonObject());
        await().atMost(Duration.ofSeconds(20)).until(() -> get("/ready").statusCode() == 200);
    }

    @AfterAll
    static void stop() throws Exception {
        node.close();
    }

    static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> get(String path) throws Exception {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port + path)).GET());
    }

    static HttpResponse<String> post(String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port + path))
                .POST(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json");
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return send(b);
    }

    static long head() throws Exception {
        return new JsonObject(get("/v1/cluster").body()).getLong("commitSeq");
    }

    /** Asserts the documented error shape and that the log did not move. */
    static void assertError(HttpResponse<String> response, int status, String code, long headBefore) throws Exception {
        assertEquals(status, response.statusCode(), response.body());
        assertTrue(response.headers().firstValue("content-type").orElse("").startsWith("application/json"));
        JsonObject error = new JsonObject(response.body()).getJsonObject("error");
        assertNotNull(error, response.body());
        assertEquals(code, error.getString("code"), response.body());
        assertTrue(error.getString("message").length() > 5, "a human message");
        assertEquals(headBefore, head(), "a rejected request appended nothing");
    }

    @Test
    void publishReturnsSeqOffsetAndTimestampAndHistoryHoldsIt() throws Exception {
        var r = post("/v1/channels/contract-a/messages", "{\"hello\":\"world\",\"n\":[1,2]}");
        assertEquals(201, r.statusCode(), r.body());
        JsonObject result = new JsonObject(r.body());
        long seq = result.getLong("seq");
        assertEquals("contract-a", result.getString("channel"));
        assertTrue(result.getLong("offset") >= 1);
        assertTrue(result.getLong("ts") > 1_700_000_000_000L);
        JsonObject page = new JsonObject(get("/v1/messages?after=" + (seq - 1) + "&limit=1").body());
        JsonObject message = page.getJsonArray("messages").getJsonObject(0);
        assertEquals(seq, message.getLong("seq"));
        assertEquals(new JsonObject("{\"hello\":\"world\",\"n\":[1,2]}"), message.getJsonObject("data"));
        assertEquals(seq, page.getLong("next"));
    }

    @Test
    void aRetryWithTheSameIdempotencyKeyReturnsTheOriginalAndAppendsNothing() throws Exception {
        var first = post("/v1/channels/contract-k/messages", "\"once\"", "Idempotency-Key", "key-1");
        assertEquals(201, first.statusCode(), first.body());
        long headAfterFirst = head();
        var again = post("/v1/channels/contract-k/messages", "\"once\"", "Idempotency-Key", "key-1");
        assertEquals(200, again.statusCode(), again.body());
        assertEquals(new JsonObject(first.body()), new JsonObject(again.body()));
        assertEquals(headAfterFirst, head());
        var otherChannel = post("/v1/channels/contract-k2/messages", "\"once\"", "Idempotency-Key", "key-1");
        assertEquals(201, otherChannel.statusCode(), "keys are scoped by channel");
    }

    @Test
    void aBatchIsOrderedContiguouslyInRequestOrder() throws Exception {
        var r = post("/v1/messages", "[{\"channel\":\"b1\",\"data\":1},{\"channel\":\"b2\",\"data\":2},{\"channel\":\"b1\",\"data\":3}]");
        assertEquals(201, r.statusCode(), r.body());
        JsonArray results = new JsonObject(r.body()).getJsonArray("results");
        assertEquals(3, results.size());
        long first = results.getJsonObject(0).getLong("seq");
        for (int i = 0; i < 3; i++) {
            assertEquals(first + i, results.getJsonObject(i).getLong("seq"));
        }
        assertEquals("b2", results.getJsonObject(1).getString("channel"));
        JsonObject channelPage = new JsonObject(get("/v1/channels/b1/messages?after=0").body());
        assertEquals(2, channelPage.getJsonArray("messages").size());
        assertEquals(3, channelPage.getJsonArray("messages").getJsonObject(1).getInteger("data"));
        assertEquals(2, channelPage.getLong("next"));
    }

    @Test
    void malformedJsonIsRejected() throws Exception {
        long head = head();
        assertError(post("/v1/channels/ok/messages", "{\"a\":"), 400, "invalid_json", head);
        assertError(post("/v1/channels/ok/messages", ""), 400, "invalid_json", head);
        assertError(post("/v1/messages", "[{\"channel\":"), 400, "invalid_json", head);
    }

    @Test
    void badChannelNamesAreRejected() throws Exception {
        long head = head();
        assertError(post("/v1/channels/-starts-with-dash/messages", "1"), 400, "invalid_channel", head);
        assertError(post("/v1/channels/" + "x".repeat(129) + "/messages", "1"), 400, "invalid_channel", head);
        assertError(post("/v1/channels/has%20space/messages", "1"), 400, "invalid_channel", head);
        assertError(get("/v1/channels/bad$name/messages"), 400, "invalid_channel", head);
    }

    @Test
    void oversizePayloadsAreRejected() throws Exception {
        long head = head();
        String big = "\"" + "x".repeat(65 * 1024) + "\"";
        assertError(post("/v1/channels/ok/messages", big), 413, "payload_too_large", head);
        assertError(post("/v1/messages", "[{\"channel\":\"ok\",\"data\":" + big + "}]"), 413, "payload_too_large", head);
    }

    @Test
    void badIdempotencyKeysAreRejected() throws Exception {
        long head = head();
        assertError(post("/v1/channels/ok/messages", "1", "Idempotency-Key", "k".repeat(129)), 400,
                "invalid_idempotency_key", head);
        assertError(post("/v1/messages", "[{\"channel\":\"ok\",\"data\":1,\"key\":7}]"), 400, "invalid_idempotency_key", head);
    }

    @Test
    void badBatchesChangeNothing() throws Exception {
        long head = head();
        assertError(post("/v1/messages", "{\"channel\":\"a\"}"), 400, "invalid_batch", head);
        assertError(post("/v1/messages", "[]"), 400, "invalid_batch", head);
        assertError(post("/v1/messages", "[{\"channel\":\"a\"}]"), 400, "invalid_batch", head);
        StringBuilder tooMany = new StringBuilder("[");
        for (int i = 0; i < 1001; i++) {
            tooMany.append(i == 0 ? "" : ",").append("{\"channel\":\"a\",\"data\":").append(i).append('}');
        }
        assertError(post("/v1/messages", tooMany.append(']').toString()), 413, "batch_too_large", head);
        // one bad item: none of the batch is appended (atomic)
        assertError(post("/v1/messages", "[{\"channel\":\"a\",\"data\":1},{\"channel\":\"b a d\",\"data\":2}]"), 400,
                "invalid_channel", head);
    }

    @Test
    void badHistoryParametersAreRejected() throws Exception {
        long head = head();
        assertError(get("/v1/messages?after=-1"), 400, "invalid_parameter", head);
        assertError(get("/v1/messages?after=abc"), 400, "invalid_parameter", head);
        assertError(get("/v1/messages?limit=0"), 400, "invalid_parameter", head);
        assertError(get("/v1/messages?limit=1001"), 400, "invalid_parameter", head);
        assertError(get("/v1/channels/ok/messages?after=1.5"), 400, "invalid_parameter", head);
    }

    @Test
    void unknownRoutesAre404Json() throws Exception {
        long head = head();
        assertError(get("/v1/nothing-here"), 404, "not_found", head);
        assertError(post("/v1/cluster", "{}"), 404, "not_found", head);
    }

    @Test
    void badSubscriptionsAreRejectedBeforeTheUpgrade() throws Exception {
        long head = head();
        assertError(get("/v1/subscribe"), 400, "invalid_parameter", head);
        assertError(get("/v1/subscribe?channels=ok,-bad"), 400, "invalid_channel", head);
        assertError(get("/v1/subscribe?channels=*&after=-5"), 400, "invalid_parameter", head);
        assertError(get("/v1/subscribe?channels=*&after=999999999999"), 400, "invalid_parameter", head);
        assertError(get("/v1/subscribe?channels=*"), 400, "websocket_required", head);
    }

    @Test
    void healthReadyClusterAndMetricsAnswer() throws Exception {
        assertEquals(200, get("/health").statusCode());
        assertEquals(200, get("/ready").statusCode());
        JsonObject cluster = new JsonObject(get("/v1/cluster").body());
        assertEquals("n1", cluster.getString("node"));
        assertEquals("n1", cluster.getString("leader"));
        assertNotNull(cluster.getString("ballot"));
        assertEquals(1, cluster.getJsonArray("members").size());
        var metrics = get("/metrics");
        assertEquals(200, metrics.statusCode());
        assertTrue(metrics.body().contains("paxcast_commit_seq"), "Prometheus text with Paxcast meters");
    }

    @Test
    void aWebSocketReceivesSubscribedThenMessagesAndSurvivesBadFrames() throws Exception {
        WebSocketClient client = node.vertx.createWebSocketClient();
        List<JsonObject> frames = new CopyOnWriteArrayList<>();
        // The handler is set before the connect: the server sends `subscribed` at once, and a frame
        // that arrives before a handler exists is dropped.
        ClientWebSocket ws = client.webSocket();
        ws.textMessageHandler(t -> frames.add(new JsonObject(t)));
        ws.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(node.port)
                        .setURI("/v1/subscribe?channels=ws-a"))
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> !frames.isEmpty());
        assertEquals("subscribed", frames.get(0).getString("type"));
        assertEquals(new JsonArray().add("ws-a"), frames.get(0).getJsonArray("channels"));

        ws.writeTextMessage("this is not json");
        await().atMost(Duration.ofSeconds(10)).until(() -> frames.stream().anyMatch(f -> "error".equals(f.getString("type"))));
        assertEquals("invalid_json", frames.stream().filter(f -> "error".equals(f.getString("type"))).findFirst()
                .orElseThrow().getString("code"));

        ws.writeTextMessage(new JsonObject().put("type", "publish").put("channel", "ws-a").put("data", "via-ws")
                .put("id", "r1").encode());
        post("/v1/channels/ws-b/messages", "\"other channel\"");
        post("/v1/channels/ws-a/messages", "\"via-http\"");
        await().atMost(Duration.ofSeconds(10)).until(() ->
                frames.stream().filter(f -> "message".equals(f.getString("type"))).count() == 2
                        && frames.stream().anyMatch(f -> "ack".equals(f.getString("type"))));
        List<JsonObject> messages = frames.stream().filter(f -> "message".equals(f.getString("type"))).toList();
        assertTrue(messages.get(0).getLong("seq") < messages.get(1).getLong("seq"));
        assertTrue(messages.stream().allMatch(m -> m.getString("channel").equals("ws-a")), "only subscribed channels");
        JsonObject ack = frames.stream().filter(f -> "ack".equals(f.getString("type"))).findFirst().orElseThrow();
        assertEquals("r1", ack.getString("id"));
        ws.close();
        client.close();
    }

    /** A 30,000-deep array used to get 400 bad_request with an empty message. */
    @Test
    void aBodyNestedTooDeeplyGetsInvalidJsonWithAMessageAndChangesNothing() throws Exception {
        long before = head();
        String deep = "[".repeat(30_000) + "]".repeat(30_000);
        HttpResponse<String> one = post("/v1/channels/deep/messages", deep);
        assertError(one, 400, "invalid_json", before);
        HttpResponse<String> batch = post("/v1/messages", "[{\"channel\":\"deep\",\"data\":" + deep + "}]");
        assertError(batch, 400, "invalid_json", before);
    }

    @Test
    void aDeclaredBodyOverTheLimitIsRefusedBeforeItIsRead() throws Exception {
        long before = head();
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", node.port)) {
            socket.setSoTimeout(5_000);
            var out = socket.getOutputStream();
            out.write(("POST /v1/channels/big/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 100000000\r\n\r\n{").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            out.flush();
            String head = new String(socket.getInputStream().readNBytes(12), java.nio.charset.StandardCharsets.US_ASCII);
            assertEquals("HTTP/1.1 413", head, "answered at once, the 100 MB body never sent");
        }
        assertEquals(before, head());
    }
}
