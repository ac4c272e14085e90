package io.paxcast.bench.fanout;

import io.paxcast.bench.peer.Payload;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Paxcast: a fresh 3-node cluster from a private copy of {@code bin/paxcast-local} ({@link LocalPaxcast}),
 * plus {@code learners} edge nodes ({@code add-node 4 edge}, {@code add-node 5 edge}, ...). The
 * subscribers are WebSockets spread round-robin over every node, edges included; the publisher
 * POSTs {@code /v1/channels/<channel>/messages} to the 3 voters in turn (a non-leader forwards to the
 * leader) and counts the 201 as the ack: the message is chosen by a majority of the voters.
 */
final class PaxcastFanout implements FanoutSystem {
    static final int VOTERS = 3;
    private static final long PUBLISH_TIMEOUT_MILLIS = 30_000;

    private final LocalPaxcast cluster;
    private final int learners;
    private final Vertx vertx;
    private final HttpClientAgent http;
    private final String channel = "fanout-" + Long.toString(System.nanoTime(), 36);
    private final FanoutPublisher publisher;
    private final List<FanoutSubscriber> subscribers = new ArrayList<>();
    private WebSocketClient webSockets;

    private PaxcastFanout(LocalPaxcast cluster, int learners, int payloadBytes) {
        this.cluster = cluster;
        this.learners = learners;
        this.vertx = Vertx.vertx();
        this.http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setConnectTimeout(10_000),
                new PoolOptions().setHttp1MaxSize(8));
        this.publisher = new Publisher(payloadBytes);
    }

    static PaxcastFanout start(Path root, int learners, int basePort, Map<String, String> nodeEnv, int payloadBytes)
            throws Exception {
        LocalPaxcast cluster = LocalPaxcast.start(root, VOTERS, basePort, nodeEnv);
        try {
            for (int k = VOTERS + 1; k <= VOTERS + learners; k++) {
                cluster.addEdge(k);
            }
            return new PaxcastFanout(cluster, learners, payloadBytes);
        } catch (Exception | Error e) {
            cluster.close();
            throw e;
        }
    }

    @Override
    public String system() {
        return "paxcast";
    }

    @Override
    public int learners() {
        return learners;
    }

    @Override
    public int nodes() {
        return VOTERS + learners;
    }

    @Override
    public String describe() {
        return String.format("%d voters%s (bin/paxcast-local, ports %d-%d, node jar: %s), HTTP publish to the voters,"
                        + " WebSocket subscribers on " + ("voters".equals(System.getProperty("fanout.subscribeOn"))
                        ? "the voters only (-Dfanout.subscribeOn=voters)" : "every node"), VOTERS,
                learners == 0 ? "" : " + " + learners + " edge nodes (learners)", cluster.httpPort(1),
                cluster.httpPort(nodes()), cluster.nodeJar());
    }

    @Override
    public List<FanoutSubscriber> subscribe(int n, int concurrency, SubscriberTally tally, PrintStream progress)
            throws Exception {
        // Vert.x caps the open WebSockets per endpoint (50 by default): beyond it a connect waits for a close
        webSockets = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(Math.max(50, n))
                .setConnectTimeout(10_000));
        // -Dfanout.subscribeOn=voters (a control): the edge nodes run and follow the log but serve no one,
        // so what they cost the quorum by being there is told apart from what serving subscribers costs
        int serving = "voters".equals(System.getProperty("fanout.subscribeOn")) ? VOTERS : nodes();
        List<FanoutSubscriber> opened = BoundedConnects.connectAll(n, concurrency, i -> {
            int k = i % serving + 1;
            return PaxcastSubscriber.connect(vertx, webSockets, cluster.httpPort(k), "n" + k, channel, i, tally);
        }, progress);
        subscribers.addAll(opened);
        return opened;
    }

    @Override
    public FanoutPublisher publisher() {
        return publisher;
    }

    @Override
    public void close() {
        subscribers.forEach(FanoutSubscriber::close);
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            System.err.println("fanout: closing the client's Vert.x: " + e);
        }
        cluster.close();
    }

    /** Message n goes to voter n % 3 + 1; the ack is its 201. */
    private final class Publisher implements FanoutPublisher {
        private final int payloadBytes;
        private final String path = "/v1/channels/" + channel + "/messages";
        private long next;

        Publisher(int payloadBytes) {
            this.payloadBytes = payloadBytes;
        }

        @Override
        public void publish(long intendedNanos, Ack ack) {
            long n = next++;
            Buffer body = Buffer.buffer(Payload.make(intendedNanos, n, payloadBytes));
            RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1")
                    .setPort(cluster.httpPort((int) (n % VOTERS) + 1)).setURI(path).setTimeout(PUBLISH_TIMEOUT_MILLIS)
                    .putHeader("content-type", "application/json");
            http.request(options).compose(request -> request.send(body)).compose(response -> {
                if (response.statusCode() == 201) {
                    return response.end().map(v -> (String) null);
                }
                return response.body().map(b -> "HTTP " + response.statusCode() + " " + b);
            }).onComplete(ar -> {
                if (ar.failed()) {
                    ack.done(ar.cause());
                } else if (ar.result() != null) {
                    ack.done(new IllegalStateException("publish answered " + ar.result()));
                } else {
                    ack.done(null);
                }
            });
        }

        @Override
        public boolean acknowledges() {
            return true;
        }
    }
}
