package io.paxcast.paxos.transport;

import io.paxcast.paxos.core.Message;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.net.PfxOptions;
import io.vertx.core.net.SocketAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
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
 * Mutual TLS with member ids bound to certificates ({@link TcpTransport#withTls(io.vertx.core.net.KeyCertOptions,
 * io.vertx.core.net.TrustOptions, boolean)}): the cluster trusts the certificates of {@code a}, {@code b} and
 * {@code edge} (each its own, made here with keytool). {@code a} reaches {@code b}; the holder of
 * {@code edge}'s certificate saying hello as {@code a} is refused; a certificate outside the trust store
 * (one that even names {@code a}) gets no connection at all; and {@code b}, dialling {@code a} at an
 * address where {@code edge}'s certificate answers, hangs up.
 */
class TcpTransportTlsTest {
    private static final String PASSWORD = "test-pass-123";

    @TempDir
    Path dir;

    @Test
    void aCertificateSpeaksOnlyForTheMemberItNames() throws Exception {
        Path a = keyPair("a");
        Path b = keyPair("b");
        Path edge = keyPair("edge");
        Path stranger = keyPair("a-stranger", "a"); // names a, but the cluster does not trust it
        Path trust = dir.resolve("trust.p12");
        for (String name : List.of("a", "b", "edge")) {
            keytool("-exportcert", "-rfc", "-alias", name, "-keystore", dir.resolve(name + ".p12").toString(),
                    "-storepass", PASSWORD, "-file", dir.resolve(name + ".pem").toString());
            keytool("-importcert", "-noprompt", "-alias", name, "-file", dir.resolve(name + ".pem").toString(),
                    "-storetype", "PKCS12", "-keystore", trust.toString(), "-storepass", PASSWORD);
        }
        Vertx vertx = Vertx.vertx();
        try {
            int portB = freePort();
            Map<String, SocketAddress> toB = Map.of("b", SocketAddress.inetSocketAddress(portB, "127.0.0.1"));
            List<Message> atB = new CopyOnWriteArrayList<>();
            Context ctx = vertx.getOrCreateContext();
            TcpTransport nodeB = on(ctx, () -> start(vertx, "b", portB, b, trust, Map.of(), List.of(), atB));

            TcpTransport nodeA = on(ctx, () -> start(vertx, "a", freePort(), a, trust, toB, List.of("b"), new CopyOnWriteArrayList<>()));
            await("a, with its own certificate, reaches b").atMost(Duration.ofSeconds(15)).until(() -> {
                ctx.runOnContext(v -> nodeA.send(heartbeat("a", "b", 1)));
                return atB.contains(heartbeat("a", "b", 1));
            });

            long refusedBefore = nodeB.refused();
            TcpTransport edgeAsA = on(ctx, () -> start(vertx, "a", freePort(), edge, trust, toB, List.of("b"),
                    new CopyOnWriteArrayList<>()));
            await("b refuses the hello as a from edge's certificate").atMost(Duration.ofSeconds(15)).until(() -> {
                ctx.runOnContext(v -> edgeAsA.send(heartbeat("a", "b", 2)));
                return nodeB.refused() > refusedBefore;
            });
            TcpTransport strangerAsA = on(ctx, () -> start(vertx, "a", freePort(), stranger, trust, toB,
                    List.of("b"), new CopyOnWriteArrayList<>()));
            await("the stranger's sends are dropped: it never gets a connection").atMost(Duration.ofSeconds(15))
                    .until(() -> {
                        ctx.runOnContext(v -> strangerAsA.send(heartbeat("a", "b", 3)));
                        return strangerAsA.dropped() >= 20;
                    });
            assertTrue(atB.stream().noneMatch(m -> m.equals(heartbeat("a", "b", 2)) || m.equals(heartbeat("a", "b", 3))),
                    "nothing from edge's certificate or the stranger's arrived: " + atB);

            // b dials a, but edge's certificate answers at that address: b hangs up
            int portFake = freePort();
            List<Message> atFake = new CopyOnWriteArrayList<>();
            on(ctx, () -> start(vertx, "a", portFake, edge, trust, Map.of(), List.of(), atFake));
            int portB2 = freePort();
            TcpTransport nodeB2 = on(ctx, () -> start(vertx, "b2", portB2, b, trust,
                    Map.of("a", SocketAddress.inetSocketAddress(portFake, "127.0.0.1")), List.of("a"), new CopyOnWriteArrayList<>()));
            await("b2 hangs up on a peer whose certificate names edge, not a").atMost(Duration.ofSeconds(15)).until(() -> {
                ctx.runOnContext(v -> nodeB2.send(heartbeat("b2", "a", 4)));
                return nodeB2.refused() > 0;
            });
            assertEquals(List.of(), atFake, "nothing reached the impostor");
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    private Path keyPair(String name) throws Exception {
        return keyPair(name, name);
    }

    /** A PKCS#12 store {@code name}.p12 with a self-signed EC key pair whose subject is CN={@code cn}. */
    private Path keyPair(String name, String cn) throws Exception {
        Path store = dir.resolve(name + ".p12");
        keytool("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + cn,
                "-validity", "2", "-storetype", "PKCS12", "-keystore", store.toString(), "-storepass", PASSWORD,
                "-keypass", PASSWORD);
        return store;
    }

    private static void keytool(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "keytool " + List.of(args) + ": " + output);
    }

    private static TcpTransport start(Vertx vertx, String id, int port, Path key, Path trust,
                                      Map<String, SocketAddress> known, List<String> peers, List<Message> received) {
        TcpTransport t = new TcpTransport(vertx, "127.0.0.1", port, known::get, peers)
                .withTls(new PfxOptions().setPath(key.toString()).setPassword(PASSWORD),
                        new PfxOptions().setPath(trust.toString()).setPassword(PASSWORD), true);
        t.receive(id, received::add);
        return t;
    }
}
