package io.paxcast.broadcast.service;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.util.concurrent.TimeUnit;

/** Publish-side meters: acknowledged messages, publish latency (submit to applied here), timeouts, refusals. */
public final class PublishMetrics {
    private final Counter messages;
    private final Counter timeouts;
    private final Timer latency;
    private final MeterRegistry registry;

    public PublishMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.messages = Counter.builder("paxcast.published.messages").description("acknowledged messages").register(registry);
        this.timeouts = Counter.builder("paxcast.publish.timeouts").description("publishes answered no_quorum").register(registry);
        this.latency = Timer.builder("paxcast.publish.latency").description("publish to applied on this node")
                .publishPercentiles(0.5, 0.99).register(registry);
    }

    void published(int count, long nanos) {
        messages.increment(count);
        latency.record(nanos, TimeUnit.NANOSECONDS);
    }

    void timedOut() {
        timeouts.increment();
    }

    /** A publish refused before it was submitted, by its error code (overloaded, key_store_full, ...). */
    void refused(String code) {
        Counter.builder("paxcast.publish.refused").description("publishes refused at admission")
                .tag("code", code).register(registry).increment();
    }
}
