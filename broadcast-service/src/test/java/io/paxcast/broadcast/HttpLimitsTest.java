package io.paxcast.broadcast;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The HTTP server's own bounds: connections that send part of a request head and then nothing are
 * closed after {@code http.readIdleTimeoutSeconds} (2,000 of them used to stay open for more than
 * 65 s), and connections beyond {@code http.maxConnections} are closed at their first request; the node
 * keeps serving.
 */
class HttpLimitsTest {
    @TempDir
    Path dataDir;

    /** Whether the server closed {@code socket}: a read returns end-of-stream. */
    private static boolean closedByServer(Socket socket) {
        try {
            socket.setSoTimeout(1);
            return socket.getInputStream().read() < 0;
        } catch (SocketTimeoutException stillOpen) {
            return false;
        } catch (IOException reset) {
            return true;
        }
    }

    /** Opens {@code count} raw connections to the node, each sending {@code request}; each goes to {@code sockets} (the caller closes them). */
    private static void open(List<Socket> sockets, int port, int count, String request) throws IOException {
        for (int i = 0; i < count; i++) {
            Socket s = new Socket("127.0.0.1", port);
            s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            sockets.add(s);
        }
    }

    private static void closeAll(List<Socket> sockets) throws IOException {
        for (Socket s : sockets) {
            s.close();
        }
    }

    @Test
    void halfOpenRequestHeadsAreClosedAfterTheHeaderTimeout() throws Exception {
        JsonObject limits = new JsonObject().put("http.readIdleTimeoutSeconds", "1");
        try (InProcessNode node = new InProcessNode(dataDir, limits)) {
            List<Socket> sockets = new ArrayList<>();
            try {
                open(sockets, node.port, 500, "POST /v1/channels/a/messages HTTP/1.1\r\nHost: x\r\n"); // and then nothing
                long opened = System.nanoTime();
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                        .until(() -> sockets.stream().allMatch(HttpLimitsTest::closedByServer));
                double seconds = (System.nanoTime() - opened) / 1e9;
                System.out.printf("http limits: 500 half-open request heads all closed %.1f s after they opened%n", seconds);
                assertEquals(200, node.status("/health"), "the node still serves");
            } finally {
                closeAll(sockets);
            }
        }
    }

    @Test
    void connectionsBeyondTheLimitAreClosedAtOnce() throws Exception {
        JsonObject limits = new JsonObject().put("http.maxConnections", "20");
        try (InProcessNode node = new InProcessNode(dataDir, limits)) {
            List<Socket> sockets = new ArrayList<>();
            try {
                open(sockets, node.port, 30, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n"); // each kept alive after its answer
                await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50))
                        .until(() -> sockets.stream().filter(HttpLimitsTest::closedByServer).count() >= 10);
            } finally {
                closeAll(sockets);
            }
            // room again once they are gone
            await().atMost(Duration.ofSeconds(5)).ignoreExceptions().until(() -> node.status("/health") == 200);
            assertTrue(node.metric("paxcast_http_connections_refused") >= 10);
        }
    }

    /**
     * The node speaks HTTP/1.1 only: a client that offers an h2c upgrade (the JDK's HttpClient does by
     * default) gets HTTP/1.1 back, and a 1000-message history page of 200-byte payloads arrives whole
     * however many requests share the client.
     */
    @Test
    void anH2cUpgradeIsAnsweredInHttp11AndBigPagesArriveWhole() throws Exception {
        try (InProcessNode node = new InProcessNode(dataDir, new JsonObject())) {
            HttpClient http = HttpClient.newHttpClient();
            assertEquals(HttpClient.Version.HTTP_2, http.version(), "the JDK client offers h2c");
            String pad = "x".repeat(200);
            StringBuilder batch = new StringBuilder("[");
            for (int i = 0; i < 1000; i++) {
                batch.append(i == 0 ? "" : ",").append("{\"channel\":\"big\",\"data\":{\"i\":").append(i)
                        .append(",\"pad\":\"").append(pad).append("\"}}");
            }
            HttpResponse<String> published = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port + "/v1/messages"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(batch.append(']').toString())).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(201, published.statusCode(), published.body());
            assertEquals(HttpClient.Version.HTTP_1_1, published.version());
            List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> pages = new ArrayList<>();
            for (int k = 0; k < 20; k++) {
                pages.add(http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port
                        + "/v1/messages?after=0&limit=1000")).build(), HttpResponse.BodyHandlers.ofString()));
            }
            for (var page : pages) {
                HttpResponse<String> response = page.get(30, java.util.concurrent.TimeUnit.SECONDS);
                assertEquals(HttpClient.Version.HTTP_1_1, response.version());
                var messages = new JsonObject(response.body()).getJsonArray("messages");
                assertEquals(1000, messages.size());
                for (int i = 0; i < 1000; i++) {
                    JsonObject data = messages.getJsonObject(i).getJsonObject("data");
                    assertEquals(i, data.getInteger("i"));
                    assertEquals(pad, data.getString("pad"));
                }
            }
        }
    }
}
