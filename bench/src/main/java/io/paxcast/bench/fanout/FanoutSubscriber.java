package io.paxcast.bench.fanout;

/**
 * One subscriber connection of the benchmark (a Paxcast WebSocket, a NATS core subscription). Its
 * handlers run on its Vert.x event loop only; the counters are read by the benchmark's thread.
 */
abstract class FanoutSubscriber {
    final int index;
    final SubscriberTally tally;
    private volatile long received;
    private volatile long lastDeliveryNanos;
    volatile boolean closing;

    FanoutSubscriber(int index, SubscriberTally tally) {
        this.index = index;
        this.tally = tally;
    }

    /** One measured message arrived (called on the event loop, so the plain increment of a volatile is safe). */
    final void delivered(long sentNanos) {
        received = received + 1;
        lastDeliveryNanos = System.nanoTime();
        tally.deliveries().received(sentNanos);
    }

    /** Messages delivered since it subscribed. */
    final long received() {
        return received;
    }

    /** {@link System#nanoTime()} of its latest delivery, 0 before the first. */
    final long lastDeliveryNanos() {
        return lastDeliveryNanos;
    }

    /** The connection ended while the benchmark still counted on it. */
    final void ended(String why) {
        if (!closing) {
            tally.endedEarly("subscriber " + index + ": " + why);
        }
    }

    /** Closes the connection (the benchmark is done with it). */
    abstract void close();
}
