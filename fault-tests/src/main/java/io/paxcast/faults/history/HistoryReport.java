package io.paxcast.faults.history;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.TreeSet;

/**
 * A human summary of one run and its check: publishes by outcome, the final logs, the subscribers and
 * their recovery, and the anomalies by kind with the first few details of each. {@link #text()} for the
 * console or a file, {@link #json()} for tooling.
 */
public final class HistoryReport {
    /** Anomaly details shown per kind (the counts are always complete). */
    public static final int DETAILS_PER_KIND = 5;

    private final CheckResult result;
    private final long t0;
    private final long faultsEnd;
    private final Map<PublishOp.Outcome, Integer> outcomes = new LinkedHashMap<>();
    private int logical;
    private int acknowledged;
    private int unacknowledgedInLog;
    private int unacknowledgedNotInLog;
    private int refused;
    private final long firstSeq;
    private final long lastSeq;
    private final int seqCount;
    private final int channelCount;
    private final List<NodeSize> nodes = new ArrayList<>();
    private final int subscribers;
    private final int sessions;
    private final int frames;

    private record NodeSize(int node, int entries, long first, long last) {
    }

    public HistoryReport(History h, CheckResult result) {
        this.result = result;
        this.t0 = Checker.start(h);
        this.faultsEnd = h.faultsEndNanos();
        LogIndex log = LogIndex.of(h.finalLogs());
        PublishIndex pubs = PublishIndex.of(h.publishes());
        for (PublishOp.Outcome o : PublishOp.Outcome.values()) {
            outcomes.put(o, pubs.count(o));
        }
        Set<String> inLog = new HashSet<>(log.slots.length * 2);
        for (LogIndex.Slot s : log.slots) {
            inLog.add(s.primary.payload());
        }
        for (PublishIndex.Logical l : pubs.logicals()) {
            logical++;
            if (l.acknowledged()) {
                acknowledged++;
            } else if (l.definitelyFailed()) {
                refused++;
            } else if (inLog.contains(l.payload)) {
                unacknowledgedInLog++;
            } else {
                unacknowledgedNotInLog++;
            }
        }
        this.firstSeq = log.firstSeq();
        this.lastSeq = log.lastSeq();
        this.seqCount = log.seqs.length;
        this.channelCount = log.channels().size();
        for (LogIndex.NodeLog n : log.nodes) {
            nodes.add(new NodeSize(n.node, n.entries.length, n.first(), n.last()));
        }
        Set<String> names = new TreeSet<>();
        h.subscriptions().forEach(s -> names.add(s.subscriber()));
        this.subscribers = names.size();
        this.sessions = h.subscriptions().size();
        this.frames = h.frames().size();
    }

    /** Checks {@code h} and summarizes it. */
    public static HistoryReport of(History h, Duration recoveryBound) {
        return new HistoryReport(h, new Checker().analyze(h, recoveryBound));
    }

    /** The text summary of {@code h} and its check. */
    public static String render(History h, CheckResult result) {
        return new HistoryReport(h, result).text();
    }

    /**
     * The text summary of {@code h} with anomalies a {@link Checker#check} already returned. The
     * recovery latencies are measured again (they do not depend on the bound); the bound itself, not
     * known here, is not shown.
     */
    public static String render(History h, List<Anomaly> anomalies) {
        CheckResult measured = new Checker(1).analyze(h, Duration.ZERO);
        Map<Anomaly.Kind, Integer> counts = new EnumMap<>(Anomaly.Kind.class);
        anomalies.forEach(a -> counts.merge(a.kind(), 1, Integer::sum));
        return new HistoryReport(h, new CheckResult(anomalies, counts, measured.recoveries(), null)).text();
    }

    public CheckResult result() {
        return result;
    }

    public String text() {
        StringBuilder b = new StringBuilder();
        int total = result.counts().values().stream().mapToInt(Integer::intValue).sum();
        b.append("Paxcast history check: ").append(result.valid() ? "VALID" : "INVALID, " + total + " anomalies");
        if (!result.valid()) {
            StringJoiner kinds = new StringJoiner(", ", " (", ")");
            result.counts().forEach((k, n) -> kinds.add(k + " " + n));
            b.append(kinds);
        }
        b.append('\n');
        StringJoiner byOutcome = new StringJoiner(", ");
        outcomes.forEach((o, n) -> byOutcome.add(o + " " + n));
        int invocations = outcomes.values().stream().mapToInt(Integer::intValue).sum();
        line(b, "publishes", invocations + " invocations: " + byOutcome);
        line(b, "", logical + " logical: " + acknowledged + " acknowledged, " + unacknowledgedInLog
                + " unacknowledged but in the log, " + unacknowledgedNotInLog + " unacknowledged and not in the log, "
                + refused + " refused");
        line(b, "final log", seqCount == 0 ? "empty" : "seqs " + firstSeq + ".." + lastSeq + " (" + seqCount
                + " seqs) on " + channelCount + " channel(s)");
        StringJoiner sizes = new StringJoiner(", ");
        for (NodeSize n : nodes) {
            sizes.add("n" + n.node() + " " + n.entries() + " entries"
                    + (n.entries() == 0 ? "" : " (seq " + n.first() + ".." + n.last() + ")"));
        }
        line(b, "nodes", nodes.isEmpty() ? "no final log" : sizes.toString());
        line(b, "faults end", Text.at(faultsEnd, t0));
        line(b, "subscribers", subscribers + " subscribers, " + sessions + " sessions, " + frames + " frames");
        line(b, "recovery", recoveryLine());
        if (!result.valid()) {
            b.append("anomalies:\n");
            Map<Anomaly.Kind, List<String>> details = details();
            result.counts().forEach((kind, n) -> {
                b.append("  ").append(kind).append(' ').append(n).append('\n');
                for (String d : details.getOrDefault(kind, List.of())) {
                    b.append("    - ").append(d).append('\n');
                }
                if (n > DETAILS_PER_KIND) {
                    b.append("    ... ").append(n - DETAILS_PER_KIND).append(" more\n");
                }
            });
        }
        return b.toString();
    }

    public String json() {
        JsonObject o = new JsonObject().put("valid", result.valid());
        JsonObject byOutcome = new JsonObject();
        outcomes.forEach((k, n) -> byOutcome.put(k.name(), n));
        o.put("publishes", new JsonObject().put("byOutcome", byOutcome).put("logical", logical)
                .put("acknowledged", acknowledged).put("unacknowledgedInLog", unacknowledgedInLog)
                .put("unacknowledgedNotInLog", unacknowledgedNotInLog).put("refused", refused));
        JsonObject finalLog = new JsonObject().put("seqs", seqCount).put("channels", channelCount);
        if (seqCount > 0) {
            finalLog.put("firstSeq", firstSeq).put("lastSeq", lastSeq);
        }
        JsonArray nodeSizes = new JsonArray();
        for (NodeSize n : nodes) {
            JsonObject size = new JsonObject().put("node", n.node()).put("entries", n.entries());
            if (n.entries() > 0) {
                size.put("firstSeq", n.first()).put("lastSeq", n.last());
            }
            nodeSizes.add(size);
        }
        o.put("finalLog", finalLog.put("nodes", nodeSizes));
        o.put("subscribers", new JsonObject().put("subscribers", subscribers).put("sessions", sessions)
                .put("frames", frames));
        JsonArray recoveries = new JsonArray();
        for (CheckResult.Recovery r : result.recoveries()) {
            recoveries.add(new JsonObject().put("subscriber", r.subscriber()).put("seq", r.seq())
                    .put("received", r.received()).put("latencyMillis", r.received() ? r.latencyNanos() / 1e6 : null));
        }
        JsonObject recovery = new JsonObject()
                .put("boundMillis", result.recoveryBound() == null ? null : result.recoveryBound().toMillis())
                .put("subscribers", recoveries);
        result.slowestRecovery().ifPresent(r -> recovery.put("maxLatencyMillis", r.latencyNanos() / 1e6));
        o.put("recovery", recovery);
        JsonObject anomalies = new JsonObject();
        Map<Anomaly.Kind, List<String>> details = details();
        result.counts().forEach((kind, n) -> anomalies.put(kind.name(), new JsonObject().put("count", n)
                .put("first", new JsonArray(new ArrayList<>(details.getOrDefault(kind, List.of()))))));
        o.put("anomalies", anomalies);
        return o.encodePrettily();
    }

    @Override
    public String toString() {
        return text();
    }

    private String recoveryLine() {
        StringBuilder b = new StringBuilder(result.recoveryBound() == null ? "bound not given"
                : "bound " + Text.millis(result.recoveryBound().toNanos()));
        if (result.recoveries().isEmpty()) {
            return b.append("; no subscriber open at the end").toString();
        }
        result.slowestRecovery().ifPresent(r -> b.append("; max latency ").append(Text.millis(r.latencyNanos()))
                .append(" (").append(r.subscriber()).append(r.seq() < 0 ? "" : ", seq " + r.seq()).append(')'));
        StringJoiner never = new StringJoiner(", ");
        StringJoiner each = new StringJoiner(", ");
        for (CheckResult.Recovery r : result.recoveries()) {
            if (r.received()) {
                each.add(r.subscriber() + " " + Text.millis(r.latencyNanos()));
            } else {
                never.add(r.subscriber() + " (seq " + r.seq() + ")");
            }
        }
        if (never.length() > 0) {
            b.append("; never caught up: ").append(never);
        }
        return b.append("; per subscriber: ").append(each.length() == 0 ? "none" : each.toString()).toString();
    }

    private Map<Anomaly.Kind, List<String>> details() {
        Map<Anomaly.Kind, List<String>> details = new LinkedHashMap<>();
        for (Anomaly a : result.anomalies()) {
            List<String> of = details.computeIfAbsent(a.kind(), k -> new ArrayList<>());
            if (of.size() < DETAILS_PER_KIND) {
                of.add(a.detail());
            }
        }
        return details;
    }

    private static void line(StringBuilder b, String label, String text) {
        b.append(String.format("%-12s ", label.isEmpty() ? "" : label + ":")).append(text).append('\n');
    }
}
