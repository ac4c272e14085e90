package io.paxcast.bench.peer;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * The client design every system gets: one thread publishing {@code payloadBytes}-byte messages
 * with at most {@code window} unacknowledged at any time, either as fast as acks come back
 * (closed loop) or at a fixed rate. At a fixed rate each message's latency is timed from its
 * INTENDED send time (start + i / rate), also when the window or the client held it up, so a
 * stall is not hidden by sending less (no coordinated omission).
 *
 * <p>After the measured seconds it waits (bounded) for every outstanding ack and for the
 * subscriber to have received every acknowledged message; what is still missing then makes the
 * run broken ({@link Result#broken()}).
 */
final class WindowedLoad {
    static final long MAX_NANOS = TimeUnit.SECONDS.toNanos(60);
    private static final Duration DRAIN = Duration.ofSeconds(30);
    private static final long LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    /** One run's figures; {@code targetRate} is 0 for a closed-loop run. */
    record Result(int window, double targetRate, long sent, long acked, long errors, long lost, long undelivered,
                  double throughput, Histogram ack, Histogram deliver, String firstError) {
        boolean broken() {
            return errors > 0 || lost > 0 || undelivered > 0;
        }

        String problem() {
            return String.format("%d errors, %d acks lost, %d acknowledged messages not delivered%s", errors, lost,
                    undelivered, firstError == null ? "" : " (first error: " + firstError + ")");
        }
    }

    private final Publisher publisher;
    private final Deliveries deliveries;
    private final int payloadBytes;

    WindowedLoad(Publisher publisher, Deliveries deliveries, int payloadBytes) {
        this.publisher = publisher;
        this.deliveries = deliveries;
        this.payloadBytes = payloadBytes;
    }

    /** As many messages as {@code window} allows, for {@code seconds}. */
    Result closedLoop(int window, double seconds) throws InterruptedException {
        return run(window, 0, seconds);
    }

    /** {@code rate} messages/s, never more than {@code window} unacknowledged, for {@code seconds}. */
    Result fixedRate(double rate, int window, double seconds) throws InterruptedException {
        return run(window, rate, seconds);
    }

    private Result run(int window, double rate, double seconds) throws InterruptedException {
        Semaphore permits = new Semaphore(window);
        Recorder ack = new Recorder(MAX_NANOS, 3);
        AtomicLong acked = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        AtomicReference<String> firstError = new AtomicReference<>();
        long deliveredBefore = deliveries.count();
        deliveries.takeLatency(); // drop what an earlier run left in the recorder

        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        double interval = rate > 0 ? 1e9 / rate : 0;
        long sent = 0;
        long lastFlush = start;
        long ackedAtEnd;
        while (true) {
            long stamp = 0;
            if (rate > 0) {
                stamp = start + (long) (sent * interval);
                if (stamp >= end) {
                    break;
                }
                long now = System.nanoTime();
                long wait = stamp - now;
                if (wait > 0) {
                    // a batching client sends what it holds before a pause, but lingers up to 1 ms
                    // first: flushing before every sub-millisecond pause made batches of 1
                    if (wait >= LINGER_NANOS || now - lastFlush >= LINGER_NANOS) {
                        publisher.flush();
                        lastFlush = now;
                    }
                    LockSupport.parkNanos(wait); // pacing to the intended time, not synchronisation
                }
            } else if (System.nanoTime() >= end) {
                break;
            }
            if (!permits.tryAcquire()) {
                publisher.flush();
                if (!permits.tryAcquire(DRAIN.toMillis(), TimeUnit.MILLISECONDS)) {
                    errors.incrementAndGet();
                    firstError.compareAndSet(null, "no ack for " + DRAIN + " with a full window");
                    break;
                }
            }
            long t0 = rate > 0 ? stamp : System.nanoTime();
            publisher.publish(Payload.make(t0, payloadBytes), error -> {
                if (error == null) {
                    ack.recordValue(Math.min(MAX_NANOS, Math.max(0, System.nanoTime() - t0)));
                    acked.incrementAndGet();
                } else {
                    errors.incrementAndGet();
                    firstError.compareAndSet(null, String.valueOf(error));
                }
                permits.release();
            });
            sent++;
        }
        publisher.flush();
        ackedAtEnd = acked.get();
        double elapsed = (System.nanoTime() - start) / 1e9;

        long lost = 0;
        if (!awaitQuietly(() -> permits.availablePermits() == window)) {
            lost = window - permits.availablePermits();
        }
        long expected = deliveredBefore + acked.get();
        long undelivered = awaitQuietly(() -> deliveries.count() >= expected) ? 0 : expected - deliveries.count();
        return new Result(window, rate, sent, acked.get(), errors.get(), lost, undelivered, ackedAtEnd / elapsed,
                ack.getIntervalHistogram(), deliveries.takeLatency(), firstError.get());
    }

    private static boolean awaitQuietly(Callable<Boolean> condition) {
        try {
            Awaitility.await().atMost(DRAIN).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(10)).until(condition);
            return true;
        } catch (ConditionTimeoutException e) {
            return false;
        }
    }
}
