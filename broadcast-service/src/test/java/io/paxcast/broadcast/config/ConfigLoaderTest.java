package io.paxcast.broadcast.config;

import io.paxcast.paxos.storage.FsyncPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigLoaderTest {
    @RegisterExtension
    static final ConfigLoads configs = new ConfigLoads();
    @TempDir
    Path dir;

    @Test
    void defaultsDescribeALocalThreeNodeCluster() throws Exception {
        NodeConfig c = configs.load(null, Map.of());
        assertEquals("n1", c.nodeId());
        assertEquals(List.of("n1", "n2", "n3"), c.paxos().voters());
        assertEquals(FsyncPolicy.ALWAYS, c.fsync());
        assertEquals(5701, c.hazelcastPort());
        assertEquals(6701, c.eventBusPort());
        assertEquals(65536, c.maxPayloadBytes());
    }

    @Test
    void fileThenEnvironmentThenSystemPropertiesWin() throws Exception {
        Path yaml = dir.resolve("node.yaml");
        Files.writeString(yaml, """
                node:
                  id: n2
                http:
                  port: 9000
                paxos:
                  tickMillis: 20
                cluster:
                  members: ["n1@127.0.0.1:5801", "n2@127.0.0.1:5802", "n3@127.0.0.1:5803"]
                """);
        NodeConfig fromFile = configs.load(yaml.toString(), Map.of());
        assertEquals("n2", fromFile.nodeId());
        assertEquals(9000, fromFile.httpPort());
        assertEquals(20, fromFile.tickMillis());
        assertEquals(5802, fromFile.hazelcastPort());
        NodeConfig fromEnv = configs.load(yaml.toString(), Map.of("PAXCAST_HTTP_PORT", "9100"));
        assertEquals(9100, fromEnv.httpPort());
        System.setProperty("paxcast.http.port", "9200");
        try {
            assertEquals(9200, configs.load(yaml.toString(), Map.of("PAXCAST_HTTP_PORT", "9100")).httpPort());
        } finally {
            System.clearProperty("paxcast.http.port");
        }
    }

    @Test
    void aBadValueStopsTheNodeNamingTheKey() {
        var e = assertThrows(ExecutionException.class, () -> configs.load(null, Map.of("PAXCAST_HTTP_PORT", "eighty")));
        assertTrue(e.getCause().getMessage().contains("http.port"), e.getCause().getMessage());
        var fsync = assertThrows(ExecutionException.class, () -> configs.load(null, Map.of("PAXCAST_STORAGE_FSYNC", "sometimes")));
        assertTrue(fsync.getCause().getMessage().contains("storage.fsync"), fsync.getCause().getMessage());
        var member = assertThrows(ExecutionException.class, () -> configs.load(null, Map.of("PAXCAST_NODE_ID", "n9")));
        assertTrue(member.getCause().getMessage().contains("node.id"), member.getCause().getMessage());
    }

    @Test
    void bootstrapVotersEdgeNodesAndTheTransportComeFromConfiguration() throws Exception {
        String four = "n1@127.0.0.1:5701,n2@127.0.0.1:5702,n3@127.0.0.1:5703,n4@127.0.0.1:5704";
        NodeConfig learner = configs.load(null, Map.of("PAXCAST_NODE_ID", "n4", "PAXCAST_CLUSTER_MEMBERS", four,
                "PAXCAST_CLUSTER_VOTERS", "n1,n2,n3"));
        assertEquals(List.of("n1", "n2", "n3"), learner.paxos().voters(), "n4 starts outside the configuration");
        assertTrue(learner.paxos().voting(), "a member a change can make a voter");
        assertTrue(learner.tcpTransport(), "Paxos on its own connections by default");
        assertEquals(7704, learner.hazelcastPort() + learner.paxosPortOffset());
        assertEquals(7701, learner.paxosAddress("n1").port());
        NodeConfig edge = configs.load(null, Map.of("PAXCAST_NODE_ID", "n4", "PAXCAST_CLUSTER_MEMBERS", four,
                "PAXCAST_CLUSTER_VOTERS", "n1,n2,n3", "PAXCAST_NODE_ROLE", "edge", "PAXCAST_CLUSTER_TRANSPORT", "eventbus"));
        assertFalse(edge.paxos().voting(), "an edge node never votes");
        assertFalse(edge.tcpTransport());
        var voterEdge = assertThrows(ExecutionException.class, () -> configs.load(null, Map.of("PAXCAST_NODE_ROLE", "edge")));
        assertTrue(voterEdge.getCause().getMessage().contains("node.role"), voterEdge.getCause().getMessage());
        var stranger = assertThrows(ExecutionException.class, () -> configs.load(null, Map.of("PAXCAST_CLUSTER_VOTERS", "n1,n9")));
        assertTrue(stranger.getCause().getMessage().contains("cluster.voters"), stranger.getCause().getMessage());
        var transport = assertThrows(ExecutionException.class, () -> configs.load(null, Map.of("PAXCAST_CLUSTER_TRANSPORT", "udp")));
        assertTrue(transport.getCause().getMessage().contains("cluster.transport"), transport.getCause().getMessage());
    }

    @Test
    void theKafkaBridgeIsOffByDefaultAndItsBadValuesNameTheirKeys() throws Exception {
        NodeConfig defaults = configs.load(null, Map.of());
        assertNull(defaults.kafkaExport(), "export off without kafka.export.bootstrapServers");
        assertNull(defaults.kafkaIngest(), "ingest off without kafka.ingest.bootstrapServers");

        Path props = dir.resolve("kafka.properties");
        Files.writeString(props, "security.protocol=SASL_SSL\nsasl.mechanism=PLAIN\n");
        NodeConfig on = configs.load(null, Map.of("PAXCAST_KAFKA_EXPORT_BOOTSTRAPSERVERS", "k1:9092",
                "PAXCAST_KAFKA_INGEST_BOOTSTRAPSERVERS", "k1:9092", "PAXCAST_KAFKA_INGEST_TOPICS", "orders=orders-in, audit=audit",
                "PAXCAST_KAFKA_CLIENTPROPERTIES", props.toString(), "PAXCAST_KAFKA_EXPORT_CHANNELS", "room-*,alerts"));
        assertEquals("paxcast-log", on.kafkaExport().topic());
        assertEquals("paxcast-export-paxcast-paxcast-log-0", on.kafkaExport().transactionalId(), "one id for the whole cluster");
        assertTrue(on.kafkaExport().channels().matches("room-1") && on.kafkaExport().channels().matches("alerts"));
        assertTrue(!on.kafkaExport().channels().matches("other"));
        assertEquals(Map.of("orders", "orders-in", "audit", "audit"), on.kafkaIngest().channels());
        assertEquals("SASL_SSL", on.kafkaIngest().clientProperties().get("security.protocol"));
        assertEquals("PLAIN", on.kafkaExport().clientProperties().get("sasl.mechanism"));

        for (Map.Entry<String, String> bad : Map.of(
                "PAXCAST_KAFKA_INGEST_TOPICS", "kafka.ingest.topics",
                "PAXCAST_KAFKA_CLIENTPROPERTIES", "kafka.clientProperties",
                "PAXCAST_KAFKA_EXPORT_CHANNELS", "kafka.export.channels",
                "PAXCAST_KAFKA_EXPORT_TOPIC", "kafka.export.topic").entrySet()) {
            Map<String, String> env = new java.util.HashMap<>(Map.of("PAXCAST_KAFKA_EXPORT_BOOTSTRAPSERVERS", "k1:9092",
                    "PAXCAST_KAFKA_INGEST_BOOTSTRAPSERVERS", "k1:9092", "PAXCAST_KAFKA_INGEST_TOPICS", "t=c"));
            env.put(bad.getKey(), switch (bad.getValue()) {
                case "kafka.ingest.topics" -> "no-equals-sign";
                case "kafka.clientProperties" -> dir.resolve("missing.properties").toString();
                case "kafka.export.channels" -> "bad channel!";
                default -> "not a topic/name";
            });
            var e = assertThrows(ExecutionException.class, () -> configs.load(null, env));
            assertTrue(e.getCause().getMessage().contains(bad.getValue()), e.getCause().getMessage());
        }
    }

    @Test
    void anUnknownKeyInAFileIsAnError() throws Exception {
        Path yaml = dir.resolve("typo.yaml");
        Files.writeString(yaml, "http:\n  prot: 9000\n");
        var e = assertThrows(ExecutionException.class, () -> configs.load(yaml.toString(), Map.of()));
        assertTrue(e.getCause().getMessage().contains("http.prot"), e.getCause().getMessage());
    }

    @Test
    void everyKeyIsDocumented() throws Exception {
        Path doc = Path.of("..", "docs", "CONFIG.md");
        String text = Files.readString(doc);
        for (ConfigKey key : ConfigKey.values()) {
            assertTrue(text.contains("`" + key.key + "`"), key.key + " is missing from docs/CONFIG.md");
            assertTrue(text.contains("`" + key.envName() + "`"), key.envName() + " is missing from docs/CONFIG.md");
        }
    }
}
