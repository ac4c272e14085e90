package io.paxcast.faults.history;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Checks a fault-suite {@link History} against the wire contract (docs/API.md), Jepsen
 * style: pure and deterministic (same history, same anomalies in the same order), no I/O, no clock.
 *
 * <p>Properties, each reported as an {@link Anomaly} of its kind:
 * <ul>
 *   <li>AGREEMENT: every node spanning a seq holds the same message there (channel, offset, payload,
 *       key), and every frame carrying a seq carries that message;</li>
 *   <li>LOST_WRITE: every OK publish is at its acknowledged seq, with its channel, offset and payload;</li>
 *   <li>INTEGRITY: the log holds only published messages, on their channel, never one whose every
 *       attempt FAILED; the log is well formed (seqs once, without holes; offsets 1, 2, 3... per
 *       channel); frames only of subscribed channels;</li>
 *   <li>DUPLICATE: a logical publish (one payload and key, any number of attempts) occupies at most one
 *       seq;</li>
 *   <li>SUBSCRIBER_ORDER, SUBSCRIBER_GAP: each subscriber's sessions form one strictly increasing stream
 *       that skips no message of its channels up to its last frame;</li>
 *   <li>REAL_TIME_ORDER: a publish acknowledged before another was invoked has the lower seq;</li>
 *   <li>RECOVERY: after settling every node's log reaches the longest one's last seq, and every
 *       subscriber still open at the end receives the last message of its channels within
 *       {@code recoveryBound} of max(faults end, that message's acknowledgement).</li>
 * </ul>
 * About a second for 100k publishes and a million frames; memory linear in the history. A checker
 * holds no state between calls: one instance may check any number of histories, from any thread.
 */
public final class Checker {
    /** Details kept per kind unless told otherwise; counts stay exact beyond it. */
    public static final int DEFAULT_MAX_PER_KIND = 10_000;

    private final int maxPerKind;

    public Checker() {
        this(DEFAULT_MAX_PER_KIND);
    }

    /** A checker keeping at most {@code maxPerKind} anomaly details per kind (counts stay exact). */
    public Checker(int maxPerKind) {
        if (maxPerKind < 1) {
            throw new IllegalArgumentException("maxPerKind must be at least 1: " + maxPerKind);
        }
        this.maxPerKind = maxPerKind;
    }

    /** The anomalies of {@code h}: empty when the history satisfies every property. */
    public List<Anomaly> check(History h, Duration recoveryBound) {
        return analyze(h, recoveryBound).anomalies();
    }

    /**
     * Every check over {@code h}: the anomalies, their exact counts and each subscriber's recovery.
     *
     * @throws IllegalArgumentException if the history is malformed (an OK publish without a seq, a frame
     *                                  of a session it does not list, a session listed twice)
     */
    public CheckResult analyze(History h, Duration recoveryBound) {
        Objects.requireNonNull(h, "history");
        Objects.requireNonNull(recoveryBound, "recoveryBound");
        AnomalySink sink = new AnomalySink(maxPerKind);
        long t0 = start(h);
        LogIndex log = LogIndex.of(h.finalLogs());
        PublishIndex pubs = PublishIndex.of(h.publishes());
        LogChecks.check(log, sink);
        PublishChecks.check(pubs, log, t0, sink);
        List<CheckResult.Recovery> recoveries = SubscriberChecks.check(h, log, pubs, recoveryBound, t0, sink);
        return new CheckResult(sink.anomalies(), sink.counts(), recoveries, recoveryBound);
    }

    /** The first instant the history records (the origin of the "t=" times in anomaly details). */
    static long start(History h) {
        long t0 = h.faultsEndNanos();
        for (PublishOp op : h.publishes()) {
            t0 = Math.min(t0, op.invokeNanos());
        }
        for (Subscription s : h.subscriptions()) {
            t0 = Math.min(t0, s.openedNanos());
        }
        return t0;
    }
}
