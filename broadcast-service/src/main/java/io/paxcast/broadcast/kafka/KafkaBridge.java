package io.paxcast.broadcast.kafka;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.paxcast.broadcast.service.BroadcastService;
import io.paxcast.broadcast.config.NodeConfig;
import io.paxcast.paxos.core.NodeStatus;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.Map;
import java.util.function.Supplier;

/**
 * The two directions between Paxcast and Kafka on one node: the {@link KafkaExporter} (the total
 * order into a topic partition; active on the leader only) and the {@link KafkaIngest} (topics into
 * the total order). Either is off unless configured; a Kafka problem shows in the log, in
 * {@code /v1/cluster} and in the metrics, and the rest of the node keeps serving.
 */
public final class KafkaBridge {
    private final BroadcastService service;
    private final KafkaExporter exporter;
    private final KafkaIngest ingest;
    private final Supplier<Map<String, JsonObject>> peers;

    private KafkaBridge(BroadcastService service, KafkaExporter exporter, KafkaIngest ingest,
                        Supplier<Map<String, JsonObject>> peers) {
        this.service = service;
        this.exporter = exporter;
        this.ingest = ingest;
        this.peers = peers;
    }

    /**
     * The bridge the configuration asks for, or null when both directions are off.
     *
     * @param peers the peers' latest status gossip (which carries {@link #gossip()})
     */
    public static KafkaBridge create(Vertx vertx, NodeConfig config, BroadcastService service, MeterRegistry registry,
                                     Supplier<Map<String, JsonObject>> peers) {
        if (config.kafkaExport() == null && config.kafkaIngest() == null) {
            return null;
        }
        KafkaMetrics metrics = new KafkaMetrics(registry);
        KafkaExporter exporter = config.kafkaExport() == null ? null : new KafkaExporter(vertx, config.nodeId(),
                config.kafkaExport(), service.log(), () -> leads(service), metrics);
        KafkaIngest ingest = config.kafkaIngest() == null ? null : new KafkaIngest(vertx, config.nodeId(),
                config.kafkaIngest(), service, config.maxPayloadBytes(), config.dedupeWindowMillis(), metrics);
        KafkaBridge bridge = new KafkaBridge(service, exporter, ingest, peers);
        if (exporter != null) {
            service.onApplied(exporter::onApplied);
            Gauge.builder("paxcast.kafka.export.exporting", exporter, e -> e.state() == KafkaExporter.State.EXPORTING ? 1 : 0)
                    .description("1 while this node exports the total order to Kafka").register(registry);
            Gauge.builder("paxcast.kafka.export.seq", exporter, KafkaExporter::exportedSeq)
                    .description("last seq exported by this node (-1: not exporting)").register(registry);
            Gauge.builder("paxcast.kafka.export.lag", bridge, b -> {
                        Long lag = b.exportLag();
                        return lag == null ? Double.NaN : lag;
                    })
                    .description("messages applied on this node and not yet in the export topic (NaN: no exporter known)")
                    .register(registry);
        }
        return bridge;
    }

    private static boolean leads(BroadcastService service) {
        NodeStatus status = service.status();
        return status != null && "leader".equals(status.role()) && service.driver() != null
                && service.driver().failure() == null;
    }

    public void start() {
        if (exporter != null) {
            exporter.start();
        }
        if (ingest != null) {
            ingest.start();
        }
    }

    public Future<Void> stop() {
        Future<Void> a = exporter == null ? Future.succeededFuture() : exporter.stop();
        Future<Void> b = ingest == null ? Future.succeededFuture() : ingest.stop();
        return Future.all(a, b).mapEmpty();
    }

    /** What this node tells its peers (the status gossip), so every node can show who exports. */
    public JsonObject gossip() {
        return exporter == null ? null : exporter.status();
    }

    /**
     * The {@code kafka} section of {@code /v1/cluster}: the export as this node sees it (who exports,
     * up to which seq, the lag behind this node's log) and this node's ingest.
     */
    public JsonObject clusterView() {
        JsonObject view = new JsonObject();
        if (exporter != null) {
            JsonObject export = exporter.status()
                    .put("topic", exporter.config().topic())
                    .put("partition", exporter.config().partition());
            Exporting current = exporting();
            export.put("exporter", current == null ? null : current.node());
            if (current != null) {
                export.put("exportedSeq", current.seq());
                export.put("lag", Math.max(0, service.log().headSeq() - current.seq()));
            }
            view.put("export", export);
        }
        if (ingest != null) {
            view.put("ingest", ingest.status());
        }
        return view;
    }

    private record Exporting(String node, long seq) {}

    /** Who exports: this node, or the live peer whose gossip says so. */
    private Exporting exporting() {
        if (exporter.state() == KafkaExporter.State.EXPORTING) {
            return new Exporting(service.config().nodeId(), exporter.exportedSeq());
        }
        for (Map.Entry<String, JsonObject> e : peers.get().entrySet()) {
            JsonObject k = e.getValue().getJsonObject("kafkaExport");
            if (k != null && e.getValue().getBoolean("alive", false) && "exporting".equals(k.getString("state"))
                    && k.getLong("exportedSeq") != null) {
                return new Exporting(e.getKey(), k.getLong("exportedSeq"));
            }
        }
        return null;
    }

    private Long exportLag() {
        Exporting current = exporting();
        return current == null ? null : Math.max(0, service.log().headSeq() - current.seq());
    }
}
