package io.paxcast.broadcast.kafka;

import io.paxcast.broadcast.api.ApiException;
import io.paxcast.broadcast.service.BroadcastService;
import io.paxcast.broadcast.config.KafkaIngestConfig;
import io.paxcast.broadcast.log.PublishItem;
import io.paxcast.broadcast.log.PublishResult;
import io.paxcast.broadcast.publish.PublishValidator;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.common.PartitionInfo;
import io.vertx.kafka.client.common.TopicPartition;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.kafka.client.consumer.KafkaConsumerRecord;
import io.vertx.kafka.client.consumer.KafkaConsumerRecords;
import io.vertx.kafka.client.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Publishes Kafka records into the total order. Every node with {@code kafka.ingest.*} joins one
 * consumer group, so Kafka spreads the partitions over the nodes.
 *
 * <h2>Why each record appears once, in its partition's order</h2>
 * <ul>
 *   <li>Each record is published with the idempotency key {@code topic/partition/offset}; the
 *       total order dedupes keys deterministically in the log (docs/API.md), so a record consumed again
 *       after a restart or a rebalance appends nothing the second time.</li>
 *   <li>Consumer offsets are committed only after the publish is acknowledged (the records are
 *       durable on a majority), so a crash can only make records come again, never be skipped.</li>
 *   <li>The records of a partition are published in offset order, one batch at a time (a batch is
 *       atomic and contiguous in the order), and a batch is only built once every earlier record of
 *       its partition is in the log. So whatever interleaving retries and redeliveries produce, the
 *       first occurrence of each record, the one that counts, extends the partition's prefix in order.</li>
 * </ul>
 * The dedupe window ({@code publish.dedupeWindowMillis}, 10 minutes) bounds how late a redelivery
 * may come and still be recognised: so a batch is retried for at most a quarter of it (and 2
 * minutes), then the consumer starts again from its committed offset. Offsets are committed after
 * every poll's batches, so a redelivery is normally only of the records of the last poll.
 *
 * <p>Threading: the poll loop and all state live on the node's context.
 */
public final class KafkaIngest {
    private static final Logger log = LoggerFactory.getLogger(KafkaIngest.class);
    private static final long MAX_BACKOFF_MILLIS = 30_000;

    /** How the records of one poll ended up. */
    private record Outcome(int appended, int replayed) {}

    private final Vertx vertx;
    private final String nodeId;
    private final KafkaIngestConfig config;
    private final BroadcastService service;
    private final PublishValidator validator;
    private final KafkaMetrics metrics;
    /** How long one batch is retried before the consumer starts again from its committed offset. */
    private final long retryBudgetMillis;

    private KafkaConsumer<byte[], byte[]> consumer;
    private String state = "stopped";
    private String lastError;
    private boolean stopped;
    private long backoffMillis;
    private long run;

    public KafkaIngest(Vertx vertx, String nodeId, KafkaIngestConfig config, BroadcastService service,
                       int maxPayloadBytes, long dedupeWindowMillis, KafkaMetrics metrics) {
        this.retryBudgetMillis = Math.max(1_000, Math.min(120_000, dedupeWindowMillis / 4));
        this.vertx = vertx;
        this.nodeId = nodeId;
        this.config = config;
        this.service = service;
        this.validator = new PublishValidator(maxPayloadBytes);
        this.metrics = metrics;
        this.backoffMillis = config.retryMillis();
    }

    public void start() {
        stopped = false;
        log.info("event=kafka_ingest_configured node={} servers={} topics={} groupId={} valueFormat={}", nodeId,
                config.bootstrapServers(), config.channels(), config.groupId(), config.valueFormat());
        connect();
    }

    public Future<Void> stop() {
        stopped = true;
        state = "stopped";
        return closeConsumer();
    }

    private void connect() {
        if (stopped) {
            return;
        }
        long myRun = ++run;
        state = "starting";
        List<Future<List<PartitionInfo>>> lookups = new ArrayList<>();
        // the Kafka client is built on a worker: its constructor resolves the bootstrap addresses
        vertx.executeBlocking(() -> new org.apache.kafka.clients.consumer.KafkaConsumer<>(consumerConfig(),
                new ByteArrayDeserializer(), new ByteArrayDeserializer()), false).compose(raw -> {
            KafkaConsumer<byte[], byte[]> created = KafkaConsumer.create(vertx, raw);
            if (myRun != run || stopped) {
                created.close();
                return Future.failedFuture("superseded");
            }
            consumer = created;
            created.exceptionHandler(e -> log.warn("event=kafka_ingest_consumer_error node={} error=\"{}\"", nodeId, e.toString()));
            for (String topic : config.channels().keySet()) {
                lookups.add(created.partitionsFor(topic));
            }
            return Future.all(lookups);
        }).compose(all -> {
            List<String> missing = new ArrayList<>();
            int i = 0;
            for (String topic : config.channels().keySet()) {
                List<PartitionInfo> partitions = lookups.get(i++).result();
                if (partitions == null || partitions.isEmpty()) {
                    missing.add(topic);
                }
            }
            if (!missing.isEmpty()) {
                return Future.failedFuture(new KafkaBridgeException("topic(s) " + missing + " do not exist on "
                        + config.bootstrapServers() + " (create them, or fix kafka.ingest.topics)"));
            }
            return consumer.subscribe(config.channels().keySet());
        }).onComplete(ar -> {
            if (myRun != run || stopped) {
                return;
            }
            if (ar.failed()) {
                fail(ar.cause());
            } else {
                state = "consuming";
                lastError = null;
                log.info("event=kafka_ingest_started node={} topics={} groupId={}", nodeId, config.channels().keySet(), config.groupId());
                poll(myRun);
            }
        });
    }

    private Map<String, Object> consumerConfig() {
        Map<String, Object> c = new HashMap<>(config.clientProperties()); // security, tuning; ours below win
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        c.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, "paxcast-ingest-" + nodeId);
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false"); // committed after the publish is acknowledged
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false"); // a missing topic is an error, not a new topic
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Integer.toString(Math.max(config.batchRecords(), 100) * 4));
        c.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, Long.toString(config.sessionTimeoutMillis()));
        c.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, Long.toString(Math.max(100, config.sessionTimeoutMillis() / 4)));
        c.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(config.timeoutMillis()));
        c.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(Math.min(config.timeoutMillis(), 30_000)));
        return c;
    }

    private void poll(long myRun) {
        if (myRun != run || stopped) {
            return;
        }
        KafkaConsumer<byte[], byte[]> c = consumer; // this run's consumer, also for the commit
        c.poll(Duration.ofMillis(500))
                .compose(records -> publishAll(c, records))
                .onComplete(ar -> {
                    if (myRun != run || stopped) {
                        return;
                    }
                    if (ar.failed()) {
                        fail(ar.cause());
                    } else {
                        backoffMillis = config.retryMillis();
                        poll(myRun);
                    }
                });
    }

    /** Publishes the records of one poll, each partition in order, then commits their offsets. */
    private Future<Void> publishAll(KafkaConsumer<byte[], byte[]> c, KafkaConsumerRecords<byte[], byte[]> records) {
        if (records.isEmpty()) {
            return Future.succeededFuture();
        }
        Map<TopicPartition, List<KafkaConsumerRecord<byte[], byte[]>>> byPartition = new LinkedHashMap<>();
        for (int i = 0; i < records.size(); i++) {
            KafkaConsumerRecord<byte[], byte[]> r = records.recordAt(i);
            byPartition.computeIfAbsent(new TopicPartition(r.topic(), r.partition()), tp -> new ArrayList<>()).add(r);
        }
        List<Future<Outcome>> partitions = new ArrayList<>();
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        byPartition.forEach((tp, list) -> {
            partitions.add(publishInOrder(list, 0, new Outcome(0, 0)));
            offsets.put(tp, new OffsetAndMetadata(list.get(list.size() - 1).offset() + 1, "paxcast " + nodeId));
        });
        return Future.all(partitions).compose(done -> {
            int appended = 0;
            int replayed = 0;
            for (Future<Outcome> f : partitions) {
                appended += f.result().appended();
                replayed += f.result().replayed();
            }
            metrics.ingested(appended, replayed);
            if (stopped) {
                return Future.failedFuture("ingest stopped");
            }
            return c.commit(offsets)
                    .<Void>mapEmpty()
                    .recover(e -> {
                        // a rebalance took the partition away: its new owner consumes the records again
                        // and their keys make that harmless
                        log.warn("event=kafka_ingest_commit_failed node={} error=\"{}\"", nodeId, e.toString());
                        metrics.ingestError();
                        return Future.succeededFuture();
                    });
        });
    }

    /** Publishes {@code records[from..]} of one partition, a batch at a time, each after the previous one is acknowledged. */
    private Future<Outcome> publishInOrder(List<KafkaConsumerRecord<byte[], byte[]>> records, int from, Outcome sofar) {
        if (stopped) {
            return Future.failedFuture("ingest stopped"); // never commit offsets of records not published
        }
        if (from >= records.size()) {
            return Future.succeededFuture(sofar);
        }
        int to = Math.min(records.size(), from + config.batchRecords());
        List<PublishItem> items = new ArrayList<>(to - from);
        for (KafkaConsumerRecord<byte[], byte[]> r : records.subList(from, to)) {
            PublishItem item = toItem(r);
            if (item != null) {
                items.add(item);
            }
        }
        return publishWithRetry(items).compose(results -> {
            int replayed = (int) results.stream().filter(PublishResult::replay).count();
            return publishInOrder(records, to, new Outcome(sofar.appended() + results.size() - replayed,
                    sofar.replayed() + replayed));
        });
    }

    /**
     * Publishes one batch until it is acknowledged. A timeout (no quorum yet) or an overload is
     * retried with the same batch and keys, so a first attempt that was ordered late appends nothing twice.
     */
    private Future<List<PublishResult>> publishWithRetry(List<PublishItem> items) {
        if (items.isEmpty()) {
            return Future.succeededFuture(List.of());
        }
        Promise<List<PublishResult>> done = Promise.promise();
        attempt(items, done, config.retryMillis(), System.currentTimeMillis() + retryBudgetMillis);
        return done.future();
    }

    private void attempt(List<PublishItem> items, Promise<List<PublishResult>> done, long delay, long giveUpAt) {
        if (stopped) {
            done.tryFail("ingest stopped");
            return;
        }
        service.publish(items).onComplete(ar -> {
            if (ar.succeeded()) {
                done.tryComplete(ar.result());
                return;
            }
            metrics.ingestError();
            String why = ar.cause() instanceof ApiException api ? api.code + ": " + api.getMessage() : ar.cause().toString();
            if (System.currentTimeMillis() + delay > giveUpAt) {
                // stop retrying well inside the dedupe window: the consumer starts again from the
                // committed offset, and every retry, this one or that one, carries the same keys
                done.tryFail(new KafkaBridgeException("publishing " + items.size() + " records from " + items.get(0).key()
                        + " failed for " + retryBudgetMillis + " ms (" + why + "); consuming again from the committed offset"));
                return;
            }
            log.warn("event=kafka_ingest_publish_retry node={} first={} items={} error=\"{}\" retryInMillis={}", nodeId,
                    items.get(0).key(), items.size(), why, delay);
            vertx.setTimer(delay, t -> attempt(items, done, Math.min(MAX_BACKOFF_MILLIS, delay * 2), giveUpAt));
        });
    }

    /** The message a record becomes, or null (counted, logged, skipped) when it cannot be one. */
    PublishItem toItem(KafkaConsumerRecord<byte[], byte[]> r) {
        String key = r.topic() + "/" + r.partition() + "/" + r.offset();
        String data = payload(r.value());
        if (data == null) {
            metrics.rejected();
            log.warn("event=kafka_ingest_rejected node={} record={} reason=\"{}\"", nodeId, key, r.value() == null
                    ? "no value (tombstone)" : "the value is not a JSON document (kafka.ingest.valueFormat=json)");
            return null;
        }
        try {
            validator.checkSize(data);
        } catch (ApiException tooLarge) {
            metrics.rejected();
            log.warn("event=kafka_ingest_rejected node={} record={} reason=\"payload over publish.maxPayloadBytes ({})\"",
                    nodeId, key, validator.maxPayloadBytes());
            return null;
        }
        return new PublishItem(config.channels().get(r.topic()), key, data);
    }

    private String payload(byte[] value) {
        if (value == null) {
            return null;
        }
        if (config.valueFormat() == KafkaIngestConfig.ValueFormat.STRING) {
            return Json.encode(new String(value, StandardCharsets.UTF_8));
        }
        try {
            return Json.encode(Json.decodeValue(Buffer.buffer(value)));
        } catch (DecodeException e) {
            return null;
        }
    }

    private void fail(Throwable cause) {
        metrics.ingestError();
        lastError = KafkaErrors.describe(cause, config.bootstrapServers(), config.timeoutMillis());
        state = "error";
        log.error("event=kafka_ingest_error node={} servers={} error=\"{}\" retryInMillis={}", nodeId,
                config.bootstrapServers(), lastError, backoffMillis);
        long delay = backoffMillis;
        backoffMillis = Math.min(MAX_BACKOFF_MILLIS, backoffMillis * 2);
        closeConsumer().onComplete(v -> vertx.setTimer(delay, t -> connect()));
    }

    private Future<Void> closeConsumer() {
        run++;
        KafkaConsumer<byte[], byte[]> closing = consumer;
        consumer = null;
        return closing == null ? Future.succeededFuture() : closing.close().recover(e -> Future.succeededFuture());
    }

    public JsonObject status() {
        JsonObject topics = new JsonObject();
        config.channels().forEach(topics::put);
        JsonObject s = new JsonObject().put("state", state.toLowerCase(Locale.ROOT)).put("groupId", config.groupId())
                .put("topics", topics);
        if (lastError != null) {
            s.put("error", lastError);
        }
        return s;
    }
}
