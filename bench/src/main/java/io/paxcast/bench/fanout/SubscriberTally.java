package io.paxcast.bench.fanout;

import io.paxcast.bench.peer.Deliveries;

import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What every subscriber of one run reports into: the deliveries (count and publish -> deliver
 * latency, one HdrHistogram recorder that all event-loop threads write to: one histogram per
 * subscriber would take ~200 KB each at 3 significant digits, 1 GB for 5,000), the order
 * violations (a seq or a publisher's number that is not the next one) and the subscriptions that
 * ended early (an error frame, a close). The first {@value #EXAMPLES} of each are kept in words.
 */
public final class SubscriberTally {
    static final int EXAMPLES = 20;

    private final Deliveries deliveries = new Deliveries();
    private final AtomicLong violations = new AtomicLong();
    private final AtomicLong ended = new AtomicLong();
    private final ConcurrentLinkedQueue<String> violationExamples = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<String> endExamples = new ConcurrentLinkedQueue<>();

    public Deliveries deliveries() {
        return deliveries;
    }

    void violation(String what) {
        if (violations.incrementAndGet() <= EXAMPLES) {
            violationExamples.add(what);
        }
    }

    void endedEarly(String what) {
        if (ended.incrementAndGet() <= EXAMPLES) {
            endExamples.add(what);
        }
    }

    public long violations() {
        return violations.get();
    }

    public long endedEarly() {
        return ended.get();
    }

    public List<String> violationExamples() {
        return List.copyOf(violationExamples);
    }

    public List<String> endExamples() {
        return List.copyOf(endExamples);
    }
}
