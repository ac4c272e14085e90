package io.paxcast.broadcast;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.paxcast.broadcast.config.NodeConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
    private static final HttpClient HTTP = HttpClient.newHttpClient();

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

    /** GET {@code path} on this node: the response body. */
    String get(String path) throws Exception {
        return send(HttpRequest.newBuilder(uri(path)).build()).body();
    }

    /** GET {@code path} on this node: the status code. */
    int status(String path) throws Exception {
        return send(HttpRequest.newBuilder(uri(path)).build()).statusCode();
    }

    /** POST {@code body} (JSON) to {@code channel}: the status code. */
    int publish(String channel, String body) throws Exception {
        return send(HttpRequest.newBuilder(uri("/v1/channels/" + channel + "/messages"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build())
                .statusCode();
    }

    JsonObject cluster() throws Exception {
        return new JsonObject(get("/v1/cluster"));
    }

    /** The value of a Prometheus sample in /metrics, or NaN when it is not there. */
    double metric(String name) throws Exception {
        for (String line : get("/metrics").split("\n")) {
            if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return Double.NaN;
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    private HttpResponse<String> send(HttpRequest request) throws Exception {
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
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
