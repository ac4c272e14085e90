package io.paxcast.broadcast.it;

import io.paxcast.testkit.node.NodeLogsOnFailure;
import io.paxcast.testkit.node.NodeProcesses;
import io.vertx.core.json.JsonArray;
import io.paxcast.testkit.client.RawSockets;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Node-to-node traffic over mutual TLS from configured key files ({@code cluster.tls.*}): three nodes
 * with one PKCS#12 store (made here with the JDK's keytool) form the cluster, order publishes and
 * replicate them; a client that speaks plain bytes to a node's Paxos port is cut off without a word.
 */
class ClusterTlsTest {
    static final String PASSWORD = "paxcast-test";

    @RegisterExtension
    final NodeLogsOnFailure logs = new NodeLogsOnFailure();

    @TempDir
    Path dir;

    private Path keyStore() throws Exception {
        Path store = dir.resolve("cluster.p12");
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Process p = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", "paxcast", "-keyalg", "EC",
                "-groupname", "secp256r1", "-dname", "CN=paxcast-test-cluster", "-validity", "2",
                "-storetype", "PKCS12", "-keystore", store.toString(), "-storepass", PASSWORD, "-keypass", PASSWORD)
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "keytool: " + output);
        return store;
    }

    @Test
    void threeNodesOverMutualTlsOrderAndReplicateAndAPlainClientIsCutOff() throws Exception {
        Path store = keyStore();
        try (NodeProcesses nodes = logs.watch(NodeProcesses.builder().nodes(3).name("ClusterTlsTest")
                .env("PAXCAST_CLUSTER_TLS_KEYSTORE", store.toString())
                .env("PAXCAST_CLUSTER_TLS_KEYSTOREPASSWORD", PASSWORD).build())) {
            nodes.startAll();
            nodes.awaitReady(Duration.ofSeconds(90));
            long last = 0;
            for (int i = 0; i < 30; i++) {
                HttpResponse<String> r = nodes.postJson(i % 3 + 1, "/v1/channels/tls/messages", "{\"i\":" + i + "}",
                        Duration.ofSeconds(10));
                assertEquals(201, r.statusCode(), r.body());
                last = new JsonObject(r.body()).getLong("seq");
            }
            for (int k = 1; k <= 3; k++) {
                JsonArray page = new JsonObject(nodes.get(k, "/v1/channels/tls/messages?minSeq=" + last).body())
                        .getJsonArray("messages");
                assertEquals(30, page.size(), "n" + k);
            }
            // Paxos listens on the Hazelcast port + cluster.paxosPortOffset (2000 by default)
            int paxosPort = nodes.hazelcastPort(1) + 2000;
            try (Socket plain = new Socket("127.0.0.1", paxosPort)) {
                plain.getOutputStream().write("hello n9, not TLS\n".repeat(200).getBytes(StandardCharsets.US_ASCII));
                await("the plain client is cut off").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                        .until(() -> RawSockets.closedByServer(plain));
            }
            assertEquals(200, nodes.status(1, "/ready"), "and the node serves on");
        }
    }
}
