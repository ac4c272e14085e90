package io.paxcast.broadcast;

import io.paxcast.broadcast.log.ChainHash;
import io.paxcast.testkit.client.TestClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The verifiable order on one node (docs/API.md, "The chain hash"): every message in history and in
 * frames carries {@code hash} = h(seq); {@code GET /v1/messages/{seq}/proof} gives h(seq - 1), the
 * message and its exact payload text, from which a client recomputes h(seq); {@code GET /v1/head}
 * names the head's hash. Bad seqs are 400 / 404 with a JSON error. Across nodes after faults: the
 * fault suite's CHAIN and AGREEMENT checks and {@code it.MemberReplacementTest}.
 */
class ChainProofTest {
    private static final TestClient CLIENT = new TestClient();

    @TempDir
    Path dataDir;

    private static URI uri(InProcessNode node, String path) {
        return URI.create("http://127.0.0.1:" + node.port + path);
    }

    @Test
    void everyPositionCarriesItsHashAndItsProofRecomputesIt() throws Exception {
        try (InProcessNode node = new InProcessNode(dataDir, new JsonObject())) {
            await().atMost(Duration.ofSeconds(30)).until(() -> node.status("/ready") == 200);
            // payloads whose re-encoding by a client could differ from the node's text: the proof's
            // dataText is what the hash covers
            List<String> bodies = List.of("{\"v\":1}", "{\"text\":\"caf\\u00e9 \\u2603\",\"n\":1.50}", "[1,2,{\"a\":null}]",
                    "\"just a string\"", "12345678901234567890", "{\"nested\":{\"deep\":[true,false]}}");
            for (int i = 0; i < 12; i++) {
                assertEquals(201, node.publish(i % 3 == 0 ? "a" : "b." + (i % 2), bodies.get(i % bodies.size())));
            }
            JsonArray history = new JsonObject(node.get("/v1/messages?after=0&limit=100")).getJsonArray("messages");
            assertEquals(12, history.size());
            ChainHash previous = ChainHash.ZERO;
            for (int i = 0; i < history.size(); i++) {
                JsonObject m = history.getJsonObject(i);
                long seq = m.getLong("seq");
                JsonObject proof = new JsonObject(node.get("/v1/messages/" + seq + "/proof"));
                assertEquals(seq, proof.getLong("seq"));
                assertEquals(m.getString("channel"), proof.getString("channel"));
                assertEquals(m.getLong("offset"), proof.getLong("offset"));
                assertEquals(m.getValue("data"), proof.getValue("data"));
                assertEquals("sha256-chain-v1", proof.getString("algorithm"));
                assertEquals(previous.hex(), proof.getString("prevHash"), "seq " + seq + " chains from the one before");
                ChainHash recomputed = ChainHash.fromHex(proof.getString("prevHash"))
                        .next(seq, proof.getString("channel"), proof.getString("dataText"));
                assertEquals(recomputed.hex(), proof.getString("hash"), "the proof of " + seq + " recomputes");
                assertEquals(proof.getString("hash"), m.getString("hash"), "history shows the same hash");
                previous = recomputed;
            }
            // a changed byte of the payload gives another hash: the proof commits to the exact text
            JsonObject second = new JsonObject(node.get("/v1/messages/2/proof"));
            assertNotEquals(second.getString("hash"), ChainHash.fromHex(second.getString("prevHash"))
                    .next(2, second.getString("channel"), second.getString("dataText") + " ").hex());

            JsonObject head = new JsonObject(node.get("/v1/head"));
            assertEquals(12L, head.getLong("seq"));
            assertEquals(previous.hex(), head.getString("hash"), "the head's hash is the last message's");

            // the frame of a live message carries the hash history shows
            CompletableFuture<JsonObject> frame = new CompletableFuture<>();
            CLIENT.webSocket(URI.create("ws://127.0.0.1:" + node.port + "/v1/subscribe?channels=a&after=12"),
                    Duration.ofSeconds(5), (ws, text) -> {
                        JsonObject f = new JsonObject(text);
                        if ("message".equals(f.getString("type"))) {
                            frame.complete(f);
                        }
                    }).get(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                if (!frame.isDone()) {
                    node.publish("a", "{\"live\":true}");
                }
                return frame.isDone();
            });
            JsonObject live = frame.get();
            JsonObject liveProof = new JsonObject(node.get("/v1/messages/" + live.getLong("seq") + "/proof"));
            assertEquals(liveProof.getString("hash"), live.getString("hash"));
        }
    }

    @Test
    void badSeqsGetAJsonErrorAndNoProof() throws Exception {
        try (InProcessNode node = new InProcessNode(dataDir, new JsonObject())) {
            await().atMost(Duration.ofSeconds(30)).until(() -> node.status("/ready") == 200);
            assertEquals(201, node.publish("a", "{\"v\":1}"));
            assertError(400, "invalid_parameter", CLIENT.get(uri(node, "/v1/messages/0/proof")));
            assertError(400, "invalid_parameter", CLIENT.get(uri(node, "/v1/messages/-3/proof")));
            assertError(400, "invalid_parameter", CLIENT.get(uri(node, "/v1/messages/abc/proof")));
            HttpResponse<String> ahead = CLIENT.get(uri(node, "/v1/messages/2/proof"));
            assertError(404, "not_found", ahead);
            assertEquals(1L, new JsonObject(ahead.body()).getJsonObject("error").getLong("headSeq"), ahead.body());
            assertEquals(200, CLIENT.get(uri(node, "/v1/messages/1/proof")).statusCode());
        }
    }

    @Test
    void theEarliestRetainedMessageIsProvenFromTheHashBeforeItAndExpiredOnesAre410() throws Exception {
        try (InProcessNode node = new InProcessNode(dataDir, new JsonObject().put("retention.maxMessages", "5")
                .put("snapshot.intervalMessages", "4"))) {
            await().atMost(Duration.ofSeconds(30)).until(() -> node.status("/ready") == 200);
            java.util.Map<Long, String> hashes = new java.util.HashMap<>();
            for (int i = 1; i <= 20; i++) {
                assertEquals(201, node.publish("r", "{\"i\":" + i + "}"));
                JsonObject proof = new JsonObject(node.get("/v1/messages/" + i + "/proof"));
                hashes.put(proof.getLong("seq"), proof.getString("hash"));
            }
            JsonObject head = new JsonObject(node.get("/v1/head"));
            long earliest = head.getLong("earliestSeq");
            assertTrue(earliest > 2, "retention expired the start: " + head);
            HttpResponse<String> gone = CLIENT.get(uri(node, "/v1/messages/" + (earliest - 1) + "/proof"));
            assertError(410, "offset_expired", gone);
            assertEquals(earliest, new JsonObject(gone.body()).getJsonObject("error").getLong("earliest"), gone.body());
            JsonObject first = new JsonObject(node.get("/v1/messages/" + earliest + "/proof"));
            assertEquals(hashes.get(earliest - 1), first.getString("prevHash"),
                    "the earliest held message chains from the hash of the one retention removed");
            assertEquals(hashes.get(earliest), first.getString("hash"));
            assertEquals(hashes.get(20L), head.getString("hash"));
        }
    }

    private static void assertError(int status, String code, HttpResponse<String> r) {
        assertEquals(status, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("application/json"), r.headers().toString());
        assertEquals(code, new JsonObject(r.body()).getJsonObject("error").getString("code"), r.body());
    }
}
