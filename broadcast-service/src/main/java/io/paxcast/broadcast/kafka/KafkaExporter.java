package io.paxcast.broadcast.kafka;

import io.paxcast.broadcast.config.KafkaExportConfig;
import io.paxcast.broadcast.log.BroadcastLog;
import io.paxcast.broadcast.log.PublishedMessage;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Writes the total order into one Kafka topic partition, exactly once and in {@code seq} order: key
 * = channel, value = the payload (JSON), headers {@code paxcast-seq}, {@code paxcast-channel},
 * {@code paxcast-offset}, {@code paxcast-ts}, record timestamp = {@code ts}.
 *
 * <h2>Why exactly once</h2>
 * Only the Paxos leader exports. Leadership alone cannot make the exporter unique (an old leader,
 * cut off, believes it leads until it notices), so Kafka fences: every node's exporter uses the
 * same {@code transactional.id}, and {@code initTransactions()} of a new exporter bumps the producer
 * epoch, aborts (or completes) the old exporter's open transaction and makes its further sends and
 * commits fail. The new exporter then reads the committed tail ({@link ExportTail}) and continues
 * with the next seq. Each batch is one transaction, so a crash leaves either all of it or none.
 * Hence: at most one exporter commits at a time, each starts from what is committed, and the seqs
 * of every node's log are the same (the log is replicated): no gap, no duplicate, never out of order.
 *
 * <p>Threading: every method runs on the node's context; Kafka calls complete back on it.
 */
public final class KafkaExporter {
    private static final Logger log = LoggerFactory.getLogger(KafkaExporter.class);
    private static final long MAX_BACKOFF_MILLIS = 30_000;

    /** standby: not the leader; starting: fencing and reading the tail; exporting; error: waiting to retry. */
    public enum State { STANDBY, STARTING, EXPORTING, ERROR }

    private final Vertx vertx;
    private final String nodeId;
    private final KafkaExportConfig config;
    private final BroadcastLog broadcastLog;
    private final BooleanSupplier leads;
    private final KafkaMetrics metrics;

    private State state = State.STANDBY;
    /** Bumped whenever a run ends: callbacks of an older run find it changed and do nothing. */
    private long run;
    private KafkaProducer<String, byte[]> producer;
    /** Every message with seq <= this is in the topic (or filtered out); -1: unknown (not exporting). */
    private long exportedSeq = -1;
    private boolean inFlight;
    private String lastError;
    private long retryAtMillis;
    private long backoffMillis;
    private long timer = -1;

    public KafkaExporter(Vertx vertx, String nodeId, KafkaExportConfig config, BroadcastLog broadcastLog,
                         BooleanSupplier leads, KafkaMetrics metrics) {
        this.vertx = vertx;
        this.nodeId = nodeId;
        this.config = config;
        this.broadcastLog = broadcastLog;
        this.leads = leads;
        this.metrics = metrics;
        this.backoffMillis = config.retryMillis();
    }

    public void start() {
        timer = vertx.setPeriodic(200, t -> check());
        log.info("event=kafka_export_configured node={} servers={} topic={} partition={} channels={} transactionalId={}",
                nodeId, config.bootstrapServers(), config.topic(), config.partition(), config.channels(),
                config.transactionalId());
    }

    public Future<Void> stop() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
            timer = -1;
        }
        return endRun(State.STANDBY);
    }

    /** New messages were applied here. */
    public void onApplied() {
        if (state == State.EXPORTING) {
            pump();
        }
    }

    private void check() {
        boolean leader = leads.getAsBoolean();
        if (!leader) {
            if (state != State.STANDBY) {
                log.info("event=kafka_export_stopped node={} reason=\"no longer the leader\" exportedSeq={}", nodeId, exportedSeq);
                endRun(State.STANDBY);
                lastError = null;
                backoffMillis = config.retryMillis();
            }
            return;
        }
        if (state == State.STANDBY || (state == State.ERROR && System.currentTimeMillis() >= retryAtMillis)) {
            begin();
        } else if (state == State.EXPORTING) {
            pump();
        }
    }

    /**
     * Fence every earlier exporter, then find where the export stopped. The Kafka client is built on
     * a worker: its constructor resolves the bootstrap addresses, which may block or fail.
     */
    private void begin() {
        state = State.STARTING;
        long myRun = ++run;
        vertx.executeBlocking(() -> new org.apache.kafka.clients.producer.KafkaProducer<>(producerConfig(),
                        new StringSerializer(), new ByteArraySerializer()), false)
                .compose(raw -> {
                    KafkaProducer<String, byte[]> created = KafkaProducer.create(vertx, raw);
                    // every send's failure also reaches its future, which decides; without this
                    // handler each one would be logged again as an unhandled exception
                    created.exceptionHandler(e -> log.debug("event=kafka_export_send_failed node={} error=\"{}\"", nodeId, e.toString()));
                    if (myRun != run) {
                        created.close(0);
                        return Future.failedFuture("superseded");
                    }
                    producer = created;
                    return created.initTransactions();
                })
                .compose(v -> myRun != run ? Future.failedFuture("superseded")
                        : vertx.executeBlocking(() -> ExportTail.lastExportedSeq(config, "paxcast-export-tail-" + nodeId), false))
                .onComplete(ar -> {
                    if (myRun != run) {
                        return;
                    }
                    if (ar.failed()) {
                        fail(ar.cause(), "starting");
                        return;
                    }
                    exportedSeq = ar.result();
                    state = State.EXPORTING;
                    lastError = null;
                    backoffMillis = config.retryMillis();
                    log.info("event=kafka_export_started node={} topic={} partition={} lastExportedSeq={} headSeq={}",
                            nodeId, config.topic(), config.partition(), exportedSeq, broadcastLog.headSeq());
                    pump();
                });
    }

    private Map<String, Object> producerConfig() {
        Map<String, Object> c = new HashMap<>(config.clientProperties()); // security, tuning; ours below win
        c.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        c.put(ProducerConfig.CLIENT_ID_CONFIG, "paxcast-export-" + nodeId);
        c.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, config.transactionalId());
        c.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        c.put(ProducerConfig.ACKS_CONFIG, "all");
        c.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(config.timeoutMillis()));
        long request = Math.min(config.timeoutMillis(), 30_000);
        c.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(request));
        c.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Long.toString(Math.max(config.timeoutMillis(), request + 5)));
        // at most the broker's default transaction.max.timeout.ms (15 min), or initTransactions fails
        c.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, Long.toString(Math.min(900_000, Math.max(60_000, 2 * config.timeoutMillis()))));
        c.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        return c;
    }

    /** Exports the next batch when none is in flight. */
    private void pump() {
        if (state != State.EXPORTING || inFlight) {
            return;
        }
        long head = broadcastLog.headSeq();
        List<PublishedMessage> batch = new ArrayList<>();
        long scanned = exportedSeq;
        long scanLimit = exportedSeq + 4L * config.batchMessages(); // bound the reads per turn of the event loop
        try {
            while (scanned < head && scanned < scanLimit && batch.size() < config.batchMessages()) {
                PublishedMessage m = broadcastLog.message(scanned + 1);
                scanned++;
                if (config.channels().matches(m.channel())) {
                    batch.add(m);
                }
            }
        } catch (RuntimeException unreadable) {
            fail(unreadable, "reading seq " + (scanned + 1) + " from the local log");
            return;
        }
        if (batch.isEmpty()) {
            if (scanned > exportedSeq) {
                exportedSeq = scanned; // only filtered-out messages: nothing to write
                vertx.runOnContext(v -> pump());
            }
            return;
        }
        inFlight = true;
        long myRun = run;
        long upTo = scanned;
        long started = System.nanoTime();
        // every step uses this run's producer and stops if the run ended meanwhile: a late step of
        // an old run must never touch the transaction of a newer one
        KafkaProducer<String, byte[]> p = producer;
        p.beginTransaction()
                .compose(v -> {
                    if (myRun != run) {
                        return Future.failedFuture("superseded");
                    }
                    List<Future<?>> sends = new ArrayList<>(batch.size());
                    for (PublishedMessage m : batch) {
                        sends.add(p.send(record(m)));
                    }
                    return Future.all(sends);
                })
                .compose(v -> myRun != run ? Future.failedFuture("superseded") : p.commitTransaction())
                .onComplete(ar -> {
                    if (myRun != run) {
                        return;
                    }
                    inFlight = false;
                    if (ar.failed()) {
                        fail(ar.cause(), "exporting seq " + batch.get(0).seq() + ".." + batch.get(batch.size() - 1).seq());
                        return;
                    }
                    exportedSeq = upTo;
                    metrics.exported(batch.size(), System.nanoTime() - started);
                    pump();
                });
    }

    private KafkaProducerRecord<String, byte[]> record(PublishedMessage m) {
        KafkaProducerRecord<String, byte[]> record = KafkaProducerRecord.create(config.topic(), m.channel(),
                m.dataJson().getBytes(StandardCharsets.UTF_8), m.ts(), config.partition());
        record.addHeader(ExportTail.SEQ_HEADER, Long.toString(m.seq()));
        record.addHeader("paxcast-channel", m.channel());
        record.addHeader("paxcast-offset", Long.toString(m.offset()));
        record.addHeader("paxcast-ts", Long.toString(m.ts()));
        return record;
    }

    private void fail(Throwable cause, String during) {
        boolean fenced = isFenced(cause);
        String message = KafkaErrors.describe(cause, config.bootstrapServers(), config.timeoutMillis());
        endRun(State.ERROR);
        lastError = (fenced ? "fenced by another exporter" : message) + " (while " + during + ")";
        retryAtMillis = System.currentTimeMillis() + backoffMillis;
        if (fenced) {
            log.warn("event=kafka_export_fenced node={} note=\"another node's exporter took over; retrying in {} ms if this node still leads\"",
                    nodeId, backoffMillis);
        } else {
            log.error("event=kafka_export_error node={} servers={} topic={} error=\"{}\" retryInMillis={}",
                    nodeId, config.bootstrapServers(), config.topic(), lastError, backoffMillis);
        }
        metrics.exportError();
        backoffMillis = Math.min(MAX_BACKOFF_MILLIS, backoffMillis * 2);
    }

    private Future<Void> endRun(State next) {
        run++;
        inFlight = false;
        state = next;
        exportedSeq = next == State.STANDBY ? -1 : exportedSeq;
        KafkaProducer<String, byte[]> closing = producer;
        producer = null;
        if (closing == null) {
            return Future.succeededFuture();
        }
        // closing a transactional producer aborts its open transaction; a fenced one just closes
        return closing.close(2_000).recover(e -> Future.succeededFuture());
    }

    private static boolean isFenced(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ProducerFencedException || t instanceof InvalidProducerEpochException) {
                return true;
            }
        }
        return false;
    }

    public State state() {
        return state;
    }

    public long exportedSeq() {
        return exportedSeq;
    }

    /** This node's view of the export, for /v1/cluster and the status gossip. */
    public JsonObject status() {
        JsonObject s = new JsonObject().put("state", state.name().toLowerCase(java.util.Locale.ROOT));
        if (exportedSeq >= 0) {
            s.put("exportedSeq", exportedSeq);
        }
        if (lastError != null) {
            s.put("error", lastError);
        }
        return s;
    }

    public KafkaExportConfig config() {
        return config;
    }
}
