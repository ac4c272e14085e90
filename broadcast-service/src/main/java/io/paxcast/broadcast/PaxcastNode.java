package io.paxcast.broadcast;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.paxcast.broadcast.cluster.PeerStatus;
import io.paxcast.broadcast.config.NodeConfig;
import io.paxcast.broadcast.http.HttpApi;
import io.paxcast.broadcast.kafka.KafkaBridge;
import io.paxcast.broadcast.log.BroadcastLog;
import io.paxcast.broadcast.ws.SubscriptionGateway;
import io.paxcast.broadcast.ws.SubscriptionHub;
import io.paxcast.paxos.core.NodeStatus;
import io.paxcast.paxos.storage.MapDbStorage;
import io.paxcast.paxos.transport.EventBusTransport;
import io.paxcast.paxos.vertx.SequencerDriver;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.PrometheusScrapingHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;

/**
 * One Paxcast node on one Vert.x context: the sequencer (acceptor and possible leader), the
 * broadcast layer and the HTTP/WebSocket API. Everything that touches node state runs on this
 * verticle's event loop; only storage writes leave it (to one worker thread).
 */
public final class PaxcastNode extends VerticleBase {
    private static final Logger log = LoggerFactory.getLogger(PaxcastNode.class);

    private final NodeConfig config;
    private final PrometheusMeterRegistry registry;
    private MapDbStorage storage;
    private String nonVotingReason;
    private SequencerDriver driver;
    private PeerStatus peers;
    private HttpServer server;
    private BroadcastService service;
    private KafkaBridge kafka;

    public PaxcastNode(NodeConfig config, PrometheusMeterRegistry registry) {
        this(config, registry, null);
    }

    /** @param opened the node's storage if the caller opened it already (in parallel with the cluster join) */
    public PaxcastNode(NodeConfig config, PrometheusMeterRegistry registry, OpenedStorage opened) {
        this.config = config;
        this.registry = registry;
        if (opened != null) {
            this.storage = opened.storage();
            this.nonVotingReason = opened.nonVotingReason();
        }
    }

    /**
     * The node's storage, and why it may not vote. Written when a store was found corrupt; it stays
     * until an operator rejoins the node through a membership change (PAXOS-NOTES 3).
     */
    public record OpenedStorage(MapDbStorage storage, String nonVotingReason) {}

    public static final String NON_VOTING_MARKER = "NON_VOTING";

    /**
     * Opens the node's store, creating the data directory; blocking (about 0.5 s). A store that fails
     * its checks is moved aside (to {@code corrupt-<time>/} in the data directory) and replaced by an
     * empty one, and the node becomes a non-voting learner: it cannot prove what it promised, so it
     * must never vote again under its identity, but it can learn the chosen log from its peers and
     * serve it.
     */
    public static OpenedStorage openStorage(NodeConfig config) throws java.io.IOException {
        java.nio.file.Path dir = config.dataDir();
        Files.createDirectories(dir);
        java.nio.file.Path marker = dir.resolve(NON_VOTING_MARKER);
        try {
            MapDbStorage storage = MapDbStorage.open(dir, config.fsync(), config.fsyncIntervalMillis());
            return new OpenedStorage(storage, Files.exists(marker) ? Files.readString(marker).trim() : null);
        } catch (io.paxcast.paxos.storage.StorageException corrupt) {
            java.nio.file.Path aside = dir.resolve("corrupt-" + System.currentTimeMillis());
            Files.createDirectories(aside);
            try (var files = Files.list(dir)) {
                for (java.nio.file.Path p : files.toList()) {
                    String name = p.getFileName().toString();
                    if (!p.equals(aside) && !name.startsWith("corrupt-") && !name.equals(NON_VOTING_MARKER)) {
                        Files.move(p, aside.resolve(name));
                    }
                }
            }
            String reason = "storage found corrupt at " + java.time.Instant.now() + " (" + corrupt.getMessage()
                    + "); moved to " + aside.getFileName() + "; non-voting learner until it rejoins through a membership change";
            Files.writeString(marker, reason + "\n");
            log.error("event=storage_corrupt node={} error=\"{}\" action=\"moved to {}; restarting as a non-voting learner\"",
                    config.nodeId(), corrupt.getMessage(), aside);
            return new OpenedStorage(MapDbStorage.open(dir, config.fsync(), config.fsyncIntervalMillis()), reason);
        }
    }

    @Override
    public Future<?> start() {
        Future<OpenedStorage> ready = storage != null ? Future.succeededFuture(new OpenedStorage(storage, nonVotingReason))
                : vertx.executeBlocking(() -> openStorage(config));
        return ready.compose(opened -> {
            storage = opened.storage();
            nonVotingReason = opened.nonVotingReason();
            if (nonVotingReason != null) {
                log.warn("event=non_voting node={} reason=\"{}\"", config.nodeId(), nonVotingReason);
            }
            BroadcastLog broadcastLog = new BroadcastLog(storage, config.dedupeWindowMillis());
            SubscriptionHub hub = new SubscriptionHub();
            service = new BroadcastService(vertx, config, broadcastLog, hub, new PublishMetrics(registry), nonVotingReason);
            EventBusTransport transport = new EventBusTransport(vertx);
            RandomGenerator random = RandomGeneratorFactory.<RandomGenerator>of("L64X128MixRandom")
                    .create(System.nanoTime() ^ config.nodeId().hashCode());
            driver = new SequencerDriver(vertx, nonVotingReason == null ? config.paxos() : config.paxos().asNonVoting(),
                    storage, transport, config.tickMillis(),
                    service::onDelivery, random, System::currentTimeMillis);
            service.attach(driver);
            if (config.fsync() == io.paxcast.paxos.storage.FsyncPolicy.INTERVAL) {
                driver.flushEvery(config.fsyncIntervalMillis());
            }
            registerGauges(broadcastLog, hub);
            peers = new PeerStatus(vertx, config.nodeId(), () -> new JsonObject()
                    .put("commitSeq", broadcastLog.headSeq()).put("ready", service.isReady())
                    .put("role", nonVotingReason == null ? "voter" : "learner")
                    .put("kafkaExport", kafka == null ? null : kafka.gossip()));
            peers.start();
            kafka = KafkaBridge.create(vertx, config, service, registry, peers::view);
            if (kafka != null) {
                service.kafkaView(kafka::clusterView);
            }
            HttpApi api = new HttpApi(service, new SubscriptionGateway(service), peers::view,
                    PrometheusScrapingHandler.create(registry), new io.paxcast.broadcast.http.Access(vertx, config.jwtSecret()));
            return driver.start()
                    .compose(v -> transport.ready())
                    .compose(v -> vertx.createHttpServer(new HttpServerOptions().setCompressionSupported(true))
                            .requestHandler(api.router(vertx))
                            .listen(config.httpPort(), config.httpHost()));
        }).onSuccess(s -> {
            server = s;
            if (kafka != null) {
                kafka.start(); // after the node serves: a Kafka problem never keeps it from starting
            }
            if (config.jwtSecret().isBlank()) {
                log.warn("event=auth_disabled node={} note=\"no auth.jwtSecret configured: the node runs open\"",
                        config.nodeId());
            }
            log.info("event=node_started node={} http={}:{} data={} fsync={} voters={}", config.nodeId(),
                    config.httpHost(), s.actualPort(), config.dataDir(), config.fsync(), config.paxos().voters());
        });
    }

    private void registerGauges(BroadcastLog broadcastLog, SubscriptionHub hub) {
        Gauge.builder("paxcast.commit.seq", broadcastLog, BroadcastLog::headSeq)
                .description("messages applied on this node").register(registry);
        Gauge.builder("paxcast.applied.slot", broadcastLog, BroadcastLog::lastSlot).register(registry);
        Gauge.builder("paxcast.chosen.prefix", this, n -> {
            NodeStatus s = n.service.status();
            return s == null ? 0 : s.chosenPrefix();
        }).register(registry);
        Gauge.builder("paxcast.leader", this, n -> {
            NodeStatus s = n.service.status();
            return s != null && "leader".equals(s.role()) ? 1 : 0;
        }).description("1 while this node leads").register(registry);
        Gauge.builder("paxcast.subscribers", hub, SubscriptionHub::size).register(registry);
        Gauge.builder("paxcast.publish.pending", this, n -> n.service.pendingPublishes()).register(registry);
        Gauge.builder("paxcast.storage.groups", this, n -> n.driver.groupsWritten())
                .description("durable write groups (one sync each under fsync=always)").register(registry);
        Gauge.builder("paxcast.ready", this, n -> n.service.isReady() ? 1 : 0).register(registry);
    }

    public int httpPort() {
        return server == null ? -1 : server.actualPort();
    }

    @Override
    public Future<?> stop() {
        log.info("event=node_stopping node={} commitSeq={}", config.nodeId(),
                service == null ? 0 : service.log().headSeq());
        if (peers != null) {
            peers.stop();
        }
        Future<Void> kafkaStopped = kafka == null ? Future.succeededFuture() : kafka.stop();
        Future<Void> closed = kafkaStopped.eventually(() -> server == null ? Future.succeededFuture() : server.close());
        return closed.compose(v -> {
            if (driver != null) {
                driver.stop();
            }
            return vertx.executeBlocking(() -> {
                if (storage != null) {
                    storage.close();
                }
                return null;
            });
        });
    }
}
