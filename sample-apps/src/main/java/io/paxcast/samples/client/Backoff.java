package io.paxcast.samples.client;

import java.time.Duration;

/** Doubling pauses between retries, from {@code first} up to {@code max}. Not for tests: clients only. */
public final class Backoff {
    private final long maxMillis;
    private long nextMillis;
    private final long firstMillis;

    public Backoff(Duration first, Duration max) {
        this.firstMillis = first.toMillis();
        this.nextMillis = firstMillis;
        this.maxMillis = max.toMillis();
    }

    /** Sleeps for the next pause; an interrupt ends it early and stays set. */
    public void pause() {
        try {
            Thread.sleep(nextMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        nextMillis = Math.min(maxMillis, nextMillis * 2);
    }

    /** After a success: the next pause is the first one again. */
    public void reset() {
        nextMillis = firstMillis;
    }
}
