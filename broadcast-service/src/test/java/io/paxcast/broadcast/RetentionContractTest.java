package io.paxcast.broadcast;

import io.paxcast.testkit.client.TestClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
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
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Retention in the contract, on one node that keeps only the newest {@value #KEPT} messages: what
 * expired answers {@code 410 offset_expired} (HTTP) or the {@code offset_expired} error frame
 * (WebSocket), each naming the earliest position still there; {@code /v1/cluster} says
 * {@code earliestSeq}; what is retained reads as before, at the same seq and offsets (expiry never
 * renumbers).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RetentionContractTest {
    static final int KEPT = 10;

    @TempDir
    static Path dataDir;
    static InProcessNode node;
    static final HttpClient http = HttpClient.newHttpClient();
    static final TestClient client = new TestClient();
    static final JsonArray published = new JsonArray();

    @BeforeAll
    static void start() throws Exception {
        node = new InProcessNode(dataDir, new JsonObject().put("retention.maxMessages", String.valueOf(KEPT)));
        await().atMost(Duration.ofSeconds(20)).until(() -> get("/ready").statusCode() == 200);
        // One at a time, so each is a slot of its own: whole slots expire, here exactly one message each.
        for (int i = 1; i <= 5; i++) {
            published.add(publish("gone", i));
        }
        for (int i = 1; i <= 20; i++) {
            published.add(publish(i % 2 == 0 ? "even" : "odd", i));
        }
    }

    @AfterAll
    static void stop() throws Exception {
        node.close();
    }

    static JsonObject publish(String channel, int n) throws Exception {
        HttpResponse<String> r = send(HttpRequest.newBuilder(uri("/v1/channels/" + channel + "/messages"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"n\":" + n + "}")).header("Content-Type", "application/json"));
        assertEquals(201, r.statusCode(), r.body());
        return new JsonObject(r.body());
    }

    static URI uri(String path) {
        return URI.create("http://127.0.0.1:" + node.port + path);
    }

    static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> get(String path) throws Exception {
        return send(HttpRequest.newBuilder(uri(path)).GET());
    }

    static long headSeq() {
        return published.getJsonObject(published.size() - 1).getLong("seq");
    }

    static long earliestSeq() throws Exception {
        return new JsonObject(get("/v1/cluster").body()).getLong("earliestSeq");
    }

    static void assertExpired(HttpResponse<String> r, long earliest) {
        assertEquals(410, r.statusCode(), r.body());
        JsonObject error = new JsonObject(r.body()).getJsonObject("error");
        assertEquals("offset_expired", error.getString("code"), r.body());
        assertEquals(earliest, error.getLong("earliest"), r.body());
        assertTrue(error.getString("message").contains(String.valueOf(earliest)), "the message names it: " + r.body());
    }

    @Test
    void theClusterViewSaysWhereTheRetainedLogBegins() throws Exception {
        assertEquals(headSeq() - KEPT + 1, earliestSeq(), "one message per slot: exactly the newest " + KEPT + " are kept");
    }

    @Test
    void theGlobalLogBelowTheEarliestSeqIsGoneAndTheRestReadsAsBefore() throws Exception {
        long earliest = earliestSeq();
        assertExpired(get("/v1/messages?after=0"), earliest);
        assertExpired(get("/v1/messages?after=" + (earliest - 2)), earliest);

        JsonObject page = new JsonObject(get("/v1/messages?after=" + (earliest - 1) + "&limit=1000").body());
        JsonArray messages = page.getJsonArray("messages");
        assertEquals(KEPT, messages.size());
        for (int i = 0; i < messages.size(); i++) {
            JsonObject m = messages.getJsonObject(i);
            JsonObject original = published.getJsonObject((int) (m.getLong("seq") - published.getJsonObject(0).getLong("seq")));
            assertEquals(original.getLong("seq"), m.getLong("seq"));
            assertEquals(original.getString("channel"), m.getString("channel"));
            assertEquals(original.getLong("offset"), m.getLong("offset"), "expiry never renumbers");
        }
        assertEquals(earliest, messages.getJsonObject(0).getLong("seq"));
    }

    @Test
    void aChannelAnswersWithItsOwnEarliestOffset() throws Exception {
        long earliest = earliestSeq();
        long firstEven = published.stream().map(o -> (JsonObject) o)
                .filter(m -> m.getString("channel").equals("even") && m.getLong("seq") >= earliest)
                .mapToLong(m -> m.getLong("offset")).min().orElseThrow();
        assertTrue(firstEven > 1, "some of the channel expired");
        assertExpired(get("/v1/channels/even/messages?after=0"), firstEven);
        JsonObject page = new JsonObject(get("/v1/channels/even/messages?after=" + (firstEven - 1)).body());
        assertEquals(firstEven, page.getJsonArray("messages").getJsonObject(0).getLong("offset"));
        assertEquals(10, page.getJsonArray("messages").getJsonObject(page.getJsonArray("messages").size() - 1)
                .getLong("offset"), "the channel's head is still there");
    }

    @Test
    void aChannelWhoseMessagesAllExpiredIsEmptyFromItsHeadOn() throws Exception {
        assertExpired(get("/v1/channels/gone/messages?after=0"), 6);
        HttpResponse<String> atHead = get("/v1/channels/gone/messages?after=5");
        assertEquals(200, atHead.statusCode(), atHead.body());
        assertEquals(0, new JsonObject(atHead.body()).getJsonArray("messages").size());
    }

    @Test
    void aWebSocketResumingBelowTheEarliestSeqGetsOffsetExpiredAndOneFromItGetsTheRest() throws Exception {
        long earliest = earliestSeq();
        List<JsonObject> expired = subscribe("/v1/subscribe?channels=*&after=0");
        await().atMost(Duration.ofSeconds(10)).until(() -> expired.stream().anyMatch(f -> "error".equals(f.getString("type"))));
        JsonObject error = expired.stream().filter(f -> "error".equals(f.getString("type"))).findFirst().orElseThrow();
        assertEquals("offset_expired", error.getString("code"), error.encode());
        assertEquals(earliest, error.getLong("earliest"), error.encode());
        assertTrue(expired.stream().noneMatch(f -> "message".equals(f.getString("type"))), "nothing after a gap");

        List<JsonObject> resumed = subscribe("/v1/subscribe?channels=*&after=" + (earliest - 1));
        await().atMost(Duration.ofSeconds(10)).until(() ->
                resumed.stream().filter(f -> "message".equals(f.getString("type"))).count() == KEPT);
        assertEquals(earliest, resumed.stream().filter(f -> "message".equals(f.getString("type"))).findFirst()
                .orElseThrow().getLong("seq"));
        assertTrue(resumed.stream().noneMatch(f -> "error".equals(f.getString("type"))));
    }

    @Test
    @Order(Integer.MAX_VALUE) // it publishes: the others read the log as the setup left it
    void aChannelSubscriptionIsRefusedOnlyWhenOneOfItsMessagesExpired() throws Exception {
        // "gone" had nothing after seq 5, and seq 5 is expired: resuming at 5 on "gone" misses nothing.
        List<JsonObject> frames = subscribe("/v1/subscribe?channels=gone&after=5");
        await().atMost(Duration.ofSeconds(10)).until(() -> frames.stream().anyMatch(f -> "subscribed".equals(f.getString("type"))));
        published.add(publish("gone", 99));
        await().atMost(Duration.ofSeconds(10)).until(() -> frames.stream().anyMatch(f -> "message".equals(f.getString("type"))));
        assertTrue(frames.stream().noneMatch(f -> "error".equals(f.getString("type"))), frames.toString());
    }

    /**
     * The frames of a WebSocket on {@code uri}, collected as they come. The JDK client, not Vert.x's:
     * the node sends {@code offset_expired} and closes at once, and Vert.x's client can fail its
     * connect future ("WebSocket is closed") when the close overtakes it, losing the frame (seen on CI).
     */
    static List<JsonObject> subscribe(String uri) throws Exception {
        List<JsonObject> frames = new CopyOnWriteArrayList<>();
        client.webSocket(URI.create("ws://127.0.0.1:" + node.port + uri), Duration.ofSeconds(10),
                        (webSocket, text) -> frames.add(new JsonObject(text)))
                .get(10, TimeUnit.SECONDS);
        return frames;
    }
}
