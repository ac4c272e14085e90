package io.paxcast.broadcast;

import io.paxcast.wsframes.TextFrameListener;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A subscriber that stops reading is cut off with {@code slow_consumer} once its bounded queue is
 * full; it never blocks the node or the other subscribers, and it can resume with {@code after}.
 */
class SlowConsumerTest {
    @TempDir
    Path dataDir;

    /** Reads every frame, or (not {@code reads}) only the first one: it never asks for the next. */
    static final class Listener implements TextFrameListener.Handler {
        final List<String> frames = new CopyOnWriteArrayList<>();
        final AtomicBoolean closed = new AtomicBoolean();
        final AtomicInteger closeCode = new AtomicInteger();
        private final boolean reads;

        Listener(boolean reads) {
            this.reads = reads;
        }

        /** The socket listener: unbounded demand, or one frame and no further request() for the slow one. */
        TextFrameListener onSocket() {
            return new TextFrameListener(reads ? TextFrameListener.Demand.UNBOUNDED : TextFrameListener.Demand.ONE_AT_A_TIME,
                    this);
        }

        @Override
        public void onText(WebSocket webSocket, String text) {
            frames.add(text);
        }

        @Override
        public void onClose(WebSocket webSocket, int statusCode, String reason) {
            closeCode.set(statusCode);
            closed.set(true);
        }
    }

    @Test
    void aSubscriberThatStopsReadingIsClosedWithSlowConsumerAndOthersGetEverything() throws Exception {
        try (InProcessNode node = new InProcessNode(dataDir, new JsonObject().put("subscribe.maxQueuedFrames", "200"))) {
            HttpClient http = HttpClient.newHttpClient();
            await().atMost(Duration.ofSeconds(20)).until(() -> http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + node.port + "/ready")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
            URI ws = URI.create("ws://127.0.0.1:" + node.port + "/v1/subscribe?channels=*");
            Listener slow = new Listener(false);
            Listener healthy = new Listener(true);
            WebSocket slowSocket = http.newWebSocketBuilder().buildAsync(ws, slow.onSocket()).get(10, TimeUnit.SECONDS);
            http.newWebSocketBuilder().buildAsync(ws, healthy.onSocket()).get(10, TimeUnit.SECONDS);

            // Publish in batches of 50 and let the healthy subscriber read each batch before the next:
            // its queue then never holds more than one batch (< the 200-frame bound), even on a slow
            // machine where the node writes faster than this client reads. The slow subscriber reads
            // nothing, so its queue fills past the bound and it is cut off.
            String item = "{\"channel\":\"flood\",\"data\":\"" + "y".repeat(4000) + "\"}";
            int perBatch = 50;
            String batch = "[" + String.join(",", java.util.Collections.nCopies(perBatch, item)) + "]";
            boolean slowResumed = false;
            int batches = 120; // 6,000 frames of 4 KB: far more than socket buffers and the 200-frame queue
            for (int i = 1; i <= batches; i++) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port + "/v1/messages"))
                        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(batch)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(201, r.statusCode(), r.body());
                long published = (long) i * perBatch;
                await("the healthy subscriber gets all " + published).atMost(Duration.ofSeconds(30))
                        .until(() -> {
                            assertFalse(healthy.closed.get(), () -> "the healthy subscriber was closed: " + healthy.frames.get(healthy.frames.size() - 1));
                            return messageFrames(healthy) == published;
                        });
                if (!slowResumed && slowConsumersClosed(http, node.port) > 0) {
                    // The node has cut the slow one off. It resumes reading at once: what is left in
                    // its socket, then the error frame, then the close. (A reader that stays silent
                    // past the WebSocket closing timeout loses the connection without those.)
                    slowSocket.request(Long.MAX_VALUE);
                    slowResumed = true;
                }
            }
            int total = batches * perBatch;
            assertTrue(slowResumed, "the slow subscriber was never cut off");
            await("the slow subscriber is closed").atMost(Duration.ofSeconds(30)).until(slow.closed::get);
            String last = slow.frames.get(slow.frames.size() - 1);
            JsonObject error = new JsonObject(last);
            assertEquals("error", error.getString("type"), last);
            assertEquals("slow_consumer", error.getString("code"));
            assertTrue(error.getString("message").contains("after="), "tells the client how to resume");
            long received = messageFrames(slow);
            assertTrue(received < total, "it was cut off before the end: " + received);
            assertEquals(1008, slow.closeCode.get());
        }
    }

    private static long slowConsumersClosed(HttpClient http, int port) throws Exception {
        String metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        return metrics.lines().filter(l -> l.startsWith("paxcast_subscribers_slow_closed"))
                .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    private static long messageFrames(Listener listener) {
        return listener.frames.stream().filter(f -> f.startsWith("{\"type\":\"message\"")).count();
    }
}
