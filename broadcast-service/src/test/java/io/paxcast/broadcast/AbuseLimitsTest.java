package io.paxcast.broadcast;

import io.paxcast.testkit.client.RawSockets;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The limits against abusive clients (docs/API.md, "Abuse limits"): each attack is refused with its
 * documented answer, nothing is written, and the node keeps serving everyone else.
 */
class AbuseLimitsTest {
    @TempDir
    Path dataDir;

    /** A raw WebSocket handshake from {@code origin} (null: no Origin header): the status line and the body. */
    private static String[] handshake(int port, String query, String origin) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            String request = "GET /v1/subscribe?" + query + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                    + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                    + (origin == null ? "" : "Origin: " + origin + "\r\n") + "\r\n";
            s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            String status = in.readLine();
            int length = 0;
            for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
                if (line.toLowerCase().startsWith("content-length:")) {
                    length = Integer.parseInt(line.substring(15).trim());
                }
            }
            char[] body = new char[length];
            int read = 0;
            while (read < length) {
                int n = in.read(body, read, length - read);
                if (n < 0) {
                    break;
                }
                read += n;
            }
            return new String[] {status, new String(body, 0, read)};
        }
    }

    private static int messages(InProcessNode node) throws Exception {
        return new JsonObject(node.get("/v1/messages")).getJsonArray("messages").size();
    }

    @Test
    void aWebSocketFromAnOriginOutsideTheAllowListIsRefusedBeforeTheUpgrade() throws Exception {
        JsonObject config = new JsonObject().put("subscribe.allowedOrigins", "https://app.example.com, http://localhost:8081");
        try (InProcessNode node = new InProcessNode(dataDir, config)) {
            String[] evil = handshake(node.port, "channels=*", "https://evil.example.net");
            assertTrue(evil[0].contains(" 403 "), evil[0]);
            assertEquals("origin_forbidden", new JsonObject(evil[1]).getJsonObject("error").getString("code"), evil[1]);
            assertTrue(handshake(node.port, "channels=*", "https://APP.example.com")[0].contains(" 101 "),
                    "an allowed origin (case does not matter) upgrades");
            assertTrue(handshake(node.port, "channels=*", "http://localhost:8081")[0].contains(" 101 "));
            assertTrue(handshake(node.port, "channels=*", null)[0].contains(" 101 "),
                    "no Origin header: no browser page, so nothing to forge");
            // CORS names the same origins only
            java.net.http.HttpResponse<String> fromEvil = HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + node.port + "/v1/cluster")).header("Origin", "https://evil.example.net").build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(403, fromEvil.statusCode(), fromEvil.body());
            assertEquals("origin_forbidden", new JsonObject(fromEvil.body()).getJsonObject("error").getString("code"));
            assertTrue(fromEvil.headers().firstValue("Access-Control-Allow-Origin").isEmpty(), fromEvil.headers().map().toString());
            java.net.http.HttpResponse<String> fromApp = HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + node.port + "/v1/cluster")).header("Origin", "https://app.example.com").build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals("https://app.example.com", fromApp.headers().firstValue("Access-Control-Allow-Origin").orElse(null));
        }
    }

    @Test
    void aSubscriptionNamingTooManyChannelsIs400() throws Exception {
        try (InProcessNode node = new InProcessNode(dataDir, new JsonObject().put("subscribe.maxChannels", "3"))) {
            String[] many = handshake(node.port, "channels=a,b,c,d", null);
            assertTrue(many[0].contains(" 400 "), many[0]);
            assertEquals("too_many_channels", new JsonObject(many[1]).getJsonObject("error").getString("code"), many[1]);
            assertTrue(handshake(node.port, "channels=a,b,c", null)[0].contains(" 101 "));
        }
    }

    @Test
    void aClientFrameAboveTheLimitClosesTheSocketWith1009AndPublishesNothing() throws Exception {
        try (InProcessNode node = new InProcessNode(dataDir, new JsonObject().put("subscribe.maxFrameBytes", "4096"))) {
            await().atMost(Duration.ofSeconds(30)).until(() -> node.status("/ready") == 200);
            CompletableFuture<Integer> closed = new CompletableFuture<>();
            WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder().buildAsync(
                    URI.create("ws://127.0.0.1:" + node.port + "/v1/subscribe?channels=*"), new WebSocket.Listener() {
                        @Override
                        public CompletionStage<?> onClose(WebSocket socket, int statusCode, String reason) {
                            closed.complete(statusCode);
                            return null;
                        }

                        @Override
                        public void onError(WebSocket socket, Throwable error) {
                            closed.completeExceptionally(error);
                        }
                    }).get(10, TimeUnit.SECONDS);
            String big = new JsonObject().put("type", "publish").put("channel", "a").put("id", "1")
                    .put("data", "x".repeat(6000)).encode(); // above the limit, below twice it (Netty's backstop)
            ws.sendText(big, true);
            assertEquals(1009, closed.get(10, TimeUnit.SECONDS), "closed as message too big");
            assertEquals(0, messages(node), "nothing was published");
            assertEquals(200, node.status("/health"));
        }
    }

    @Test
    void connectionsBeyondThePerAddressLimitAreClosedWhileOtherAddressesAreServed() throws Exception {
        try (InProcessNode node = new InProcessNode(dataDir, new JsonObject().put("http.maxConnectionsPerIp", "5"))) {
            List<Socket> sockets = new ArrayList<>();
            try {
                for (int i = 0; i < 8; i++) {
                    Socket s = new Socket("127.0.0.1", node.port);
                    s.getOutputStream().write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    sockets.add(s);
                }
                await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50))
                        .until(() -> sockets.stream().filter(RawSockets::closedByServer).count() >= 3);
                // another client address (127.0.0.2 is loopback too) still gets in
                try (Socket other = new Socket()) {
                    other.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), 0));
                    other.connect(new InetSocketAddress("127.0.0.1", node.port));
                    other.setSoTimeout(5_000);
                    other.getOutputStream().write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    String status = new BufferedReader(new InputStreamReader(other.getInputStream(), StandardCharsets.US_ASCII))
                            .readLine();
                    assertTrue(status != null && status.contains(" 200 "), "127.0.0.2: " + status);
                }
            } finally {
                for (Socket s : sockets) {
                    s.close();
                }
            }
            await().atMost(Duration.ofSeconds(5)).ignoreExceptions().until(() -> node.status("/health") == 200);
            assertTrue(node.metric("paxcast_http_connections_refused_per_ip") >= 3);
        }
    }

    /** A WebSocket on the node that keeps every text frame and its close code (testkit's client). */
    private static final class FragmentingClient {
        final java.util.List<JsonObject> frames = new java.util.concurrent.CopyOnWriteArrayList<>();
        final CompletableFuture<Integer> closed = new CompletableFuture<>();
        final WebSocket ws;

        FragmentingClient(InProcessNode node) throws Exception {
            ws = new io.paxcast.testkit.client.TestClient().webSocket(
                    URI.create("ws://127.0.0.1:" + node.port + "/v1/subscribe?channels=frag"), Duration.ofSeconds(10),
                    new io.paxcast.wsframes.TextFrameListener.Handler() {
                        @Override
                        public void onText(WebSocket socket, String text) {
                            frames.add(new JsonObject(text));
                        }

                        @Override
                        public void onClose(WebSocket socket, int statusCode, String reason) {
                            closed.complete(statusCode);
                        }

                        @Override
                        public void onError(WebSocket socket, Throwable error) {
                            closed.completeExceptionally(error);
                        }
                    }).get(10, TimeUnit.SECONDS);
        }

        /** Sends {@code text} in fragments of at most {@code size} characters, the last one final unless {@code open}. */
        void sendInFragments(String text, int size, boolean open) {
            for (int at = 0; at < text.length(); at += size) {
                boolean last = at + size >= text.length();
                ws.sendText(text.substring(at, Math.min(text.length(), at + size)), last && !open).join();
            }
        }

        boolean acked(String id) {
            return frames.stream().anyMatch(f -> "ack".equals(f.getString("type")) && id.equals(f.getString("id")));
        }
    }

    private static String publishFrame(String id, int dataChars) {
        return new JsonObject().put("type", "publish").put("channel", "frag").put("id", id)
                .put("data", "x".repeat(dataChars)).encode();
    }

    /**
     * A client message sent in fragments is reassembled by the node, within subscribe.maxFrameBytes per
     * message and, for every connection together, within the node's budget of buffered client input
     * (http.maxBufferedBodyBytes, shared with request bodies): past the first, 1009; past the second,
     * 1013; either way nothing of it is published, and its bytes are given back.
     */
    @Test
    void aFragmentedClientMessageIsReassembledWithinTheMessageLimitAndTheNodesBudget() throws Exception {
        try (InProcessNode node = new InProcessNode(dataDir, new JsonObject().put("subscribe.maxFrameBytes", "2500")
                .put("http.maxBufferedBodyBytes", "3000"))) {
            await().atMost(Duration.ofSeconds(30)).until(() -> node.status("/ready") == 200);
            String held = "paxcast_http_buffered_input_bytes";
            FragmentingClient fine = new FragmentingClient(node);
            fine.sendInFragments(publishFrame("f1", 2000), 700, false); // 3 fragments, about 2,060 bytes
            await().atMost(Duration.ofSeconds(10)).until(() -> fine.acked("f1"));
            assertEquals(0.0, node.metric(held), "given back once reassembled");

            FragmentingClient tooBig = new FragmentingClient(node);
            tooBig.sendInFragments(publishFrame("f2", 5000), 1000, true); // over 2,500 at its third fragment
            assertEquals(1009, tooBig.closed.get(10, TimeUnit.SECONDS), "a reassembled message above the limit");

            // one connection holds 2,000 bytes of a message; another's 1,500 more find no room in 3,000
            FragmentingClient holding = new FragmentingClient(node);
            holding.sendInFragments("{\"type\":\"publish\",\"channel\":\"frag\",\"id\":\"f3\",\"data\":\""
                    + "x".repeat(1950), 1000, true);
            await().atMost(Duration.ofSeconds(10)).until(() -> node.metric(held) >= 1900);
            FragmentingClient noRoom = new FragmentingClient(node);
            noRoom.sendInFragments(publishFrame("f4", 1500), 1500, true);
            assertEquals(1013, noRoom.closed.get(10, TimeUnit.SECONDS), "no room left in the node's budget");
            holding.sendInFragments("\"}", 10, false); // the held message ends: published, its bytes given back
            await().atMost(Duration.ofSeconds(10)).until(() -> holding.acked("f3"));
            await().atMost(Duration.ofSeconds(10)).until(() -> node.metric(held) == 0.0);

            FragmentingClient again = new FragmentingClient(node);
            again.sendInFragments(publishFrame("f5", 2000), 500, false);
            await().atMost(Duration.ofSeconds(10)).until(() -> again.acked("f5"));
            JsonArray history = new JsonObject(node.get("/v1/channels/frag/messages")).getJsonArray("messages");
            assertEquals(List.of("f1", "f3", "f5").size(), history.size(), "only the whole messages were published: "
                    + history.size());
            // a closed socket gives back what it held
            FragmentingClient abandoned = new FragmentingClient(node);
            abandoned.sendInFragments("{" + "x".repeat(1500), 1500, true);
            await().atMost(Duration.ofSeconds(10)).until(() -> node.metric(held) >= 1500);
            abandoned.ws.abort();
            await().atMost(Duration.ofSeconds(10)).until(() -> node.metric(held) == 0.0);
        }
    }
}
