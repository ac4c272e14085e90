package io.paxcast.bench.fanout;

import io.vertx.core.Future;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

/**
 * Opens many subscriber connections from one JVM with at most {@code concurrency} of them between
 * "connect" and "subscribed" at once (thousands of simultaneous handshakes would overrun the
 * servers' accept queues and the 2 cores), and waits until every one is subscribed.
 */
final class BoundedConnects {
    private static final long STALL_SECONDS = 60;

    private BoundedConnects() {
    }

    /**
     * {@code connect.apply(i)} opens subscriber i and completes once it is subscribed; returns them
     * in index order, or throws with the first failure and how many failed.
     */
    static <S> List<S> connectAll(int n, int concurrency, IntFunction<Future<S>> connect, PrintStream progress)
            throws Exception {
        Semaphore permits = new Semaphore(Math.max(1, concurrency));
        List<Future<S>> futures = new ArrayList<>(n);
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        AtomicLong done = new AtomicLong();
        long start = System.nanoTime();
        long lastPrint = start;
        for (int i = 0; i < n; i++) {
            if (!permits.tryAcquire(STALL_SECONDS, TimeUnit.SECONDS)) {
                throw new IllegalStateException("no subscriber connected for " + STALL_SECONDS + " s with " + concurrency
                        + " connecting (" + done.get() + " of " + n + " done)");
            }
            if (!failures.isEmpty()) {
                permits.release();
                break; // one failure is enough to stop; the rest would likely fail the same way
            }
            Future<S> f = connect.apply(i);
            f.onComplete(ar -> {
                if (ar.failed()) {
                    failures.add(ar.cause());
                }
                done.incrementAndGet();
                permits.release();
            });
            futures.add(f);
            long now = System.nanoTime();
            if (now - lastPrint > TimeUnit.SECONDS.toNanos(10)) {
                progress.printf(Locale.ROOT, "  ... %,d of %,d subscribers connected (%.0f s)%n", done.get(), n, (now - start) / 1e9);
                lastPrint = now;
            }
        }
        // every started connect ends (it completes or times out), so this wait is bounded
        if (!permits.tryAcquire(Math.max(1, concurrency), STALL_SECONDS, TimeUnit.SECONDS)) {
            throw new IllegalStateException("connects still pending after " + STALL_SECONDS + " s");
        }
        if (!failures.isEmpty()) {
            Throwable first = failures.peek();
            String hint = String.valueOf(first).contains("Too many open files")
                    ? " (the file descriptor limit: raise `ulimit -n`)" : "";
            throw new IllegalStateException(failures.size() + " of " + futures.size() + " subscribers failed to connect"
                    + hint + "; first: " + first, first);
        }
        List<S> out = new ArrayList<>(n);
        for (Future<S> f : futures) {
            out.add(f.result());
        }
        return out;
    }
}
