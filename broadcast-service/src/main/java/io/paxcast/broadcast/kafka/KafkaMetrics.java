package io.paxcast.broadcast.kafka;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.util.concurrent.TimeUnit;

/** The Kafka bridge's counters and timers (its gauges are registered by {@link KafkaBridge}). */
public final class KafkaMetrics {
    private final Counter exported;
    private final Counter exportErrors;
    private final Timer exportBatch;
    private final Counter ingested;
    private final Counter ingestReplayed;
    private final Counter ingestRejected;
    private final Counter ingestErrors;

    public KafkaMetrics(MeterRegistry registry) {
        exported = Counter.builder("paxcast.kafka.export.records").description("records this node committed to the export topic")
                .register(registry);
        exportErrors = Counter.builder("paxcast.kafka.export.errors").description("export runs ended by an error or a fence")
                .register(registry);
        exportBatch = Timer.builder("paxcast.kafka.export.batch").description("one export transaction, begin to commit")
                .publishPercentiles(0.5, 0.99).register(registry);
        ingested = Counter.builder("paxcast.kafka.ingest.records").description("Kafka records appended to the total order")
                .register(registry);
        ingestReplayed = Counter.builder("paxcast.kafka.ingest.replayed")
                .description("Kafka records consumed again (restart, rebalance) and recognised by their idempotency key")
                .register(registry);
        ingestRejected = Counter.builder("paxcast.kafka.ingest.rejected")
                .description("Kafka records skipped: not JSON under valueFormat=json, or over publish.maxPayloadBytes")
                .register(registry);
        ingestErrors = Counter.builder("paxcast.kafka.ingest.errors").description("ingest errors (Kafka or publish), each retried")
                .register(registry);
    }

    void exported(int records, long nanos) {
        exported.increment(records);
        exportBatch.record(nanos, TimeUnit.NANOSECONDS);
    }

    void exportError() {
        exportErrors.increment();
    }

    void ingested(int appended, int replayed) {
        ingested.increment(appended);
        ingestReplayed.increment(replayed);
    }

    void rejected() {
        ingestRejected.increment();
    }

    void ingestError() {
        ingestErrors.increment();
    }
}
