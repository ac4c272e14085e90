package io.paxcast.faults;

import io.paxcast.faults.history.Anomaly;
import io.paxcast.faults.history.Checker;
import io.paxcast.faults.history.History;
import io.paxcast.faults.history.HistoryReport;
import io.paxcast.faults.history.LogEntry;
import io.paxcast.faults.history.PublishOp;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * One fault schedule against a fresh cluster: concurrent publishers over HTTP (with retries through
 * other nodes under the same Idempotency-Key) and reconnecting WebSocket subscribers on every node,
 * while the {@link Nemesis} kills, pauses and partitions; then the faults stop, the cluster settles,
 * every node's final log is read, and the {@link Checker} judges the whole history.
 */
public final class FaultSuite {

    public record Settings(long seed, Duration faultDuration, double publishesPerSecond, int publishers,
                           Duration recoveryBound, Path reportDir) {}

    public record Result(Settings settings, History history, List<Anomaly> anomalies, List<Long> failoverMillis,
                         long acknowledged, long recoveryMillis, Path report) {}

    private FaultSuite() {
    }

    public static Result run(Settings s, Supplier<Cluster> clusters) throws Exception {
        try (Cluster cluster = clusters.get()) {
            cluster.awaitReady(Duration.ofSeconds(90));
            return run(s, cluster);
        }
    }

    static Result run(Settings s, Cluster cluster) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        Recorder recorder = new Recorder();
        long head = 0;
        for (int k = 1; k <= cluster.size(); k++) {
            head = Math.max(head, new JsonObject(get(http, cluster, k, "/v1/cluster")).getLong("commitSeq"));
        }
        Subscribers subscribers = new Subscribers(cluster.size(), cluster::wsUri, recorder);
        for (int k = 1; k <= cluster.size(); k++) {
            subscribers.add("s" + k + "-all", k, null, head);
            subscribers.add("s" + k + "-ac", k, Set.of("a", "c"), head);
        }
        Publishers publishers = new Publishers(s.publishers(), s.publishesPerSecond(), cluster.size(), cluster::uri,
                recorder, s.seed());
        Nemesis nemesis = new Nemesis(cluster, s.seed());
        long started = System.nanoTime();
        publishers.start();
        nemesis.run(started + s.faultDuration().toNanos());
        long faultsEnd = System.nanoTime();
        // keep publishing a little after the faults stop: the cluster must serve again, not only settle
        pause(2_000);
        publishers.stop();
        try {
            cluster.awaitReady(Duration.ofSeconds(60));
        } catch (RuntimeException notReady) {
            dumpThreads(cluster, s.reportDir().resolve("threads-" + s.seed()));
            throw notReady;
        }

        // settle: every node reaches the same head, every subscriber catches up (bounded by the checker)
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        long settledHead = -1;
        while (System.nanoTime() < deadline) {
            long min = Long.MAX_VALUE;
            long max = 0;
            for (int k = 1; k <= cluster.size(); k++) {
                long seq = new JsonObject(get(http, cluster, k, "/v1/cluster")).getLong("commitSeq");
                min = Math.min(min, seq);
                max = Math.max(max, seq);
            }
            if (min == max && recorder.frames.stream().filter(f -> f.subscriber().endsWith("-all"))
                    .map(f -> f.subscriber()).distinct().count() == cluster.size()
                    && caughtUp(recorder, cluster.size(), max)) {
                settledHead = max;
                break;
            }
            pause(200);
        }
        subscribers.stop();

        Map<Integer, List<LogEntry>> logs = new HashMap<>();
        for (int k = 1; k <= cluster.size(); k++) {
            logs.put(k, finalLog(http, cluster, k, head));
        }
        List<PublishOp> publishes = new ArrayList<>(recorder.publishes);
        publishes.sort(Comparator.comparingLong(PublishOp::invokeNanos));
        History history = new History(publishes, List.copyOf(recorder.subscriptions), List.copyOf(recorder.frames),
                logs, faultsEnd);
        List<Anomaly> anomalies = new Checker().check(history, s.recoveryBound());
        List<Long> failovers = failoverMillis(nemesis.faults, publishes);
        long acked = publishes.stream().filter(p -> p.outcome() == PublishOp.Outcome.OK).count();
        long recovery = recoveryMillis(recorder, faultsEnd, settledHead);

        Files.createDirectories(s.reportDir());
        Path report = s.reportDir().resolve("schedule-" + s.seed() + ".txt");
        StringBuilder text = new StringBuilder();
        text.append("Paxcast fault schedule, seed ").append(s.seed()).append(": ").append(s.faultDuration().toSeconds())
                .append(" s of faults, ").append(s.publishers()).append(" publishers at ")
                .append((long) s.publishesPerSecond()).append("/s, ").append(cluster.size()).append(" nodes\n\n");
        nemesis.timeline.forEach(l -> text.append(l).append('\n'));
        text.append("\nfailover (fault on the leader -> first acknowledgement of a publish sent after it), ms: ")
                .append(failovers).append('\n');
        text.append("recovery after faults stopped (every subscriber at the final seq), ms: ")
                .append(recovery < 0 ? "not reached" : recovery).append('\n');
        text.append("settled head seq: ").append(settledHead).append("\n\n");
        text.append(HistoryReport.render(history, anomalies)).append('\n');
        Files.writeString(report, text);
        System.out.println(text);
        return new Result(s, history, anomalies, failovers, acked, recovery, report);
    }

    /** Thread dumps of every live node (jcmd Thread.print), for a cluster that did not recover. */
    static void dumpThreads(Cluster cluster, Path dir) {
        if (!(cluster instanceof NetnsClusterAdapter netns)) {
            return;
        }
        try {
            Files.createDirectories(dir);
            for (int k = 1; k <= cluster.size(); k++) {
                if (!cluster.isAlive(k)) {
                    continue;
                }
                Path out = dir.resolve("n" + k + ".txt");
                Process p = new ProcessBuilder("jcmd", Long.toString(netns.unwrap().pid(k)), "Thread.print")
                        .redirectErrorStream(true).redirectOutput(out.toFile()).start();
                p.waitFor(20, java.util.concurrent.TimeUnit.SECONDS);
            }
            System.out.println("thread dumps in " + dir);
        } catch (IOException | InterruptedException e) {
            System.out.println("no thread dumps: " + e);
        }
    }

    private static boolean caughtUp(Recorder recorder, int nodes, long head) {
        Map<String, Long> last = new HashMap<>();
        synchronized (recorder.frames) {
            recorder.frames.forEach(f -> last.merge(f.subscriber(), f.seq(), Math::max));
        }
        for (int k = 1; k <= nodes; k++) {
            if (last.getOrDefault("s" + k + "-all", 0L) < head) {
                return false;
            }
        }
        return true;
    }

    /** For each fault on the leader: time to the first acknowledgement of a publish invoked after the fault began. */
    static List<Long> failoverMillis(List<Nemesis.Fault> faults, List<PublishOp> publishes) {
        List<Long> out = new ArrayList<>();
        for (Nemesis.Fault f : faults) {
            if (f.kind() != Nemesis.Kind.KILL_LEADER && f.kind() != Nemesis.Kind.PAUSE_LEADER
                    && f.kind() != Nemesis.Kind.ISOLATE_LEADER) {
                continue;
            }
            publishes.stream()
                    .filter(p -> p.outcome() == PublishOp.Outcome.OK && p.invokeNanos() >= f.startNanos())
                    .mapToLong(PublishOp::completeNanos).min()
                    .ifPresent(t -> out.add((t - f.startNanos()) / 1_000_000));
        }
        return out;
    }

    private static long recoveryMillis(Recorder recorder, long faultsEnd, long head) {
        if (head < 0) {
            return -1;
        }
        Map<String, Long> reached = new HashMap<>();
        synchronized (recorder.frames) {
            recorder.frames.stream().filter(f -> f.subscriber().endsWith("-all") && f.seq() >= head)
                    .forEach(f -> reached.merge(f.subscriber(), f.receivedNanos(), Math::min));
        }
        return reached.values().stream().mapToLong(t -> Math.max(0, t - faultsEnd) / 1_000_000).max().orElse(-1);
    }

    private static List<LogEntry> finalLog(HttpClient http, Cluster cluster, int k, long afterHead) throws Exception {
        List<LogEntry> log = new ArrayList<>();
        long after = afterHead;
        while (true) {
            JsonObject page = new JsonObject(get(http, cluster, k, "/v1/messages?after=" + after + "&limit=1000"));
            JsonArray messages = page.getJsonArray("messages");
            if (messages.isEmpty()) {
                return log;
            }
            for (int i = 0; i < messages.size(); i++) {
                JsonObject m = messages.getJsonObject(i);
                Object data = m.getValue("data");
                // the publishers' payloads are flat objects, so re-encoding gives the node's text back
                log.add(new LogEntry(m.getLong("seq"), m.getString("channel"), m.getLong("offset"), m.getString("key"),
                        data instanceof JsonObject d ? d.encode() : String.valueOf(data), m.getString("hash")));
            }
            after = page.getLong("next");
        }
    }

    private static String get(HttpClient http, Cluster cluster, int k, String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(cluster.uri(k, path)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    private static void pause(long millis) {
        long until = System.nanoTime() + millis * 1_000_000;
        for (long left = until - System.nanoTime(); left > 0; left = until - System.nanoTime()) {
            LockSupport.parkNanos(left);
        }
    }
}
