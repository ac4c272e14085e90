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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

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
            // all at once, so the bucket cannot refill meanwhile however slow the machine
            HttpClient http = HttpClient.newHttpClient();
            List<CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                sent.add(http.sendAsync(HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + node.port + "/v1/channels/flood/messages"))
                        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"i\":" + i + "}"))
                        .build(), HttpResponse.BodyHandlers.ofString()));
            }
            int created = 0;
            int limited = 0;
            HttpResponse<String> refusal = null;
            for (CompletableFuture<HttpResponse<String>> f : sent) {
                HttpResponse<String> r = f.get(30, TimeUnit.SECONDS);
                if (r.statusCode() == 201) {
                    created++;
                } else {
                    assertEquals(429, r.statusCode(), r.body());
                    limited++;
                    refusal = r;
                }
            }
            assertTrue(created >= 5, created + " created: at least the burst (5)");
            assertTrue(limited >= 1 && refusal != null, limited + " refused of 30 sent at once at 5/s");
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
