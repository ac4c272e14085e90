package io.paxcast.bench.peer;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.util.concurrent.atomic.AtomicLong;

/**
 * What the subscriber on another node/server received: a count (so a run can check that every
 * acknowledged message was delivered) and the publish -> deliver latency from each payload's stamp.
 * The fan-out benchmark feeds one of these from every subscriber of a run (the recorder takes
 * concurrent writers).
 */
public final class Deliveries {
    private final AtomicLong count = new AtomicLong();
    private final Recorder latency = new Recorder(WindowedLoad.MAX_NANOS, 3);

    public void received(long sentNanos) {
        long now = System.nanoTime();
        if (sentNanos > 0) {
            latency.recordValue(Math.min(WindowedLoad.MAX_NANOS, Math.max(0, now - sentNanos)));
        }
        count.incrementAndGet();
    }

    public long count() {
        return count.get();
    }

    /** The latencies recorded since the previous call (the recorder then starts afresh). */
    public Histogram takeLatency() {
        return latency.getIntervalHistogram();
    }
}
