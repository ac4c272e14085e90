package io.paxcast.broadcast;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.paxcast.broadcast.cluster.HazelcastSetup;
import io.paxcast.broadcast.config.ConfigLoader;
import io.paxcast.broadcast.config.NodeConfig;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Starts one node process: loads the configuration (a bad value stops the process with a message
 * naming the key), joins the Hazelcast cluster as a clustered Vert.x, and deploys {@link PaxcastNode}.
 * Usage: {@code java io.paxcast.broadcast.Main [--config FILE]}; see docs/CONFIG.md.
 *
 * <p>This is the all-in-one node, whatever {@code node.role} says: the default of bin/paxcast-local.
 * The split deployment starts {@link SequencerMain} (the voters) and {@link EdgeMain} (the edge nodes)
 * instead, from the same jar.
 */
public final class Main {
    private static final Logger log = LoggerFactory.getLogger(Main.class);

    private Main() {
    }

    public static void main(String[] args) {
        run("paxcast-node", args, null);
    }

    /**
     * Parses {@code args}, loads the configuration and starts the node; exits the process when either
     * fails (2: bad arguments or configuration, 1: the start failed). {@code role}, if not null, is the
     * only {@code node.role} the entry point runs: {@code edge} is set above the configuration file (an
     * environment variable naming another role is refused); {@code member} refuses a configuration
     * that makes the node an edge node.
     */
    static void run(String name, String[] args, String role) {
        String configFile = null;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--config") && i + 1 < args.length) {
                configFile = args[++i];
            } else {
                System.err.println("usage: " + name + " [--config FILE]   (unknown argument " + args[i] + ")");
                System.exit(2);
            }
        }
        java.util.Map<String, String> env = new java.util.HashMap<>(System.getenv());
        String roleVariable = io.paxcast.broadcast.config.ConfigKey.NODE_ROLE.envName();
        if ("edge".equals(role)) {
            String given = env.get(roleVariable);
            if (given != null && !given.isBlank() && !given.trim().equals(role)) {
                System.err.println("paxcast: cannot start: " + name + " runs node.role=" + role + ", but " + roleVariable
                        + "=" + given.trim());
                System.exit(2);
            }
            env.put(roleVariable, role); // above the configuration file, as every variable is
        }
        NodeConfig config;
        Vertx bootstrap = Vertx.vertx();
        try {
            config = get(ConfigLoader.load(bootstrap, configFile, env).toCompletionStage().toCompletableFuture());
        } catch (Exception e) {
            System.err.println("paxcast: cannot start: " + rootMessage(e));
            System.exit(2);
            return;
        } finally {
            bootstrap.close();
        }
        if ("member".equals(role) && !config.paxos().voting()) {
            System.err.println("paxcast: cannot start: " + name + " runs sequencer nodes (node.role=member), and this"
                    + " configuration makes " + config.nodeId() + " an edge node: start it with io.paxcast.broadcast.EdgeMain");
            System.exit(2);
        }
        try {
            start(config);
        } catch (Exception e) {
            log.error("event=start_failed node={} error=\"{}\"", config.nodeId(), rootMessage(e));
            System.exit(1);
        }
    }

    /** Starts a clustered node; returns its Vert.x instance (tests may close it). */
    public static Vertx start(NodeConfig config) throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().commonTags("node", config.nodeId());
        VertxOptions options = new VertxOptions()
                .setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true));
        options.getEventBusOptions()
                .setHost(config.clusterHost()).setPort(config.eventBusPort())
                .setClusterPublicHost(config.clusterHost()).setClusterPublicPort(config.eventBusPort());
        if (config.clusterTls() != null) {
            // mutual TLS between nodes: each presents its certificate and accepts only the trusted ones
            options.getEventBusOptions().setSsl(true).setKeyCertOptions(config.clusterTls().keyCert())
                    .setTrustOptions(config.clusterTls().trust()).setTrustAll(false) // the event bus trusts any server by default
                    .setClientAuth(io.vertx.core.http.ClientAuth.REQUIRED);
        }
        long started = System.nanoTime();
        // Open the MapDB file while Hazelcast joins: both take seconds, neither needs the other.
        CompletableFuture<io.paxcast.paxos.storage.MapDbStorage> storage = CompletableFuture.supplyAsync(() -> {
            try {
                return PaxcastNode.openStorage(config);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        Vertx vertx = joinCluster(config, options, registry);
        log.info("event=cluster_joined node={} millis={}", config.nodeId(), (System.nanoTime() - started) / 1_000_000);
        get(vertx.deployVerticle(new PaxcastNode(config, registry, get(storage))).toCompletionStage().toCompletableFuture());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // exiting anyway
            }
        }, "paxcast-shutdown"));
        return vertx;
    }

    /** How long a start keeps asking to join the Hazelcast cluster before it gives up. */
    static final long JOIN_DEADLINE_MILLIS = 120_000;
    /** Joins refused so far in this JVM (ClusterJoinRetryTest watches it). */
    static final java.util.concurrent.atomic.AtomicInteger JOINS_REFUSED = new java.util.concurrent.atomic.AtomicInteger();

    /**
     * Joins the cluster, asking again (after 1, 2, 4, 5, 5 .. s) while it is refused: a cluster that is
     * merging after a partition freezes its membership for a moment (Hazelcast's FROZEN state) and
     * refuses a member that restarts then ("Cluster state either is locked or doesn't allow new members
     * to join"); a restart then must wait, not exit. Gives up after {@link #JOIN_DEADLINE_MILLIS}.
     */
    private static Vertx joinCluster(NodeConfig config, VertxOptions options, PrometheusMeterRegistry registry)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(JOIN_DEADLINE_MILLIS);
        long backoff = 1000;
        for (int attempt = 1; ; attempt++) {
            try {
                return get(Vertx.builder().with(options)
                        .withMetrics(new MicrometerMetricsFactory(registry))
                        .withClusterManager(new HazelcastClusterManager(HazelcastSetup.build(config)))
                        .buildClustered().toCompletionStage().toCompletableFuture());
            } catch (Exception e) {
                JOINS_REFUSED.incrementAndGet();
                // Hazelcast says only "Node failed to start!" when its join was refused; anything else
                // (a port in use, a bad key store) will not pass by waiting
                if (!"Node failed to start!".equals(rootMessage(e))
                        || System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoff) > deadline) {
                    throw e;
                }
                log.warn("event=cluster_join_retry node={} attempt={} retryInMillis={} error=\"{}\"", config.nodeId(),
                        attempt, backoff, rootMessage(e));
                Thread.sleep(backoff); // nothing runs yet: this thread only waits to ask again
                backoff = Math.min(backoff * 2, 5000);
            }
        }
    }

    private static <T> T get(CompletableFuture<T> future) throws Exception {
        try {
            return future.get(120, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }
}
