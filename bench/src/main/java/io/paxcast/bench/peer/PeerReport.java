package io.paxcast.bench.peer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The figures of every round, and what is printed of them: each figure's median over the rounds
 * per system, the ratio Paxcast (3 nodes, WebSocket) / peer, and one check line per goal. Written
 * as markdown (the block docs/BENCHMARKS.md holds), CSV (every round's value) and an SVG bar chart.
 */
public final class PeerReport {
    /** The Paxcast figures the ratios and goals are about. */
    static final String PAXCAST = "paxcast";
    static final List<String> PEERS = List.of("nats", "kafka");

    private final List<String> systems;
    private final List<Integer> windows;
    private final Map<String, Map<String, List<Double>>> values = new LinkedHashMap<>();
    private final Set<String> metrics = new LinkedHashSet<>();
    private final List<String> broken = new ArrayList<>();
    private final List<Double> loads = new ArrayList<>();
    private final String settings;

    PeerReport(List<String> systems, List<Integer> windows, String settings) {
        this.systems = List.copyOf(systems);
        this.windows = List.copyOf(windows);
        this.settings = settings;
    }

    /** One goal's check: {@code met} is null when a figure it needs was not measured. */
    public record Goal(String name, Boolean met, String detail) {
        String line() {
            return (met == null ? "NOT MEASURED" : met ? "MET" : "UNMET") + ": " + name + " — " + detail;
        }
    }

    static String throughput(int window) {
        return "w" + window + " msg/s";
    }

    static String ackP50(int window) {
        return "w" + window + " ack p50 ms";
    }

    static final String RATE = "50% rate msg/s";
    static final String RATE_DELIVER_P50 = "50% rate deliver p50 ms";
    static final String RATE_DELIVER_P99 = "50% rate deliver p99 ms";
    /** Elections during a Paxcast run, from its nodes' own counter (the target under saturation: 0). */
    static final String LEADER_CHANGES = "leader changes";

    void add(String system, String metric, double value) {
        metrics.add(metric);
        values.computeIfAbsent(system, s -> new LinkedHashMap<>()).computeIfAbsent(metric, m -> new ArrayList<>()).add(value);
    }

    /** The machine's 1-minute load average when a system was started (2 cores: above 2 means contention). */
    void loadAtStart(double load) {
        loads.add(load);
    }

    void broken(String what) {
        broken.add(what);
    }

    /** Runs that lost acks, saw errors or missed deliveries (empty for a sound run). */
    public List<String> brokenRuns() {
        return List.copyOf(broken);
    }

    /** The median over the rounds, or NaN if not measured. */
    public double median(String system, String metric) {
        List<Double> v = values.getOrDefault(system, Map.of()).get(metric);
        if (v == null || v.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = new ArrayList<>(v);
        Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    /** Paxcast's median / the peer's median for a metric (NaN if either is missing). */
    public double ratio(String peer, String metric) {
        return median(PAXCAST, metric) / median(peer, metric);
    }

    /** How many ratio cells of the table hold a number. */
    public long ratioCells() {
        return PEERS.stream().filter(systems::contains)
                .flatMap(peer -> metrics.stream().map(m -> ratio(peer, m)))
                .filter(r -> !Double.isNaN(r) && !Double.isInfinite(r)).count();
    }

    public List<Goal> goals() {
        int top = windows.stream().max(Integer::compare).orElse(1024);
        List<Goal> goals = new ArrayList<>();
        for (String peer : PEERS) {
            goals.add(atLeast("window " + top + " throughput >= 1.0x " + peer, ratio(peer, throughput(top)), 1.0,
                    "Paxcast / " + peer));
        }
        // the goal is about one message in flight: not measured unless window 1 ran
        goals.add(atMost("window-1 ack p50 <= 1 ms", median(PAXCAST, ackP50(1)), 1.0));
        goals.add(atMost("50%-rate publish->deliver p99 <= 15 ms", median(PAXCAST, RATE_DELIVER_P99), 15.0));
        goals.add(atLeast("5 nodes >= 0.7x throughput of 3 (window " + top + ")",
                median("paxcast5", throughput(top)) / median(PAXCAST, throughput(top)), 0.7, "paxcast5 / paxcast"));
        return goals;
    }

    private static Goal atLeast(String name, double ratio, double goal, String what) {
        if (Double.isNaN(ratio)) {
            return new Goal(name, null, "a system it compares was not run");
        }
        return ratio >= goal
                ? new Goal(name, true, String.format(Locale.ROOT, "%s = %.2fx", what, ratio))
                : new Goal(name, false, String.format(Locale.ROOT, "%s = %.2fx, %.2fx short (needs %.1fx more)", what,
                ratio, goal - ratio, goal / ratio));
    }

    private static Goal atMost(String name, double millis, double goal) {
        if (Double.isNaN(millis)) {
            return new Goal(name, null, "Paxcast (3 nodes) was not run or the figure was not measured");
        }
        return millis <= goal
                ? new Goal(name, true, String.format(Locale.ROOT, "%.2f ms", millis))
                : new Goal(name, false, String.format(Locale.ROOT, "%.2f ms, %.2f ms over (%.1fx the goal)", millis,
                millis - goal, millis / goal));
    }

    /** The table and the goals, as the markdown block of docs/BENCHMARKS.md. */
    public String markdown() {
        List<String> peers = PEERS.stream().filter(systems::contains).filter(p -> systems.contains(PAXCAST)).toList();
        StringBuilder md = new StringBuilder();
        md.append("Settings: ").append(settings).append("\n\n");
        md.append("| figure (median of rounds) |");
        systems.forEach(s -> md.append(' ').append(s).append(" |"));
        peers.forEach(p -> md.append(" paxcast ÷ ").append(p).append(" |"));
        md.append("\n|---|");
        systems.forEach(s -> md.append("---:|"));
        peers.forEach(p -> md.append("---:|"));
        md.append('\n');
        for (String m : metrics) {
            md.append("| ").append(m).append(" |");
            for (String s : systems) {
                md.append(' ').append(format(m, median(s, m))).append(" |");
            }
            for (String p : peers) {
                double r = ratio(p, m);
                md.append(' ').append(Double.isNaN(r) || Double.isInfinite(r) ? "–" : String.format(Locale.ROOT, "%.2f", r))
                        .append(" |");
            }
            md.append('\n');
        }
        if (!loads.isEmpty()) {
            List<Double> sorted = loads.stream().sorted().toList();
            md.append(String.format(Locale.ROOT, "%nLoad average (1 min) at the %d system starts: min %.2f, median %.2f,"
                    + " max %.2f (2 cores; it counts the previous system's processes still exiting and anything else running, so compare it between runs, not with 2).%n", sorted.size(),
                    sorted.get(0), sorted.get(sorted.size() / 2), sorted.get(sorted.size() - 1)));
        }
        md.append("\nGoals (Paxcast = 3 nodes, WebSocket publish):\n\n");
        goals().forEach(g -> md.append("- ").append(g.line()).append('\n'));
        if (!broken.isEmpty()) {
            md.append("\nBROKEN runs:\n\n");
            broken.forEach(b -> md.append("- ").append(b).append('\n'));
        }
        return md.toString();
    }

    private static String format(String metric, double v) {
        if (Double.isNaN(v)) {
            return "–";
        }
        return metric.endsWith("msg/s") ? String.format(Locale.ROOT, "%,.0f", v) : String.format(Locale.ROOT, "%.2f", v);
    }

    /** system,metric,median,round1,round2,... */
    public String csv() {
        StringBuilder csv = new StringBuilder("system,metric,median,rounds\n");
        for (String s : systems) {
            for (String m : metrics) {
                List<Double> v = values.getOrDefault(s, Map.of()).get(m);
                if (v == null) {
                    continue;
                }
                csv.append(s).append(',').append(m).append(',').append(String.format(Locale.ROOT, "%.3f", median(s, m)))
                        .append(',').append(v.stream().map(x -> String.format(Locale.ROOT, "%.3f", x))
                                .collect(Collectors.joining(" "))).append('\n');
            }
        }
        return csv.toString();
    }

    /** Median throughput per window, one bar per system; each window group has its own scale. */
    public String svg() {
        int barHeight = 18;
        int labelWidth = 120;
        int plotWidth = 460;
        int groupGap = 34;
        int height = 40 + windows.size() * (systems.size() * (barHeight + 4) + groupGap);
        String[] colours = {"#4e79a7", "#f28e2b", "#59a14f", "#76b7b2", "#e15759", "#b07aa1"};
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
                + " font-family=\"sans-serif\" font-size=\"12\">%n", labelWidth + plotWidth + 110, height));
        svg.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        svg.append("<text x=\"10\" y=\"20\" font-size=\"14\" font-weight=\"bold\">Acknowledged msg/s by window"
                + " (median of rounds; each group has its own scale)</text>\n");
        int y = 40;
        for (int w : windows) {
            String metric = throughput(w);
            double max = systems.stream().mapToDouble(s -> median(s, metric)).filter(v -> !Double.isNaN(v)).max().orElse(1);
            svg.append(String.format(Locale.ROOT, "<text x=\"10\" y=\"%d\" font-weight=\"bold\">window %d</text>%n", y + 12, w));
            y += 18;
            for (int i = 0; i < systems.size(); i++) {
                double v = median(systems.get(i), metric);
                int width = Double.isNaN(v) || max <= 0 ? 0 : (int) Math.round(plotWidth * v / max);
                svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>%n",
                        labelWidth - 6, y + 13, systems.get(i)));
                svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"/>%n",
                        labelWidth, y, width, barHeight, colours[i % colours.length]));
                svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s</text>%n", labelWidth + width + 6, y + 13,
                        format(metric, v)));
                y += barHeight + 4;
            }
            y += groupGap - 18;
        }
        svg.append("</svg>\n");
        return svg.toString();
    }

    /** Writes peer.md, peer.csv and peer.svg into {@code dir}. */
    void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("peer.md"), markdown(), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("peer.csv"), csv(), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("peer.svg"), svg(), StandardCharsets.UTF_8);
    }
}
