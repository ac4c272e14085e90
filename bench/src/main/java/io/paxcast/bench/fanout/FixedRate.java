package io.paxcast.bench.fanout;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Publishes at a fixed total rate from one thread: message i is due at start + i / rate, is stamped
 * with that INTENDED time, and its ack (and each delivery, from the stamp) is timed from it, also
 * when the client or the system held it up: a stall is not hidden by sending less (no coordinated
 * omission; the peer benchmark's fixed-rate runs do the same). Then it waits (bounded) for every
 * outstanding ack.
 */
final class FixedRate {
    static final long MAX_NANOS = TimeUnit.SECONDS.toNanos(60);
    static final Duration DRAIN = Duration.ofSeconds(30);
    /** Unanswered publishes at which the driver gives up (at 20/s: 500 s of backlog). */
    private static final long MAX_OUTSTANDING = 10_000;

    /** One run: {@code ack} is empty where the publisher does not acknowledge. */
    record Result(long sent, long acked, long errors, long lost, String firstError, double seconds, Histogram ack) {
        boolean broken() {
            return errors > 0 || lost > 0;
        }

        String problem() {
            return String.format("%d publishes failed, %d unanswered after %d s%s", errors, lost, DRAIN.toSeconds(),
                    firstError == null ? "" : " (first error: " + firstError + ")");
        }
    }

    private FixedRate() {
    }

    static Result run(FanoutPublisher publisher, double rate, double seconds) {
        Recorder ack = new Recorder(MAX_NANOS, 3);
        AtomicLong acked = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        AtomicLong outstanding = new AtomicLong();
        AtomicReference<String> firstError = new AtomicReference<>();
        boolean timed = publisher.acknowledges();
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        double interval = 1e9 / rate;
        long sent = 0;
        while (true) {
            long stamp = start + (long) (sent * interval);
            if (stamp >= end) {
                break;
            }
            for (long wait = stamp - System.nanoTime(); wait > 0; wait = stamp - System.nanoTime()) {
                LockSupport.parkNanos(wait); // pacing to the intended send time, not synchronisation
            }
            if (outstanding.get() >= MAX_OUTSTANDING) {
                errors.incrementAndGet();
                firstError.compareAndSet(null, MAX_OUTSTANDING + " publishes unanswered at once");
                break;
            }
            outstanding.incrementAndGet();
            publisher.publish(stamp, error -> {
                if (error == null) {
                    if (timed) {
                        ack.recordValue(Math.min(MAX_NANOS, Math.max(0, System.nanoTime() - stamp)));
                    }
                    acked.incrementAndGet();
                } else {
                    errors.incrementAndGet();
                    firstError.compareAndSet(null, String.valueOf(error));
                }
                outstanding.decrementAndGet();
            });
            sent++;
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        long lost = 0;
        try {
            Awaitility.await().atMost(DRAIN).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(10))
                    .until(() -> outstanding.get() == 0);
        } catch (ConditionTimeoutException e) {
            lost = outstanding.get();
        }
        return new Result(sent, acked.get(), errors.get(), lost, firstError.get(), elapsed, ack.getIntervalHistogram());
    }
}
