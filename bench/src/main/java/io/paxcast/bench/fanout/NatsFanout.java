package io.paxcast.bench.fanout;

import io.nats.client.Connection;
import io.nats.client.ErrorListener;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.paxcast.bench.peer.Payload;
import io.paxcast.testkit.nats.NatsCluster;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * NATS core subjects: the peer benchmark's {@link NatsCluster} of 3 nats-server routed into one
 * cluster (its configuration enables JetStream; nothing here uses it: no stream, plain subjects).
 * The subscribers are {@link NatsSubscriber}s, one connection each, spread round-robin over the 3
 * servers; the publisher is jnats core {@code publish} on one connection per server, message n on
 * server n % 3 + 1. Core NATS has no ack: the publish -> ack column stays empty.
 */
final class NatsFanout implements FanoutSystem {
    static final int SERVERS = 3;
    static final String SUBJECT = "fanout.bench";
    private static final long PROBE_DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(30);

    private final Path work;
    private final NatsCluster cluster;
    private final List<Connection> publishing;
    private final Vertx vertx = Vertx.vertx();
    private final List<FanoutSubscriber> subscribers = new ArrayList<>();
    private final FanoutPublisher publisher;
    private final int payloadBytes;

    private NatsFanout(Path work, NatsCluster cluster, List<Connection> publishing, int payloadBytes) {
        this.work = work;
        this.cluster = cluster;
        this.publishing = publishing;
        this.payloadBytes = payloadBytes;
        this.publisher = new Publisher();
    }

    static NatsFanout start(int payloadBytes) throws Exception {
        Path work = Files.createTempDirectory("paxcast-fanout-nats-");
        NatsCluster cluster = null;
        List<Connection> connections = new ArrayList<>();
        try {
            cluster = NatsCluster.start(work, SERVERS);
            for (int k = 1; k <= SERVERS; k++) {
                connections.add(Nats.connect(new Options.Builder().server(cluster.url(k)).connectionName("fanout-publisher-" + k)
                        .connectionTimeout(Duration.ofSeconds(5)).maxReconnects(-1).errorListener(new ErrorListener() { })
                        .build()));
            }
            return new NatsFanout(work, cluster, connections, payloadBytes);
        } catch (Exception | Error e) {
            closeAll(connections);
            if (cluster != null) {
                cluster.close();
            }
            deleteTree(work);
            throw e;
        }
    }

    @Override
    public String system() {
        return "nats";
    }

    @Override
    public int learners() {
        return 0;
    }

    @Override
    public int nodes() {
        return SERVERS;
    }

    @Override
    public String describe() {
        return String.format("%d nats-server (core subjects, client ports %d-%d), jnats core publish to every server,"
                + " subscribers on every server", SERVERS, NatsCluster.CLIENT_BASE + 1, NatsCluster.CLIENT_BASE + SERVERS);
    }

    @Override
    public List<FanoutSubscriber> subscribe(int n, int concurrency, SubscriberTally tally, PrintStream progress)
            throws Exception {
        NetClient client = vertx.createNetClient(new NetClientOptions().setConnectTimeout(10_000).setTcpNoDelay(true));
        List<FanoutSubscriber> opened = BoundedConnects.connectAll(n, concurrency, i -> {
            int k = i % SERVERS + 1;
            return NatsSubscriber.connect(vertx, client, NatsCluster.CLIENT_BASE + k, k, SUBJECT, SERVERS, i, tally);
        }, progress);
        subscribers.addAll(opened);
        awaitInterest(opened);
        return opened;
    }

    /**
     * A SUB reaches the other servers through the routes a little later than its PONG: probes from
     * every publishing connection until every subscriber got one from each, so that no measured
     * message can be published before a subscriber's interest reached the publisher's server.
     */
    private void awaitInterest(List<FanoutSubscriber> opened) throws Exception {
        long deadline = System.nanoTime() + PROBE_DEADLINE_NANOS;
        Object pause = new Object();
        while (true) {
            for (int p = 0; p < SERVERS; p++) {
                publishing.get(p).publish(SUBJECT, Payload.make(System.nanoTime(), -(p + 1), payloadBytes));
            }
            for (Connection c : publishing) {
                c.flush(Duration.ofSeconds(5));
            }
            long waiting = opened.stream().filter(s -> !((NatsSubscriber) s).probedByAll()).count();
            if (waiting == 0) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(waiting + " NATS subscribers still miss a probe from some server after 30 s");
            }
            synchronized (pause) {
                pause.wait(50); // a bounded poll interval, not a hand-off
            }
        }
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
        closeAll(publishing);
        cluster.close();
        try {
            deleteTree(work);
        } catch (IOException e) {
            System.err.println("fanout: could not delete " + work + ": " + e);
        }
    }

    private static void closeAll(List<Connection> connections) {
        for (Connection c : connections) {
            try {
                c.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** Message n on server n % 3 + 1; "acked" once handed to jnats (core NATS acknowledges nothing). */
    private final class Publisher implements FanoutPublisher {
        private long next;

        @Override
        public void publish(long intendedNanos, Ack ack) {
            long n = next++;
            try {
                publishing.get((int) (n % SERVERS)).publish(SUBJECT, Payload.make(intendedNanos, n, payloadBytes));
                ack.done(null);
            } catch (RuntimeException e) {
                ack.done(e);
            }
        }

        @Override
        public boolean acknowledges() {
            return false;
        }
    }
}
