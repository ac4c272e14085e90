package io.paxcast.broadcast;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.paxcast.broadcast.config.NodeConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A single-voter node in this JVM (non-clustered Vert.x, the same verticle as a real node): fast
 * enough for API-contract tests. Multi-node behaviour is tested with real processes (see it/).
 */
final class InProcessNode implements AutoCloseable {
    final Vertx vertx;
    final PaxcastNode node;
    final int port;

    InProcessNode(Path dataDir, JsonObject overrides) throws Exception {
        int hzPort = freePort();
        JsonObject flat = new JsonObject()
                .put("node.id", "n1")
                .put("cluster.members", "n1@127.0.0.1:" + hzPort)
                .put("http.host", "127.0.0.1")
                .put("http.port", "0")
                .put("data.dir", dataDir.toString())
                .mergeIn(overrides);
        NodeConfig config = NodeConfig.from(flat);
        vertx = Vertx.vertx();
        node = new PaxcastNode(config, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        vertx.deployVerticle(node).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        port = node.httpPort();
    }

    static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
}
