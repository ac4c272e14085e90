package io.paxcast.bench;

import io.paxcast.bench.fanout.FanoutReport;
import io.paxcast.bench.fanout.FanoutRun;
import io.paxcast.testkit.nats.NatsCluster;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * Fan-out: many WebSocket subscribers spread over the nodes, a fixed publish rate, deliveries/s and
 * publish -> deliver latency, with 0 and with 2 learners (edge nodes); the quorum's publish -> ack
 * p99 must not grow with the learners. In the same run, the same subscribers on NATS core subjects
 * (3 nats-server) give the ratio. For each subscriber count: Paxcast with each learner count (a
 * fresh cluster each, through a private copy of bin/paxcast-local), then NATS. Prints the table,
 * writes fanout.md and fanout.csv; exits 1 when a run broke (errors, lost publishes, missed
 * deliveries, subscriptions closed early) or a subscriber saw a seq out of order or a gap.
 */
@Command(name = "bench/run fanout", mixinStandardHelpOptions = true, sortOptions = false,
        description = "WebSocket fan-out: 100/1,000/5,000 subscribers over the nodes, 0 vs 2 learners, beside NATS core.")
public final class FanoutBench implements Callable<Integer> {
    /** The client JVM's descriptors beyond one per subscriber (jars, the publishers' pools, Vert.x, the JIT). */
    private static final long FD_HEADROOM = 512;

    @Option(names = "--subscribers", split = ",", description = "subscriber counts (default 100,1000,5000; smoke 10)")
    List<Integer> subscribers;
    @Option(names = "--learners", split = ",", description = "edge nodes beside the 3 voters (default 0,2)")
    List<Integer> learners;
    @Option(names = "--systems", split = ",", description = "of paxcast,nats (default both)")
    List<String> systems;
    @Option(names = "--rate", defaultValue = "20",
            description = "messages/s published in total (default ${DEFAULT-VALUE}: 100,000 deliveries/s at 5,000 subscribers)")
    double rate;
    @Option(names = "--seconds", description = "measured seconds per run (default 20; smoke 2)")
    Double seconds;
    @Option(names = "--warmup", description = "warm-up seconds at the rate after the subscribers are in (default 3; smoke 1)")
    Double warmup;
    @Option(names = "--payload", defaultValue = "256", description = "payload bytes (default ${DEFAULT-VALUE})")
    int payload;
    @Option(names = "--connect-concurrency", defaultValue = "50",
            description = "subscribers connecting at once (default ${DEFAULT-VALUE})")
    int connectConcurrency;
    @Option(names = "--base-port", defaultValue = "9280",
            description = "PAXCAST_BASE_PORT of the clusters: node k on HTTP port BASE+k (default ${DEFAULT-VALUE})")
    int basePort;
    @Option(names = "--root", description = "the repository's root, where bin/paxcast-local is (default: found from the working directory)")
    Path root;
    @Option(names = "--out", description = "where fanout.md and fanout.csv go (default bench/target/bench)")
    Path out;
    @Option(names = "--smoke", description = "10 subscribers, 2 s, each configuration once: every server for real")
    boolean smoke;

    public static void main(String[] args) {
        System.exit(new CommandLine(new FanoutBench()).execute(args));
    }

    /** The options of a command line, defaults filled in (for the smoke test). */
    public static FanoutBench parse(String... args) {
        FanoutBench bench = new FanoutBench();
        new CommandLine(bench).parseArgs(args);
        bench.fillDefaults();
        return bench;
    }

    @Override
    public Integer call() throws Exception {
        fillDefaults();
        String fds = checkFileDescriptors();
        if (fds != null) {
            System.err.println(fds);
            return 2;
        }
        FanoutReport report = run(System.out);
        System.out.println();
        System.out.println(report.markdown());
        System.out.println("written: " + out.resolve("fanout.md") + ", fanout.csv");
        int status = 0;
        if (!report.brokenRuns().isEmpty()) {
            System.err.println("FAILED: broken runs: " + report.brokenRuns());
            status = 1;
        }
        if (report.violations() > 0) {
            System.err.println("FAILED: " + report.violations() + " order violations (seq out of order or a gap)");
            status = 1;
        }
        return status;
    }

    private void fillDefaults() {
        if (subscribers == null) {
            subscribers = smoke ? List.of(10) : List.of(100, 1000, 5000);
        }
        if (learners == null) {
            learners = List.of(0, 2);
        }
        if (systems == null) {
            systems = List.of("paxcast", "nats");
        }
        if (seconds == null) {
            seconds = smoke ? 2.0 : 20.0;
        }
        if (warmup == null) {
            warmup = smoke ? 1.0 : 3.0;
        }
        CommandLine cl = new CommandLine(this);
        for (String s : systems) {
            if (!s.equals("paxcast") && !s.equals("nats")) {
                throw new CommandLine.ParameterException(cl, "unknown system " + s + "; known: paxcast, nats");
            }
        }
        if (learners.stream().anyMatch(l -> l < 0 || l > 90) || subscribers.stream().anyMatch(n -> n < 1) || rate <= 0) {
            throw new CommandLine.ParameterException(cl, "learners are 0..90, subscribers at least 1, the rate above 0");
        }
        if (root == null) {
            // bench/run runs from the project root, surefire from bench/
            root = Files.isRegularFile(Path.of("bin", "paxcast-local")) ? Path.of("").toAbsolutePath()
                    : Path.of("").toAbsolutePath().getParent();
        }
        if (out == null) {
            out = Files.isDirectory(Path.of("bench", "src")) ? Path.of("bench", "target", "bench") : Path.of("target", "bench");
        }
    }

    public List<String> systems() {
        return List.copyOf(systems);
    }

    public List<Integer> learners() {
        return List.copyOf(learners);
    }

    public List<Integer> subscriberCounts() {
        return List.copyOf(subscribers);
    }

    /**
     * Null when this JVM may open every subscriber's connection, else what to do. Each node process and
     * nats-server inherit the same limit from the shell and hold at most as many connections.
     */
    public String checkFileDescriptors() {
        long need = subscribers.stream().mapToLong(Integer::longValue).max().orElse(0) + FD_HEADROOM;
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (!(os instanceof com.sun.management.UnixOperatingSystemMXBean)) {
            System.out.println("file descriptors: the limit is unknown on this platform; " + need + " needed");
            return null;
        }
        long limit = ((com.sun.management.UnixOperatingSystemMXBean) os).getMaxFileDescriptorCount();
        System.out.printf(Locale.ROOT, "file descriptors: limit %,d (ulimit -n), this run needs about %,d in the client JVM%n",
                limit, need);
        if (limit < need) {
            return String.format(Locale.ROOT, "FAILED: ulimit -n is %,d, too low for %,d subscribers from one JVM (needs about"
                    + " %,d): raise it first, e.g. `ulimit -n 65536` (up to `ulimit -Hn`), or ask for fewer --subscribers", limit,
                    need - FD_HEADROOM, need);
        }
        return null;
    }

    /** Every configuration at every subscriber count; the report is also written under {@code --out}. */
    public FanoutReport run(PrintStream progress) throws Exception {
        String settings = String.format(Locale.ROOT, "subscribers %s; paxcast with %s learners (3 voters, fsync=always,"
                        + " HTTP publish to the voters)%s; fixed rate %.0f msg/s in total, %.1f s measured after %.1f s warm-up;"
                        + " %d-byte payloads; one client JVM (Vert.x, non-blocking), loopback", subscribers, learners,
                systems.contains("nats") ? ", nats core (3 nats-server)" : "", rate, seconds, warmup, payload);
        FanoutReport report = new FanoutReport(settings);
        progress.println("fan-out benchmark: " + settings);
        if (systems.contains("nats") && !NatsCluster.installed()) {
            report.broken("nats-server is not on the PATH (apt-get install -y nats-server)");
        }
        FanoutRun runner = new FanoutRun(root, basePort, payload, rate, seconds, warmup, connectConcurrency);
        for (int n : subscribers) {
            if (systems.contains("paxcast")) {
                for (int l : learners) {
                    runner.paxcast(l, n, report, progress);
                }
            }
            if (systems.contains("nats") && NatsCluster.installed()) {
                runner.nats(n, report, progress);
            }
        }
        report.write(out);
        return report;
    }
}
