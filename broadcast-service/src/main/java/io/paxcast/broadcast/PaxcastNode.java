package io.paxcast.broadcast;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.paxcast.broadcast.cluster.PeerStatus;
import io.paxcast.broadcast.cluster.SnapshotTransfer;
import io.paxcast.broadcast.config.NodeConfig;
import io.paxcast.broadcast.http.ConnectionGuard;
import io.paxcast.broadcast.http.PublishRateLimiter;
import io.paxcast.broadcast.status.StatusSampler;
import io.paxcast.broadcast.status.StatusStream;
import io.paxcast.broadcast.http.FlushCoalescing;
import io.paxcast.broadcast.http.HttpApi;
import io.paxcast.broadcast.kafka.KafkaBridge;
import io.paxcast.broadcast.log.BroadcastLog;
import io.paxcast.broadcast.log.LogSnapshot;
import io.paxcast.broadcast.log.MessageIndex;
import io.paxcast.broadcast.log.SnapshotFiles;
import io.paxcast.broadcast.service.BroadcastService;
import io.paxcast.broadcast.service.PublishMetrics;
import io.paxcast.broadcast.service.Snapshots;
import io.paxcast.broadcast.ws.SubscriptionGateway;
import io.paxcast.broadcast.ws.SubscriptionHub;
import io.paxcast.paxos.core.NodeStatus;
import io.paxcast.paxos.storage.MapDbStorage;
import io.paxcast.paxos.transport.EventBusTransport;
import io.paxcast.paxos.transport.TcpTransport;
import io.paxcast.paxos.transport.Transport;
import io.paxcast.paxos.vertx.SequencerDriver;
import io.vertx.core.Future;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.PromiseInternal;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.PrometheusScrapingHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.util.concurrent.TimeUnit;
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
    private ConnectionGuard connections;
    private PublishRateLimiter rates;
    private StatusSampler sampler;
    private StatusStream statusStream;
    private io.paxcast.broadcast.auth.Access access;
    private long pingTimer = -1;
    private SequencerDriver driver;
    private PeerStatus peers;
    private io.paxcast.broadcast.cluster.MembershipAdmin membershipAdmin;
    /** An edge node's own joining and leaving (edge.autoJoin); null on other nodes. */
    private io.paxcast.broadcast.cluster.EdgeMembership edgeMembership;
    private HttpServer server;
    private BroadcastService service;
    private KafkaBridge kafka;
    private Snapshots snapshots;
    private SnapshotTransfer snapshotTransfer;

    /** What a start found on disk: the Paxos store and the newest usable snapshot of the broadcast state. */
    private record Found(MapDbStorage storage, LogSnapshot snapshot) {}

    public PaxcastNode(NodeConfig config, PrometheusMeterRegistry registry) {
        this(config, registry, null);
    }

    /** @param opened the node's storage if the caller opened it already (in parallel with the cluster join) */
    public PaxcastNode(NodeConfig config, PrometheusMeterRegistry registry, MapDbStorage opened) {
        this.config = config;
        this.registry = registry;
        this.storage = opened;
    }

    /** How long a stopping edge node waits for the leader to confirm its removal (edge.autoJoin). */
    static final long EDGE_LEAVE_MILLIS = 4_000;

    /** The directory of the snapshots of the broadcast state, in the data directory. */
    static final String SNAPSHOTS = "snapshots";
    /** The directory of the message index, in the data directory. */
    static final String INDEX = "index";

    /** What older versions wrote next to a store found corrupt; a blank store now rejoins on its own. */
    static final String OLD_NON_VOTING_MARKER = "NON_VOTING";

    /**
     * Opens the node's store, creating the data directory; blocking (about 0.5 s). A store that fails
     * its checks is moved aside (to {@code corrupt-<time>/} in the data directory) and replaced by an
     * empty one: the node cannot prove what it promised, so it starts blank and votes again only once
     * {@link io.paxcast.paxos.core.PaxosNode}'s rejoin proved it safe (DESIGN.md P3-P4); meanwhile it
     * learns the chosen log from its peers and serves it.
     */
    public static MapDbStorage openStorage(NodeConfig config) throws java.io.IOException {
        java.nio.file.Path dir = config.dataDir();
        Files.createDirectories(dir);
        if (Files.deleteIfExists(dir.resolve(OLD_NON_VOTING_MARKER))) {
            log.warn("event=old_non_voting_marker_removed node={} note=\"the store next to it is blank and rejoins safely\"",
                    config.nodeId());
        }
        io.paxcast.broadcast.cluster.BootstrapVoters.check(dir, config.paxos().voters());
        try {
            return new MapDbStorage(dir, config.fsync(), config.fsyncIntervalMillis(), config.segmentBytes());
        } catch (io.paxcast.paxos.storage.StorageException corrupt) {
            java.nio.file.Path aside = dir.resolve("corrupt-" + System.currentTimeMillis());
            Files.createDirectories(aside);
            try (var files = Files.list(dir)) {
                for (java.nio.file.Path p : files.toList()) {
                    String name = p.getFileName().toString();
                    if (!p.equals(aside) && !name.startsWith("corrupt-")) {
                        Files.move(p, aside.resolve(name));
                    }
                }
            }
            log.error("event=storage_corrupt node={} error=\"{}\" action=\"moved to {}; starting blank: a learner until"
                    + " rejoining is proven safe\"", config.nodeId(), corrupt.getMessage(), aside);
            io.paxcast.broadcast.cluster.BootstrapVoters.check(dir, config.paxos().voters());
            return new MapDbStorage(dir, config.fsync(), config.fsyncIntervalMillis(), config.segmentBytes());
        }
    }

    @Override
    public Future<?> start() {
        Future<MapDbStorage> ready = storage != null ? Future.succeededFuture(storage)
                : vertx.executeBlocking(() -> openStorage(config));
        SnapshotFiles snapshotFiles = new SnapshotFiles(config.dataDir().resolve(SNAPSHOTS));
        return ready.compose(opened -> vertx.executeBlocking(() -> new Found(opened,
                snapshotFiles.latest(config.nodeId()).orElse(null)))).compose(found -> {
            storage = found.storage();
            BroadcastLog broadcastLog = broadcastLog(found.snapshot());
            LogSnapshot resumed = broadcastLog.lastSlot() == 0 ? null : found.snapshot();
            snapshots = new Snapshots(vertx, config.nodeId(), config.snapshotIntervalMessages(), broadcastLog,
                    snapshotFiles, config.dataDir().resolve(INDEX), resumed);
            snapshotTransfer = new SnapshotTransfer(vertx, config.nodeId(), snapshotFiles);
            SubscriptionHub hub = new SubscriptionHub();
            // Paxos on connections of its own by default: the event bus waits on Hazelcast's view of a
            // dead or cut-off member (TcpTransport's comment); the event bus stays for everything else.
            Transport transport = config.tcpTransport()
                    ? new TcpTransport(vertx, config.clusterHost(), config.hazelcastPort() + config.paxosPortOffset(),
                            id -> id.equals(config.nodeId()) ? null : config.paxosAddress(id),
                            config.members().stream().map(m -> m.id()).filter(id -> !id.equals(config.nodeId())).toList(),
                            TcpTransport.frameBound(config.paxos(), config.maxPayloadBytes() + 65536L))
                    : new EventBusTransport(vertx);
            if (transport instanceof TcpTransport tcp && config.clusterTls() != null) {
                tcp.withTls(config.clusterTls().keyCert(), config.clusterTls().trust(), config.clusterTls().bindMemberIds());
            }
            RandomGenerator random = RandomGeneratorFactory.<RandomGenerator>of("L64X128MixRandom")
                    .create(System.nanoTime() ^ config.nodeId().hashCode());
            // One way: the service makes the sequencer with its delivery and failure callbacks.
            PublishMetrics publishMetrics = new PublishMetrics(registry);
            service = new BroadcastService(vertx, config, broadcastLog, hub, publishMetrics,
                    (onDelivery, onFailure) -> new SequencerDriver(vertx, config.paxos(), storage, transport,
                            config.tickMillis(), onDelivery, onFailure, random, System::currentTimeMillis,
                            resumed == null ? null : resumed.checkpoint()));
            driver = service.driver();
            service.afterEachSlot(snapshots::afterApply);
            if (config.fsync() == io.paxcast.paxos.storage.FsyncPolicy.INTERVAL) {
                driver.flushEvery(config.fsyncIntervalMillis());
            }
            connections = new ConnectionGuard(config.limits());
            registerGauges(broadcastLog, hub);
            peers = new PeerStatus(vertx, config.nodeId(), () -> new JsonObject()
                    .put("commitSeq", broadcastLog.headSeq()).put("ready", service.isReady())
                    .put("role", driver.status() != null && driver.status().votes() ? "voter" : "learner")
                    .put("edge", !config.paxos().voting()) // an edge node: never to be made a voter
                    .put("http", config.members().stream().filter(m -> m.id().equals(config.nodeId())).findFirst()
                            .map(m -> m.host() + ":" + config.httpPort()).orElse(null))
                    .put("kafkaExport", kafka == null ? null : kafka.gossip())
                    .put("dash", sampler == null ? null : sampler.latest())
                    .put("publishCodec", PUBLISH_CODEC));
            sampler = new StatusSampler(vertx, publishMetrics, () -> dashboardNow(broadcastLog, hub, publishMetrics));
            sampler.start();
            peers.start();
            kafka = KafkaBridge.create(vertx, config, service, registry, peers::view);
            if (kafka != null) {
                service.kafkaView(kafka::clusterView);
            }
            pingTimer = vertx.setPeriodic(config.limits().subscribePingSeconds() * 1000L, t -> hub.pingAll());
            membershipAdmin = new io.paxcast.broadcast.cluster.MembershipAdmin(vertx, config.nodeId(), driver, peers::view,
                    60_000);
            membershipAdmin.start();
            access = new io.paxcast.broadcast.auth.Access(vertx, config.jwtSecret(),
                    config.jwksFile().isBlank() ? null : java.nio.file.Path.of(config.jwksFile()), config.jwksReloadSeconds(),
                    config.jwtIssuer(), config.jwtAudience());
            rates = new PublishRateLimiter(config.limits().publishRatePerIp(), config.limits().publishRatePerToken(),
                    config.limits().publishRateBurstSeconds(), System::nanoTime);
            statusStream = new StatusStream(vertx, sampler, service::clusterView, peers::view);
            SubscriptionGateway gateway = new SubscriptionGateway(service, hub, rates, this::conditionalSupport);
            Gauge.builder("paxcast.http.buffered.input.bytes", gateway.bodies(), io.paxcast.broadcast.http.BodyBudget::reserved)
                    .description("bytes of request bodies and of fragmented WebSocket messages held now (http.maxBufferedBodyBytes)")
                    .register(registry);
            HttpApi api = new HttpApi(service, gateway, peers::view,
                    PrometheusScrapingHandler.create(registry), access,
                    membershipAdmin, rates, statusStream, this::conditionalSupport);
            // HTTP/1.1 only: no h2c. A client that asks to upgrade (the JDK's HttpClient does by default) is
            // answered in HTTP/1.1 on the same connection. Over an h2c upgrade, the overload test's client
            // once read 'xxxx' of a 260 KB history page where a frame header belonged (ProtocolException:
            // frame length 7,895,160 exceeds MAX_FRAME_SIZE), and Vert.x's maintainers advise against the
            // upgrade path; keep-alive with many connections carries the same load.
            HttpServerOptions options = new HttpServerOptions().setCompressionSupported(true)
                    // the gateway closes a client message above subscribe.maxFrameBytes with 1009 (message too
                    // big) and reassembles fragmented ones itself, under that limit and the node's budget of
                    // buffered input (MessageAssembly); a single frame above twice the limit is where Netty
                    // drops the connection without a word (the bound on what one connection may hold)
                    .setMaxWebSocketFrameSize(SubscriptionGateway.backstopBytes(config.limits()))
                    .setMaxWebSocketMessageSize(SubscriptionGateway.backstopBytes(config.limits()))
                    .setHttp2ClearTextEnabled(false)
                    .setIdleTimeout(config.limits().httpIdleTimeoutSeconds())
                    .setReadIdleTimeout(config.limits().httpReadIdleTimeoutSeconds())
                    .setIdleTimeoutUnit(TimeUnit.SECONDS);
            ContextInternal nodeContext = (ContextInternal) vertx.getOrCreateContext();
            return driver.start()
                    .compose(v -> transport instanceof TcpTransport tcp ? tcp.ready()
                            : ((EventBusTransport) transport).ready())
                    .compose(v -> snapshotTransfer.serve())
                    .onSuccess(v -> snapshots.start(driver, snapshotTransfer))
                    // The registration completes on the sequencer's thread. Continue on the node's context:
                    // a server that listens from the sequencer's thread serves its connections there, and
                    // HTTP parsing and WebSocket frames then run beside heartbeats and votes. The promise
                    // must belong to the node's context: a plain Promise.promise() made on the sequencer's
                    // thread would run what follows on that thread again.
                    .transform(ar -> {
                        PromiseInternal<Void> here = nodeContext.promise();
                        here.handle(ar);
                        return here.future();
                    })
                    .compose(v -> vertx.createHttpServer(options)
                            .connectionHandler(connection -> {
                                FlushCoalescing.install(connection);
                                connections.onConnection(connection);
                            })
                            .requestHandler(api.router(vertx))
                            .listen(config.httpPort(), config.httpHost()));
        }).onSuccess(s -> {
            server = s;
            if (kafka != null) {
                kafka.start(); // after the node serves: a Kafka problem never keeps it from starting
            }
            if (config.jwtSecret().isBlank() && config.jwksFile().isBlank()) {
                log.warn("event=auth_disabled node={} note=\"no auth.jwtSecret nor auth.jwksFile configured: the node runs open\"",
                        config.nodeId());
            }
            log.info("event=node_started node={} http={}:{} data={} fsync={} voters={}", config.nodeId(),
                    config.httpHost(), s.actualPort(), config.dataDir(), config.fsync(), config.paxos().voters());
            if (config.edgeAutoJoin()) {
                // in the background: the node serves what it holds meanwhile, and /ready says when it is caught up
                edgeMembership = new io.paxcast.broadcast.cluster.EdgeMembership(vertx, config.nodeId(), driver);
                edgeMembership.join();
            }
        });
    }

    /**
     * The broadcast state to start from: the snapshot's, if there is one and it can be resumed (then the
     * sequencer delivers from the slot after it); else empty, and the log is applied again from slot 1.
     * Either way the result is the same state: it is a function of the log.
     */
    private BroadcastLog broadcastLog(LogSnapshot snapshot) {
        java.nio.file.Path indexDir = config.dataDir().resolve(INDEX);
        if (snapshot != null && snapshot.slot() + 1 < storage.logStart()) {
            log.warn("event=snapshot_not_resumed node={} slot={} error=\"the store was compacted below slot {}\""
                    + " action=\"installing a snapshot from a peer\"", config.nodeId(), snapshot.slot(), storage.logStart());
            snapshot = null;
        }
        if (snapshot != null) {
            try {
                BroadcastLog restored = BroadcastLog.restore(storage, indexDir, snapshot, config.dedupeWindowMillis(),
                        config.retention());
                log.info("event=broadcast_resumed node={} slot={} seq={} note=\"from the snapshot; the log after it is"
                        + " applied again\"", config.nodeId(), snapshot.slot(), snapshot.lastSeq());
                return restored;
            } catch (RuntimeException e) {
                log.warn("event=snapshot_not_resumed node={} slot={} error=\"{}\" action=\"applying the log from slot"
                        + " 1\"", config.nodeId(), snapshot.slot(), e.getMessage());
            }
        }
        // No snapshot: the index is derived from the log, rebuilt by applying it from slot 1 (or, if the
        // store was compacted, the sequencer asks for a peer's snapshot first: Snapshots installs it).
        return new BroadcastLog(storage, MessageIndex.create(indexDir, config.indexSegmentShift()),
                config.dedupeWindowMillis(), config.retention());
    }

    /**
     * The publish payload version this node applies: 2 adds conditional items. Gossiped, so that a
     * conditional publish is refused while a live member runs a version that would fail to apply it
     * (a rolling upgrade): one such command would stop every node of the version before.
     */
    static final int PUBLISH_CODEC = 2;

    /** Null while every live member gossips {@link #PUBLISH_CODEC}, else the 503 to answer a conditional publish. */
    private io.paxcast.broadcast.api.ApiException conditionalSupport() {
        for (java.util.Map.Entry<String, JsonObject> peer : peers.view().entrySet()) {
            JsonObject status = peer.getValue();
            if (status.getBoolean("alive", false) && status.getInteger("publishCodec", 1) < PUBLISH_CODEC) {
                return new io.paxcast.broadcast.api.ApiException(503, "not_supported_yet", "member " + peer.getKey()
                        + " runs a version that cannot apply conditional publishes; upgrade every node first", 30);
            }
        }
        return null;
    }

    /** What the dashboard shows as this node's present ({@link StatusSampler}). */
    private JsonObject dashboardNow(BroadcastLog broadcastLog, SubscriptionHub hub, PublishMetrics publishMetrics) {
        io.paxcast.paxos.core.NodeStatus st = driver.status();
        JsonObject now = new JsonObject().put("node", config.nodeId())
                .put("role", st == null ? "starting" : st.role())
                .put("leader", st != null && st.leaderInTouch() ? st.leaderId() : null)
                .put("ballot", st == null ? null : st.ballot().toString())
                .put("commitSeq", broadcastLog.headSeq())
                .put("earliestSeq", broadcastLog.earliestSeq())
                .put("diskBytes", storage.journalBytes() + storage.mapDbBytes() + broadcastLog.indexDiskBytes())
                .put("subscribers", hub.size())
                .put("slowClosed", hub.slowConsumersClosed())
                .put("refused", publishMetrics.refusedTotal() + (rates == null ? 0 : rates.refused()))
                .put("ready", service.isReady());
        if (st != null && st.membership() != null) {
            now.put("epoch", st.membership().epoch()).put("voters", new io.vertx.core.json.JsonArray(st.membership().voters()))
                    .put("learners", new io.vertx.core.json.JsonArray(st.membership().learners()));
        }
        return now;
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
        io.micrometer.core.instrument.FunctionCounter.builder("paxcast.leader.changes", this, n -> n.driver.leaderChanges())
                .description("new ballots seen leading since this node started (elections)").register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("paxcast.paxos.refused.outsiders", this,
                        n -> n.driver.refusedFromOutsiders())
                .description("Paxos messages refused: their sender is in no configuration this node knows (DESIGN.md P19)")
                .register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("paxcast.leader.losses", this, n -> n.driver.leaderLosses())
                .description("times this node lost touch with its leader").register(registry);
        Gauge.builder("paxcast.subscribers", hub, SubscriptionHub::size).register(registry);
        Gauge.builder("paxcast.publish.pending", this, n -> n.service.pendingPublishes()).register(registry);
        Gauge.builder("paxcast.reads.waiting", this, n -> n.service.waitingReads())
                .description("reads waiting for their minSeq to be applied here").register(registry);
        Gauge.builder("paxcast.storage.groups", this, n -> n.driver.groupsWritten())
                .description("durable write groups (one sync each under fsync=always)").register(registry);
        Gauge.builder("paxcast.ready", this, n -> n.service.isReady() ? 1 : 0).register(registry);
        Gauge.builder("paxcast.publish.pending.bytes", this, n -> n.service.pendingPublishBytes())
                .description("bytes of publishes in flight here").register(registry);
        Gauge.builder("paxcast.sequencer.tracked.bytes", this, n -> {
            NodeStatus s = n.service.status();
            return s == null ? 0 : s.trackedBytes();
        }).description("bytes of submissions this node's sequencer tracks").register(registry);
        Gauge.builder("paxcast.sequencer.queued.bytes", this, n -> {
            NodeStatus s = n.service.status();
            return s == null ? 0 : s.queuedBytes();
        }).description("on the leader, bytes of commands waiting for a slot").register(registry);
        Gauge.builder("paxcast.votes", this, n -> {
            NodeStatus s = n.service.status();
            return s != null && s.votes() ? 1 : 0;
        }).description("1 while this node's acceptor votes (0: a learner, or a blank store rejoining)").register(registry);
        Gauge.builder("paxcast.idempotency.keys", broadcastLog, BroadcastLog::keyCount).register(registry);
        Gauge.builder("paxcast.channels", broadcastLog, BroadcastLog::channelCount).register(registry);
        Gauge.builder("paxcast.index.disk.bytes", broadcastLog, BroadcastLog::indexDiskBytes).register(registry);
        Gauge.builder("paxcast.index.relocated.entries", broadcastLog, BroadcastLog::indexRelocatedEntries)
                .description("channel entries index compaction copied up since the start").register(registry);
        Gauge.builder("paxcast.sequencer.unapplied.bytes", this, n -> n.driver.unappliedBytes())
                .description("bytes of chosen values handed to the application and not applied yet").register(registry);
        Gauge.builder("paxcast.log.earliest.seq", broadcastLog, BroadcastLog::earliestSeq)
                .description("the earliest seq retention keeps (1 until something expired)").register(registry);
        Gauge.builder("paxcast.snapshot.slot", this, n -> n.snapshots.lastSlot())
                .description("the slot of the newest snapshot of the broadcast state on this node (0: none)").register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("paxcast.snapshot.failures", this, n -> n.snapshots.failed())
                .description("snapshots that could not be written or installed (tried again)").register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("paxcast.snapshot.installs", this, n -> n.snapshots.installs())
                .description("snapshots installed from a peer (this node was behind its peers' compaction)").register(registry);
        Gauge.builder("paxcast.log.start.slot", this, n -> n.storage.logStart())
                .description("the first slot this node's Paxos storage still holds (1 until it compacted)").register(registry);
        Gauge.builder("paxcast.storage.journal.bytes", this, n -> n.storage.journalBytes())
                .description("bytes of the Paxos journal's retained segments").register(registry);
        Gauge.builder("paxcast.storage.mapdb.bytes", this, n -> n.storage.mapDbBytes())
                .description("bytes of the Paxos storage's MapDB files (one per journal segment)").register(registry);
        Gauge.builder("paxcast.http.connections", this, n -> n.connections.openConnections()).register(registry);
        Gauge.builder("paxcast.http.connections.refused", this, n -> n.connections.refusedConnections()).register(registry);
        Gauge.builder("paxcast.auth.jwks.reload.failures", this, n -> n.access == null ? 0 : n.access.jwksReloadFailures())
                .description("changed auth.jwksFile contents that could not be used (the keys before stayed)").register(registry);
        Gauge.builder("paxcast.publish.rate.limited", this, n -> n.rates == null ? 0 : n.rates.refused())
                .description("publishes refused by publish.ratePerIp / publish.ratePerToken").register(registry);
        Gauge.builder("paxcast.http.connections.refused.per.ip", this, n -> n.connections.refusedPerAddress())
                .description("connections closed because their client address had http.maxConnectionsPerIp open")
                .register(registry);
        Gauge.builder("paxcast.subscribers.slow.closed", hub, SubscriptionHub::slowConsumersClosed).register(registry);
        Gauge.builder("paxcast.failed", this, n -> n.service.failure() == null ? 0 : 1)
                .description("1 once the node stopped (it could not apply its log)").register(registry);
        new io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics().bindTo(registry);
        new io.micrometer.core.instrument.binder.jvm.JvmGcMetrics().bindTo(registry);
    }

    /** The broadcast layer (for tests in this package). */
    BroadcastService service() {
        return service;
    }

    /** The sequencer this node drives (tests). */
    SequencerDriver sequencer() {
        return driver;
    }

    public int httpPort() {
        return server == null ? -1 : server.actualPort();
    }

    @Override
    public Future<?> stop() {
        log.info("event=node_stopping node={} commitSeq={}", config.nodeId(),
                service == null ? 0 : service.log().headSeq());
        if (edgeMembership != null) {
            // leave first, while the node still talks to the cluster; bounded: Main's hook gives Vert.x 10 s
            io.paxcast.broadcast.cluster.EdgeMembership leaving = edgeMembership;
            edgeMembership = null;
            leaving.stop();
            return leaving.leave(EDGE_LEAVE_MILLIS).compose(v -> stop().mapEmpty());
        }
        if (membershipAdmin != null) {
            membershipAdmin.stop();
            if (access != null) {
                access.close();
            }
        }
        if (peers != null) {
            peers.stop();
        }
        if (snapshots != null) {
            snapshots.stop();
            if (sampler != null) {
                sampler.stop();
            }
            if (statusStream != null) {
                statusStream.stop();
            }
        }
        if (snapshotTransfer != null) {
            snapshotTransfer.stop();
        }
        if (pingTimer >= 0) {
            vertx.cancelTimer(pingTimer);
        }
        Future<Void> kafkaStopped = kafka == null ? Future.succeededFuture() : kafka.stop();
        Future<Void> closed = kafkaStopped.eventually(() -> server == null ? Future.succeededFuture() : server.close());
        return closed.compose(v -> driver == null ? Future.succeededFuture() : driver.stop())
                .compose(v -> snapshots == null ? Future.succeededFuture() : snapshots.idle()).compose(v -> {
            return vertx.executeBlocking(() -> {
                if (service != null) {
                    service.log().close();
                }
                if (storage != null) {
                    storage.close();
                }
                return null;
            });
        });
    }
}
