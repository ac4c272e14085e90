package io.paxcast.broadcast.config;

import io.paxcast.paxos.storage.FsyncPolicy;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigLoaderTest {
    static Vertx vertx;
    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stop() {
        vertx.close();
    }

    NodeConfig load(String file, Map<String, String> env) throws Exception {
        return ConfigLoader.load(vertx, file, env).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void defaultsDescribeALocalThreeNodeCluster() throws Exception {
        NodeConfig c = load(null, Map.of());
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
        NodeConfig fromFile = load(yaml.toString(), Map.of());
        assertEquals("n2", fromFile.nodeId());
        assertEquals(9000, fromFile.httpPort());
        assertEquals(20, fromFile.tickMillis());
        assertEquals(5802, fromFile.hazelcastPort());
        NodeConfig fromEnv = load(yaml.toString(), Map.of("PAXCAST_HTTP_PORT", "9100"));
        assertEquals(9100, fromEnv.httpPort());
        System.setProperty("paxcast.http.port", "9200");
        try {
            assertEquals(9200, load(yaml.toString(), Map.of("PAXCAST_HTTP_PORT", "9100")).httpPort());
        } finally {
            System.clearProperty("paxcast.http.port");
        }
    }

    @Test
    void aBadValueStopsTheNodeNamingTheKey() {
        var e = assertThrows(ExecutionException.class, () -> load(null, Map.of("PAXCAST_HTTP_PORT", "eighty")));
        assertTrue(e.getCause().getMessage().contains("http.port"), e.getCause().getMessage());
        var fsync = assertThrows(ExecutionException.class, () -> load(null, Map.of("PAXCAST_STORAGE_FSYNC", "sometimes")));
        assertTrue(fsync.getCause().getMessage().contains("storage.fsync"), fsync.getCause().getMessage());
        var member = assertThrows(ExecutionException.class, () -> load(null, Map.of("PAXCAST_NODE_ID", "n9")));
        assertTrue(member.getCause().getMessage().contains("node.id"), member.getCause().getMessage());
    }

    @Test
    void anUnknownKeyInAFileIsAnError() throws Exception {
        Path yaml = dir.resolve("typo.yaml");
        Files.writeString(yaml, "http:\n  prot: 9000\n");
        var e = assertThrows(ExecutionException.class, () -> load(yaml.toString(), Map.of()));
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
