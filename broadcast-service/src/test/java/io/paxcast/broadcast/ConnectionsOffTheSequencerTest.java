package io.paxcast.broadcast;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * HTTP and WebSocket connections are served on the node's event loops, never on the sequencer's
 * thread: with that thread held busy, fresh connections are still answered. (They once were served
 * there: the node listened from a continuation that ran on the sequencer's thread, and under load the
 * leader's one thread parsed JSON frames between heartbeats.)
 */
class ConnectionsOffTheSequencerTest {
    @TempDir
    Path dataDir;

    @Test
    void freshConnectionsAreAnsweredWhileTheSequencersThreadIsBusy() throws Exception {
        try (InProcessNode node = new InProcessNode(dataDir, new JsonObject())) {
            CompletableFuture<Void> release = new CompletableFuture<>();
            CompletableFuture<Void> holding = new CompletableFuture<>();
            node.node.sequencer().context().runOnContext(v -> {
                holding.complete(null);
                release.orTimeout(60, TimeUnit.SECONDS).exceptionally(e -> null).join();
            });
            holding.get(10, TimeUnit.SECONDS);
            try {
                // Each client its own connection: the server assigns every new connection to an event loop.
                for (int i = 0; i < 6; i++) {
                    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                    HttpResponse<String> health = http.sendAsync(HttpRequest.newBuilder(
                                    URI.create("http://127.0.0.1:" + node.port + "/health")).build(),
                            HttpResponse.BodyHandlers.ofString()).get(5, TimeUnit.SECONDS);
                    assertEquals(200, health.statusCode(), "connection " + i);

                    CompletableFuture<String> first = new CompletableFuture<>();
                    WebSocket ws = http.newWebSocketBuilder().buildAsync(
                            URI.create("ws://127.0.0.1:" + node.port + "/v1/subscribe?channels=*"), new WebSocket.Listener() {
                                @Override
                                public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                                    first.complete(data.toString());
                                    return null;
                                }
                            }).get(5, TimeUnit.SECONDS);
                    String subscribed = first.get(5, TimeUnit.SECONDS);
                    assertTrue(subscribed.contains("\"type\":\"subscribed\""), subscribed);
                    ws.abort();
                }
            } finally {
                release.complete(null);
            }
        }
    }
}
