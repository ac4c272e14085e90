package io.paxcast.broadcast.service;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.util.concurrent.TimeUnit;

/** Publish-side meters: acknowledged messages, publish latency (submit to applied here), timeouts, refusals. */
public final class PublishMetrics {
    private final Counter messages;
    private final Counter timeouts;
    private final Counter conditionFailures;
    private final Timer latency;
    private final MeterRegistry registry;
    /** Publish latency in microseconds since the last {@link #interval()}: the dashboard's per-second figures. */
    private final org.HdrHistogram.Recorder recent = new org.HdrHistogram.Recorder(3);
    private org.HdrHistogram.Histogram recycled;
    private long refusedTotal;
    private long messagesSinceInterval;

    public PublishMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.messages = Counter.builder("paxcast.published.messages").description("acknowledged messages").register(registry);
        this.conditionFailures = Counter.builder("paxcast.publish.condition.failed")
                .description("conditional publishes decided against: the channel was at another offset").register(registry);
        this.timeouts = Counter.builder("paxcast.publish.timeouts").description("publishes answered no_quorum").register(registry);
        this.latency = Timer.builder("paxcast.publish.latency").description("publish to applied on this node")
                .publishPercentiles(0.5, 0.99).register(registry);
    }

    void published(int count, long nanos) {
        messages.increment(count);
        latency.record(nanos, TimeUnit.NANOSECONDS);
        recent.recordValue(Math.max(1, nanos / 1000));
        messagesSinceInterval += count;
    }

    /**
     * What was acknowledged since the last call, on the node's context: {messages, p50, p99 and max of the
     * publish latency in µs (0 when there was none)}.
     */
    public long[] interval() {
        recycled = recent.getIntervalHistogram(recycled);
        long messages = messagesSinceInterval;
        messagesSinceInterval = 0;
        return new long[] {messages, recycled.getValueAtPercentile(50), recycled.getValueAtPercentile(99),
                recycled.getMaxValue()};
    }

    /** Publishes refused at admission so far (429s and 503s of the service; the HTTP rate limits count apart). */
    public long refusedTotal() {
        return refusedTotal;
    }

    /** A conditional publish the log decided against (409 offset_mismatch). */
    void conditionFailed() {
        conditionFailures.increment();
    }

    void timedOut() {
        timeouts.increment();
    }

    /** A publish refused before it was submitted, by its error code (overloaded, key_store_full, ...). */
    void refused(String code) {
        refusedTotal++;
        Counter.builder("paxcast.publish.refused").description("publishes refused at admission")
                .tag("code", code).register(registry).increment();
    }
}
