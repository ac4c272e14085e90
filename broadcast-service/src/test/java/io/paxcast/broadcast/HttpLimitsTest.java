package io.paxcast.broadcast;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
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

    @Test
    void halfOpenRequestHeadsAreClosedAfterTheHeaderTimeout() throws Exception {
        JsonObject limits = new JsonObject().put("http.readIdleTimeoutSeconds", "1");
        try (InProcessNode node = new InProcessNode(dataDir, limits)) {
            List<Socket> sockets = new ArrayList<>();
            try {
                for (int i = 0; i < 500; i++) {
                    Socket s = new Socket("127.0.0.1", node.port);
                    s.getOutputStream().write("POST /v1/channels/a/messages HTTP/1.1\r\nHost: x\r\n"
                            .getBytes(StandardCharsets.US_ASCII)); // and then nothing
                    sockets.add(s);
                }
                long opened = System.nanoTime();
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                        .until(() -> sockets.stream().allMatch(HttpLimitsTest::closedByServer));
                double seconds = (System.nanoTime() - opened) / 1e9;
                System.out.printf("http limits: 500 half-open request heads all closed %.1f s after they opened%n", seconds);
                assertEquals(200, node.status("/health"), "the node still serves");
            } finally {
                for (Socket s : sockets) {
                    s.close();
                }
            }
        }
    }

    @Test
    void connectionsBeyondTheLimitAreClosedAtOnce() throws Exception {
        JsonObject limits = new JsonObject().put("http.maxConnections", "20");
        try (InProcessNode node = new InProcessNode(dataDir, limits)) {
            List<Socket> sockets = new ArrayList<>();
            try {
                for (int i = 0; i < 30; i++) {
                    Socket s = new Socket("127.0.0.1", node.port);
                    s.getOutputStream().write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    sockets.add(s); // kept alive after its answer
                }
                await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50))
                        .until(() -> sockets.stream().filter(HttpLimitsTest::closedByServer).count() >= 10);
            } finally {
                for (Socket s : sockets) {
                    s.close();
                }
            }
            // room again once they are gone
            await().atMost(Duration.ofSeconds(5)).ignoreExceptions().until(() -> node.status("/health") == 200);
            assertTrue(node.metric("paxcast_http_connections_refused") >= 10);
        }
    }
}
