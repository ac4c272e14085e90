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

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code publish.ratePerIp} over HTTP: a client beyond its rate gets {@code 429 rate_limited} with
 * {@code Retry-After}, nothing of what it sent is ordered, and it publishes again once its bucket
 * refilled.
 */
class PublishRateLimitTest {
    @TempDir
    Path dataDir;

    @Test
    void aClientBeyondItsRateIsRefusedWithRetryAfterAndNothingIsOrdered() throws Exception {
        JsonObject config = new JsonObject().put("publish.ratePerIp", "5").put("publish.rateBurstSeconds", "1");
        try (InProcessNode node = new InProcessNode(dataDir, config)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> node.status("/ready") == 200);
            int created = 0;
            int limited = 0;
            HttpResponse<String> refusal = null;
            for (int i = 0; i < 12; i++) {
                HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + node.port + "/v1/channels/flood/messages"))
                        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"i\":" + i + "}"))
                        .build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 201) {
                    created++;
                } else {
                    assertEquals(429, r.statusCode(), r.body());
                    limited++;
                    refusal = r;
                }
            }
            assertTrue(created >= 5 && created <= 7, created + " created: the burst (5) and what refilled meanwhile");
            assertTrue(limited >= 5, limited + " refused");
            assertEquals("rate_limited", new JsonObject(refusal.body()).getJsonObject("error").getString("code"));
            assertTrue(refusal.headers().firstValue("Retry-After").isPresent());
            int ordered = created;
            assertEquals(ordered, new JsonObject(node.get("/v1/channels/flood/messages")).getJsonArray("messages").size(),
                    "only the admitted publishes were ordered");
            assertTrue(node.metric("paxcast_publish_rate_limited") >= limited);
            await("the bucket refills").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(250))
                    .until(() -> node.publish("flood", "\"later\"") == 201);
        }
    }
}
