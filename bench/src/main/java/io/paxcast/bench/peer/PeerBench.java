package io.paxcast.bench.peer;

import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * Paxcast beside NATS JetStream and Kafka, each started for real here, one system at a time, on
 * fresh data, the systems alternating round after round (A B C A B C ...) so drift hits all of
 * them. Every system gets the same client: one JVM, fixed-size payloads, a window of
 * unacknowledged publishes; then a fixed-rate run at 50% of that round's top-window throughput.
 * Prints the medians over the rounds and Paxcast ÷ peer, writes peer.md/csv/svg, and checks the
 * goals (an unmet goal is reported, not a failure; a broken run — errors, lost acks, missed
 * deliveries — exits 1).
 */
@Command(name = "bench/run peer", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Paxcast vs NATS JetStream vs Kafka, started here, alternating rounds.")
public final class PeerBench implements Callable<Integer> {
    @Option(names = "--rounds", description = "rounds of every system (default 3; smoke 1)")
    Integer rounds;
    @Option(names = "--seconds", description = "measured seconds per run (default 8; smoke 2)")
    Double seconds;
    @Option(names = "--warmup", description = "warm-up seconds at window 64 after each start (default 2; smoke 0.5)")
    Double warmup;
    @Option(names = "--windows", split = ",", description = "unacknowledged publishes at once (default 1,64,1024; smoke 64)")
    List<Integer> windows;
    @Option(names = "--systems", split = ",",
            description = "of nats,kafka,paxcast,paxcast-batch,paxcast5 (default all; smoke nats,kafka,paxcast);"
                    + " diagnostics, only when named: paxcast1 (one node), paxcast-nosync (fsync=none)")
    List<String> systems;
    @Option(names = "--payload", defaultValue = "256", description = "payload bytes (default ${DEFAULT-VALUE})")
    int payload;
    @Option(names = "--batch-items", defaultValue = "64", description = "paxcast-batch: most items per POST (default ${DEFAULT-VALUE})")
    int batchItems;
    @Option(names = "--out", description = "where peer.md, peer.csv, peer.svg go (default bench/target/bench)")
    Path out;
    @Option(names = "--no-rate", description = "skip the fixed-rate run (a long saturation run: --windows 1024 --seconds 600 --no-rate)")
    boolean noRate;
    @Option(names = "--smoke", description = "1 round, 2 s runs, window 64, nats,kafka,paxcast: still every server for real")
    boolean smoke;

    public static void main(String[] args) {
        System.exit(new CommandLine(new PeerBench()).execute(args));
    }

    /** The options of a command line, defaults filled in (for the smoke test). */
    public static PeerBench parse(String... args) {
        PeerBench bench = new PeerBench();
        new CommandLine(bench).parseArgs(args);
        bench.fillDefaults();
        return bench;
    }

    @Override
    public Integer call() throws Exception {
        fillDefaults();
        PeerReport report = run(System.out);
        System.out.println();
        System.out.println(report.markdown());
        System.out.println("written: " + out.resolve("peer.md") + ", peer.csv, peer.svg");
        if (!report.brokenRuns().isEmpty()) {
            System.err.println("FAILED: broken runs: " + report.brokenRuns());
            return 1;
        }
        return 0;
    }

    private void fillDefaults() {
        if (rounds == null) {
            rounds = smoke ? 1 : 3;
        }
        if (seconds == null) {
            seconds = smoke ? 2.0 : 8.0;
        }
        if (warmup == null) {
            warmup = smoke ? 0.5 : 2.0;
        }
        if (windows == null) {
            windows = smoke ? List.of(64) : List.of(1, 64, 1024);
        }
        if (systems == null) {
            systems = smoke ? List.of("nats", "kafka", "paxcast") : PeerSystem.NAMES;
        }
        for (String s : systems) {
            if (!PeerSystem.NAMES.contains(s) && !PeerSystem.DIAGNOSTICS.contains(s)) {
                throw new CommandLine.ParameterException(new CommandLine(this), "unknown system " + s + "; known: "
                        + PeerSystem.NAMES + " and the diagnostics " + PeerSystem.DIAGNOSTICS);
            }
        }
        if (out == null) {
            // bench/run runs from the project root, surefire from bench/: the same directory either way
            out = Files.isDirectory(Path.of("bench", "src")) ? Path.of("bench", "target", "bench") : Path.of("target", "bench");
        }
    }

    public List<String> systems() {
        return List.copyOf(systems);
    }

    /** Every round of every system; the report is also written under {@code --out}. */
    public PeerReport run(PrintStream progress) throws Exception {
        int top = windows.stream().max(Integer::compare).orElseThrow();
        String settings = String.format(Locale.ROOT, "%d rounds x %s, %.1f s per run (+%.1f s warm-up per start), "
                        + "windows %s, %d-byte payloads, fixed rate at 50%% of window %d, one client JVM, loopback",
                rounds, systems, seconds, warmup, windows, payload, top);
        PeerReport report = new PeerReport(systems, windows, settings);
        progress.println("peer benchmark: " + settings);
        for (int round = 1; round <= rounds; round++) {
            for (String system : systems) {
                runSystem(round, system, top, report, progress);
            }
        }
        report.write(out);
        return report;
    }

    private void runSystem(int round, String name, int top, PeerReport report, PrintStream progress) throws Exception {
        String tag = String.format(Locale.ROOT, "round %d/%d %-13s", round, rounds, name);
        Path work = Files.createTempDirectory("paxcast-peer-" + name + "-");
        Deliveries deliveries = new Deliveries();
        double loadBefore = loadAverage();
        report.loadAtStart(loadBefore);
        long t0 = System.nanoTime();
        try (PeerSystem system = PeerSystem.start(name, work, deliveries, batchItems)) {
            progress.printf(Locale.ROOT, "%s started in %.1f s (load average before: %.2f): %s%n", tag,
                    (System.nanoTime() - t0) / 1e9, loadBefore, system.describe());
            WindowedLoad load = new WindowedLoad(system.publisher(), deliveries, payload);
            check(report, tag + " warm-up", load.closedLoop(Math.min(64, top), warmup));
            double topThroughput = Double.NaN;
            for (int w : windows) {
                WindowedLoad.Result r = load.closedLoop(w, seconds);
                check(report, tag + " window " + w, r);
                report.add(name, PeerReport.throughput(w), r.throughput());
                report.add(name, PeerReport.ackP50(w), ms(r.ack(), 50));
                report.add(name, "w" + w + " ack p99 ms", ms(r.ack(), 99));
                report.add(name, "w" + w + " ack max ms", r.ack().getMaxValue() / 1e6);
                report.add(name, "w" + w + " deliver p50 ms", ms(r.deliver(), 50));
                report.add(name, "w" + w + " deliver p99 ms", ms(r.deliver(), 99));
                progress.printf(Locale.ROOT, "%s window %4d: %,9.0f msg/s  ack p50 %7.2f p99 %7.2f max %7.2f ms"
                                + "  deliver p50 %7.2f p99 %7.2f ms%n", tag, w, r.throughput(), ms(r.ack(), 50),
                        ms(r.ack(), 99), r.ack().getMaxValue() / 1e6, ms(r.deliver(), 50), ms(r.deliver(), 99));
                if (w == top) {
                    topThroughput = r.throughput();
                }
            }
            long changes = system.leaderChanges();
            if (changes >= 0) {
                report.add(name, PeerReport.LEADER_CHANGES, changes);
                progress.printf(Locale.ROOT, "%s leader changes since start (warm-up and windows): %d%n", tag, changes);
            }
            if (noRate) {
                return;
            }
            double rate = Math.max(1, topThroughput / 2);
            WindowedLoad.Result fixed = load.fixedRate(rate, top, seconds);
            check(report, tag + " 50% rate", fixed);
            report.add(name, PeerReport.RATE, rate);
            report.add(name, PeerReport.RATE_DELIVER_P50, ms(fixed.deliver(), 50));
            report.add(name, PeerReport.RATE_DELIVER_P99, ms(fixed.deliver(), 99));
            progress.printf(Locale.ROOT, "%s 50%% rate %,9.0f msg/s (achieved %,.0f)  deliver p50 %7.2f p99 %7.2f ms"
                            + " (from the intended send time)%n", tag, rate, fixed.throughput(), ms(fixed.deliver(), 50),
                    ms(fixed.deliver(), 99));
        } catch (Exception e) {
            report.broken(tag + " failed: " + e);
            progress.printf("%s FAILED: %s%n", tag, e);
        } finally {
            deleteTree(work);
        }
    }

    private static void check(PeerReport report, String what, WindowedLoad.Result r) {
        if (r.acked() == 0) {
            report.broken(what + ": nothing acknowledged");
        } else if (r.broken()) {
            report.broken(what + ": " + r.problem());
        }
    }

    /** /proc/loadavg's 1-minute figure, NaN where there is none. */
    public static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    private static double ms(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(percentile) / 1e6;
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
