package io.paxcast.bench.fanout;

import io.paxcast.bench.peer.PeerBench;
import org.HdrHistogram.Histogram;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One configuration at one subscriber count, from start to stop: start the system on fresh data,
 * open the subscribers (spread round-robin over its nodes), publish at the fixed rate for the
 * warm-up and let it drain, then the measured seconds, then wait (bounded) until every subscriber
 * holds every acknowledged message. Adds a row to the report; a failure, a lost publish, a missed
 * delivery or a subscription that ended early marks the run broken, an order violation is counted
 * in the row (both make the benchmark exit 1).
 */
public final class FanoutRun {
    private final Path root;
    private final int basePort;
    private final int payloadBytes;
    private final double rate;
    private final double seconds;
    private final double warmup;
    private final int connectConcurrency;

    public FanoutRun(Path root, int basePort, int payloadBytes, double rate, double seconds, double warmup,
                     int connectConcurrency) {
        this.root = root;
        this.basePort = basePort;
        this.payloadBytes = payloadBytes;
        this.rate = rate;
        this.seconds = seconds;
        this.warmup = warmup;
        this.connectConcurrency = connectConcurrency;
    }

    /**
     * What every Paxcast node of a run with {@code subscribers} needs beyond its defaults
     * (docs/CONFIG.md), as PAXCAST_* variables: room for every connection (any one node could be handed
     * all of them), and a WebSocket queue that holds what the drain deadline lets pile up at the rate
     * before a subscriber is closed as a slow consumer (the defaults, 4,096 frames / 1 MiB, are
     * enough at 20 messages/s; set explicitly, so the run's settings are on record).
     */
    public Map<String, String> nodeEnv(int subscribers) {
        long backlog = (long) Math.ceil(rate * FixedRate.DRAIN.toSeconds());
        long frameBytes = payloadBytes + 160L; // the frame's own fields around the payload
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PAXCAST_HTTP_MAXCONNECTIONS", Integer.toString(Math.max(2048, subscribers + 256)));
        env.put("PAXCAST_HTTP_MAXCONNECTIONSPERIP", Integer.toString(Math.max(1024, subscribers + 256))); // all from loopback
        env.put("PAXCAST_SUBSCRIBE_MAXQUEUEDFRAMES", Long.toString(Math.max(4096, backlog)));
        env.put("PAXCAST_SUBSCRIBE_MAXQUEUEDBYTES", Long.toString(Math.max(1L << 20, backlog * frameBytes)));
        return env;
    }

    /** Paxcast: 3 voters and {@code learners} edge nodes, {@code subscribers} WebSockets over all of them. */
    public void paxcast(int learners, int subscribers, FanoutReport report, PrintStream progress) {
        String tag = String.format(Locale.ROOT, "paxcast, %d learners, %,d subscribers", learners, subscribers);
        Map<String, String> env = nodeEnv(subscribers);
        progress.printf("%s: node settings set for this run: %s (defaults: 2048, 4096, 1048576; docs/CONFIG.md)%n", tag,
                env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList());
        double load = PeerBench.loadAverage();
        long t0 = System.nanoTime();
        try (FanoutSystem system = PaxcastFanout.start(root, learners, basePort, env, payloadBytes)) {
            progress.printf(Locale.ROOT, "%s: started in %.1f s (load average before: %.2f): %s%n", tag,
                    (System.nanoTime() - t0) / 1e9, load, system.describe());
            measure(system, subscribers, load, tag, report, progress);
        } catch (Exception e) {
            report.broken(tag + " failed: " + e);
            progress.printf("%s: FAILED: %s%n", tag, e);
        }
    }

    /** NATS core: 3 servers, {@code subscribers} connections over them. */
    public void nats(int subscribers, FanoutReport report, PrintStream progress) {
        String tag = String.format(Locale.ROOT, "nats, %,d subscribers", subscribers);
        double load = PeerBench.loadAverage();
        long t0 = System.nanoTime();
        try (FanoutSystem system = NatsFanout.start(payloadBytes)) {
            progress.printf(Locale.ROOT, "%s: started in %.1f s (load average before: %.2f): %s%n", tag,
                    (System.nanoTime() - t0) / 1e9, load, system.describe());
            measure(system, subscribers, load, tag, report, progress);
        } catch (Exception e) {
            report.broken(tag + " failed: " + e);
            progress.printf("%s: FAILED: %s%n", tag, e);
        }
    }

    private void measure(FanoutSystem system, int n, double load, String tag, FanoutReport report, PrintStream progress)
            throws Exception {
        SubscriberTally tally = new SubscriberTally();
        long t0 = System.nanoTime();
        List<FanoutSubscriber> subscribers = system.subscribe(n, connectConcurrency, tally, progress);
        double connectSeconds = (System.nanoTime() - t0) / 1e9;
        progress.printf(Locale.ROOT, "%s: %,d subscribers on %d nodes subscribed in %.1f s (at most %d connecting at once)%n",
                tag, n, system.nodes(), connectSeconds, connectConcurrency);

        long expected = 0; // messages every subscriber must receive: every acknowledged one since it subscribed
        if (warmup > 0) {
            FixedRate.Result w = FixedRate.run(system.publisher(), rate, warmup);
            expected += w.acked();
            if (!allReceived(subscribers, expected)) {
                progress.printf("%s: warm-up deliveries incomplete after %d s (counted in the run's missing)%n", tag,
                        FixedRate.DRAIN.toSeconds());
            }
            if (w.broken()) {
                progress.printf("%s: warm-up: %s%n", tag, w.problem());
            }
        }
        tally.deliveries().takeLatency(); // the warm-up's latencies are not measured
        long before = tally.deliveries().count();
        long start = System.nanoTime();
        FixedRate.Result r = FixedRate.run(system.publisher(), rate, seconds);
        expected += r.acked();
        allReceived(subscribers, expected);
        long last = subscribers.stream().mapToLong(FanoutSubscriber::lastDeliveryNanos).max().orElse(start);
        long deliveries = tally.deliveries().count() - before;
        // over the publishing seconds, or until the last delivery when the subscribers fell behind
        double perSecond = deliveries / Math.max(seconds, (last - start) / 1e9);
        long missing = 0;
        for (FanoutSubscriber s : subscribers) {
            missing += Math.max(0, expected - s.received());
        }
        Histogram deliver = tally.deliveries().takeLatency();
        Histogram ack = r.ack();
        FanoutReport.Row row = new FanoutReport.Row(system.system(), system.learners(), system.nodes(), n, rate, r.acked(),
                deliveries, perSecond, ms(deliver, 50), ms(deliver, 99), max(deliver), ms(ack, 50), ms(ack, 99), missing,
                tally.violations(), tally.endedEarly(), connectSeconds, load);
        report.add(row);
        progress.printf(Locale.ROOT, "%s: %,d published at %.0f/s in %.1f s; %,.0f deliveries/s (%.0f%% of rate x subscribers);"
                        + " deliver p50 %.2f p99 %.2f max %.2f ms; ack p99 %s; missing %,d; order violations %,d%n", tag,
                r.acked(), rate, r.seconds(), perSecond, 100 * perSecond / row.expectedPerSecond(), row.deliverP50(),
                row.deliverP99(), row.deliverMax(), Double.isNaN(row.ackP99()) ? "– (no acks)"
                        : String.format(Locale.ROOT, "%.2f ms", row.ackP99()), missing, tally.violations());
        if (r.broken()) {
            report.broken(tag + ": " + r.problem());
        }
        if (r.acked() == 0) {
            report.broken(tag + ": nothing published");
        }
        if (missing > 0) {
            report.broken(tag + ": " + missing + " deliveries of acknowledged messages missing after "
                    + FixedRate.DRAIN.toSeconds() + " s");
        }
        if (tally.endedEarly() > 0) {
            report.broken(tag + ": " + tally.endedEarly() + " subscriptions ended early: " + tally.endExamples());
        }
        if (tally.violations() > 0) {
            report.violations(tag, tally.violationExamples());
            progress.printf("%s: ORDER VIOLATIONS: %d, the first: %s%n", tag, tally.violations(), tally.violationExamples());
        }
    }

    /** Waits (bounded) until every subscriber received {@code expected} messages; false if some did not. */
    private static boolean allReceived(List<FanoutSubscriber> subscribers, long expected) {
        try {
            Awaitility.await().atMost(FixedRate.DRAIN).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(10))
                    .until(() -> subscribers.stream().allMatch(s -> s.received() >= expected));
            return true;
        } catch (ConditionTimeoutException e) {
            return false;
        }
    }

    private static double ms(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(percentile) / 1e6;
    }

    private static double max(Histogram h) {
        return h.getTotalCount() == 0 ? Double.NaN : h.getMaxValue() / 1e6;
    }
}
