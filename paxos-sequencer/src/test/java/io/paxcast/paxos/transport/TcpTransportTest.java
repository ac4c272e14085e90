package io.paxcast.paxos.transport;

import io.paxcast.paxos.core.Message;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static io.paxcast.paxos.transport.TransportTests.freePort;
import static io.paxcast.paxos.transport.TransportTests.heartbeat;
import static io.paxcast.paxos.transport.TransportTests.on;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Paxos on its own connections: messages arrive both ways; a node whose address its peer does not
 * know is answered over the connection it opened; sends to a peer that is down are dropped, never
 * block or throw; a peer that comes back is dialled again and reached.
 */
class TcpTransportTest {

    @Test
    void messagesTravelBothWaysAndALinkIsRedialledWhenItsPeerComesBack() throws Exception {
        Vertx vertx = Vertx.vertx();
        try {
            int portA = freePort();
            int portB = freePort();
            // a knows b's address; b does not know a's (a member added later, say)
            Map<String, SocketAddress> knownToA = Map.of("b", SocketAddress.inetSocketAddress(portB, "127.0.0.1"));
            List<Message> atA = new CopyOnWriteArrayList<>();
            List<Message> atB = new CopyOnWriteArrayList<>();
            Context ctxA = vertx.getOrCreateContext();
            Context ctxB = vertx.getOrCreateContext();
            TcpTransport a = on(ctxA, () -> start(vertx, "a", portA, knownToA, List.of("b"), atA));
            TcpTransport[] b = {on(ctxB, () -> start(vertx, "b", portB, Map.of(), List.of(), atB))};

            await("a reaches b").atMost(Duration.ofSeconds(10)).until(() -> {
                ctxA.runOnContext(v -> a.send(heartbeat("a", "b", 1)));
                return !atB.isEmpty();
            });
            await("b answers a over the connection a opened").atMost(Duration.ofSeconds(10)).until(() -> {
                ctxB.runOnContext(v -> b[0].send(heartbeat("b", "a", 2)));
                return !atA.isEmpty();
            });
            assertEquals(heartbeat("a", "b", 1), atB.get(0), "the message arrives whole");
            ctxA.runOnContext(v -> a.send(heartbeat("a", "a", 3)));
            await("a message to itself").atMost(Duration.ofSeconds(5))
                    .until(() -> atA.contains(heartbeat("a", "a", 3)));

            on(ctxB, () -> {
                b[0].close();
                return null;
            });
            long droppedBefore = a.dropped();
            await("sends to a peer that is down are dropped").atMost(Duration.ofSeconds(10)).until(() -> {
                ctxA.runOnContext(v -> a.send(heartbeat("a", "b", 4)));
                return a.dropped() > droppedBefore;
            });

            atB.clear();
            await("b's port is free again").atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> {
                new ServerSocket(portB, 1, java.net.InetAddress.getByName("127.0.0.1")).close();
                return true;
            });
            b[0] = on(ctxB, () -> start(vertx, "b", portB, Map.of(), List.of(), atB));
            await("a dials b again once it is back").atMost(Duration.ofSeconds(10)).until(() -> {
                ctxA.runOnContext(v -> a.send(heartbeat("a", "b", 5)));
                return atB.contains(heartbeat("a", "b", 5));
            });
            assertTrue(atB.stream().allMatch(m -> m.to().equals("b")));
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aConnectionSpeaksOnlyForTheNodeThatSaidHelloOnIt() throws Exception {
        Vertx vertx = Vertx.vertx();
        try {
            int port = freePort();
            List<Message> atB = new CopyOnWriteArrayList<>();
            Context ctx = vertx.getOrCreateContext();
            TcpTransport b = on(ctx, () -> start(vertx, "b", port, Map.of(), List.of(), atB));
            try (java.net.Socket raw = connect(port)) {
                var out = new java.io.DataOutputStream(raw.getOutputStream());
                frame(out, 'M', io.paxcast.paxos.codec.PaxosCodec.encode(heartbeat("a", "b", 1)));
                await("a message before the hello closes the connection").atMost(Duration.ofSeconds(10))
                        .until(() -> raw.getInputStream().read() == -1);
            }
            assertEquals(1, b.refused());
            try (java.net.Socket raw = connect(port)) {
                var out = new java.io.DataOutputStream(raw.getOutputStream());
                frame(out, 'H', "a".getBytes(java.nio.charset.StandardCharsets.UTF_8));
                frame(out, 'M', io.paxcast.paxos.codec.PaxosCodec.encode(heartbeat("c", "b", 2))); // forged sender
                frame(out, 'M', io.paxcast.paxos.codec.PaxosCodec.encode(heartbeat("a", "b", 3)));
                await("a's own message arrives").atMost(Duration.ofSeconds(10)).until(() -> !atB.isEmpty());
                assertEquals(List.of(heartbeat("a", "b", 3)), atB, "the message claiming to be c's was dropped");
                assertEquals(2, b.refused());
                out.writeInt(TcpTransport.DEFAULT_MAX_FRAME_BYTES + 1); // announced, never buffered
                out.flush();
                await("a frame above the bound closes the connection").atMost(Duration.ofSeconds(10))
                        .until(() -> raw.getInputStream().read() == -1);
                assertEquals(3, b.refused());
            }
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    private static java.net.Socket connect(int port) throws Exception {
        java.net.Socket[] socket = new java.net.Socket[1];
        await("the transport listens").atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> {
            socket[0] = new java.net.Socket("127.0.0.1", port);
            return true;
        });
        socket[0].setSoTimeout(10_000);
        return socket[0];
    }

    private static void frame(java.io.DataOutputStream out, char kind, byte[] body) throws java.io.IOException {
        out.writeInt(1 + body.length);
        out.writeByte(kind);
        out.write(body);
        out.flush();
    }

    private static TcpTransport start(Vertx vertx, String id, int port, Map<String, SocketAddress> known,
                                      List<String> peers, List<Message> received) {
        TcpTransport t = new TcpTransport(vertx, "127.0.0.1", port, known::get, peers);
        t.receive(id, received::add);
        return t;
    }
}
