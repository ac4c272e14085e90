package io.paxcast.bench.fanout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * The rows of a fan-out run (one per system, learners and subscriber count), and what is printed of
 * them: the table, the ratios Paxcast / NATS (deliveries/s, publish -> deliver p99) and the quorum's
 * publish -> ack p99 with learners / without, one check line per "the ack p99 must not grow with
 * learners" goal (an unmet goal is reported, not a failure), then the broken runs and the order
 * violations. Written as markdown (the block of docs/BENCHMARKS.md) and CSV, like the peer report.
 */
public final class FanoutReport {
    /** "Must not grow": the ack p99 with learners may exceed the one without by this factor (run-to-run noise). */
    public static final double ACK_GROWTH_TOLERANCE = 1.25;

    /** One configuration at one subscriber count; latencies in ms, NaN where not measured. */
    public record Row(String system, int learners, int nodes, int subscribers, double rate, long published,
                      long deliveries, double deliveriesPerSecond, double deliverP50, double deliverP99,
                      double deliverMax, double ackP50, double ackP99, long missing, long violations,
                      long endedEarly, double connectSeconds, double loadAtStart) {
        /** What rate x subscribers would give. */
        public double expectedPerSecond() {
            return rate * subscribers;
        }
    }

    /** One goal's check: {@code met} is null when a figure it needs was not measured. */
    public record Goal(String name, Boolean met, String detail) {
        String line() {
            return (met == null ? "NOT MEASURED" : met ? "MET" : "UNMET") + ": " + name + " — " + detail;
        }
    }

    private final String settings;
    private final List<Row> rows = new ArrayList<>();
    private final List<String> broken = new ArrayList<>();
    private final List<String> violationExamples = new ArrayList<>();

    public FanoutReport(String settings) {
        this.settings = settings;
    }

    synchronized void add(Row row) {
        rows.add(row);
    }

    public synchronized void broken(String what) {
        broken.add(what);
    }

    synchronized void violations(String tag, List<String> examples) {
        examples.forEach(e -> violationExamples.add(tag + ": " + e));
    }

    public synchronized List<Row> rows() {
        return List.copyOf(rows);
    }

    /** Runs that failed, lost publishes, missed deliveries or lost subscribers (empty for a sound run). */
    public synchronized List<String> brokenRuns() {
        return List.copyOf(broken);
    }

    /** Order violations over every row. */
    public synchronized long violations() {
        return rows.stream().mapToLong(Row::violations).sum();
    }

    public synchronized Row row(String system, int learners, int subscribers) {
        return rows.stream().filter(r -> r.system().equals(system) && r.learners() == learners
                && r.subscribers() == subscribers).findFirst().orElse(null);
    }

    /** Paxcast (with {@code learners}) deliveries/s ÷ NATS's at that subscriber count; NaN if either is missing. */
    public double deliveriesRatio(int learners, int subscribers) {
        Row p = row("paxcast", learners, subscribers);
        Row n = row("nats", 0, subscribers);
        return p == null || n == null ? Double.NaN : p.deliveriesPerSecond() / n.deliveriesPerSecond();
    }

    /** Paxcast (with {@code learners}) publish -> deliver p99 ÷ NATS's. */
    public double deliverP99Ratio(int learners, int subscribers) {
        Row p = row("paxcast", learners, subscribers);
        Row n = row("nats", 0, subscribers);
        return p == null || n == null ? Double.NaN : p.deliverP99() / n.deliverP99();
    }

    /** The quorum's publish -> ack p99 with {@code learners} edge nodes ÷ with none. */
    public double ackGrowth(int learners, int subscribers) {
        Row with = row("paxcast", learners, subscribers);
        Row without = row("paxcast", 0, subscribers);
        return with == null || without == null ? Double.NaN : with.ackP99() / without.ackP99();
    }

    private synchronized TreeSet<Integer> subscriberCounts() {
        TreeSet<Integer> counts = new TreeSet<>();
        rows.forEach(r -> counts.add(r.subscribers()));
        return counts;
    }

    private synchronized TreeSet<Integer> learnerCounts() {
        TreeSet<Integer> counts = new TreeSet<>();
        rows.stream().filter(r -> r.system().equals("paxcast")).forEach(r -> counts.add(r.learners()));
        return counts;
    }

    public List<Goal> goals() {
        List<Goal> goals = new ArrayList<>();
        for (int subscribers : subscriberCounts()) {
            for (int learners : learnerCounts()) {
                if (learners == 0) {
                    continue;
                }
                double growth = ackGrowth(learners, subscribers);
                String name = String.format(Locale.ROOT, "%,d subscribers: publish->ack p99 with %d learners <= %.2fx"
                        + " without (it must not grow with learners)", subscribers, learners, ACK_GROWTH_TOLERANCE);
                if (Double.isNaN(growth) || Double.isInfinite(growth)) {
                    goals.add(new Goal(name, null, "a configuration it compares was not measured"));
                } else {
                    Row with = row("paxcast", learners, subscribers);
                    Row without = row("paxcast", 0, subscribers);
                    goals.add(new Goal(name, growth <= ACK_GROWTH_TOLERANCE, String.format(Locale.ROOT,
                            "%.2f ms vs %.2f ms = %.2fx", with.ackP99(), without.ackP99(), growth)));
                }
            }
        }
        return goals;
    }

    /** The tables, goals, broken runs and violations, as the markdown block of docs/BENCHMARKS.md. */
    public synchronized String markdown() {
        StringBuilder md = new StringBuilder();
        md.append("Settings: ").append(settings).append("\n\n");
        md.append("| system | learners | nodes | subscribers | published | deliveries/s | of rate × subscribers |"
                + " deliver p50 ms | deliver p99 ms | deliver max ms | ack p50 ms | ack p99 ms | missing |"
                + " order violations | connect s |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Row r : rows) {
            md.append(String.format(Locale.ROOT, "| %s | %s | %d | %,d | %,d | %,.0f | %.0f%% | %s | %s | %s | %s | %s | %,d | %,d | %.1f |%n",
                    r.system(), r.system().equals("nats") ? "–" : Integer.toString(r.learners()), r.nodes(), r.subscribers(),
                    r.published(), r.deliveriesPerSecond(), 100 * r.deliveriesPerSecond() / r.expectedPerSecond(),
                    ms(r.deliverP50()), ms(r.deliverP99()), ms(r.deliverMax()), ms(r.ackP50()), ms(r.ackP99()),
                    r.missing(), r.violations(), r.connectSeconds()));
        }
        if (!learnerCounts().isEmpty()) {
            md.append("\n| subscribers | paxcast learners | deliveries/s ÷ nats | deliver p99 ÷ nats | ack p99 ÷ 0 learners |\n");
            md.append("|---:|---:|---:|---:|---:|\n");
            for (int subscribers : subscriberCounts()) {
                for (int learners : learnerCounts()) {
                    md.append(String.format(Locale.ROOT, "| %,d | %d | %s | %s | %s |%n", subscribers, learners,
                            ratio(deliveriesRatio(learners, subscribers)), ratio(deliverP99Ratio(learners, subscribers)),
                            learners == 0 ? "–" : ratio(ackGrowth(learners, subscribers))));
                }
            }
        }
        List<Double> loads = rows.stream().map(Row::loadAtStart).filter(l -> !Double.isNaN(l)).sorted().toList();
        if (!loads.isEmpty()) {
            md.append(String.format(Locale.ROOT, "%nLoad average (1 min) at the %d system starts: min %.2f, median %.2f,"
                    + " max %.2f (2 cores; it counts the previous system's processes still exiting and anything else running).%n",
                    loads.size(), loads.get(0), loads.get(loads.size() / 2), loads.get(loads.size() - 1)));
        }
        List<Goal> goals = goals();
        if (!goals.isEmpty()) {
            md.append("\nGoals:\n\n");
            goals.forEach(g -> md.append("- ").append(g.line()).append('\n'));
        }
        if (!violationExamples.isEmpty()) {
            md.append("\nORDER VIOLATIONS (first ").append(SubscriberTally.EXAMPLES).append(" of each run):\n\n");
            violationExamples.forEach(v -> md.append("- ").append(v).append('\n'));
        }
        if (!broken.isEmpty()) {
            md.append("\nBROKEN runs:\n\n");
            broken.forEach(b -> md.append("- ").append(b).append('\n'));
        }
        return md.toString();
    }

    /** One line per row, every figure. */
    public synchronized String csv() {
        StringBuilder csv = new StringBuilder("system,learners,nodes,subscribers,rate,published,deliveries,deliveries_per_s,"
                + "expected_per_s,deliver_p50_ms,deliver_p99_ms,deliver_max_ms,ack_p50_ms,ack_p99_ms,missing,order_violations,"
                + "ended_early,connect_s,load_at_start\n");
        for (Row r : rows) {
            csv.append(String.format(Locale.ROOT, "%s,%d,%d,%d,%.3f,%d,%d,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%d,%d,%d,%.3f,%.2f%n",
                    r.system(), r.learners(), r.nodes(), r.subscribers(), r.rate(), r.published(), r.deliveries(),
                    r.deliveriesPerSecond(), r.expectedPerSecond(), r.deliverP50(), r.deliverP99(), r.deliverMax(),
                    r.ackP50(), r.ackP99(), r.missing(), r.violations(), r.endedEarly(), r.connectSeconds(), r.loadAtStart()));
        }
        return csv.toString();
    }

    /** Writes fanout.md and fanout.csv into {@code dir}. */
    public void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("fanout.md"), markdown(), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("fanout.csv"), csv(), StandardCharsets.UTF_8);
    }

    private static String ms(double v) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.2f", v);
    }

    private static String ratio(double v) {
        return Double.isNaN(v) || Double.isInfinite(v) ? "–" : String.format(Locale.ROOT, "%.2f", v);
    }
}
