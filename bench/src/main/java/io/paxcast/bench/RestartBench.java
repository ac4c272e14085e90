package io.paxcast.bench;

import io.paxcast.testkit.node.NodeProcesses;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a long log costs a node, with and without retention: a local 3-node cluster (real processes,
 * the default 384 MiB heap, {@code storage.fsync=always}) takes {@code --messages} messages as fast as
 * batched publishes go; then node 3 is restarted twice, once stopped cleanly (SIGTERM) and once
 * killed (SIGKILL), and the time from its process start to {@code /ready} is measured, with its heap
 * once ready and the disk each node uses (journal, MapDB files, message index, snapshots). The same
 * run goes twice: with {@code --retention} messages kept, and with retention unlimited (nothing is
 * ever compacted), so the figures stand beside their baseline.
 *
 * <p>After every restart it checks that node 3 agrees with node 1 on the head and on the last messages.
 */
@Command(name = "bench/run restart", mixinStandardHelpOptions = true, sortOptions = false,
        description = "restart time, heap and disk after a long log, with retention and without")
public final class RestartBench implements Callable<Integer> {
    private static final Pattern METRIC = Pattern.compile("(?m)^(\\w+)(\\{[^}]*})? ([0-9.eE+-]+)$");

    @Option(names = "--messages", description = "messages published (default 1000000; smoke 20000)")
    Long messages;
    @Option(names = "--retention", description = "retention.maxMessages of the first run (default messages / 10)")
    Long retention;
    @Option(names = "--batch", description = "items per POST /v1/messages (default 500; smoke 50)")
    Integer batch;
    @Option(names = "--window", description = "requests in flight (default 8)")
    int window = 8;
    @Option(names = "--payload", description = "payload bytes (default 256)")
    int payload = 256;
    @Option(names = "--segment-bytes", description = "storage.segmentBytes (default the node's, 64 MiB; smoke 1 MiB)")
    Long segmentBytes;
    @Option(names = "--only-retention", description = "skip the run without retention")
    boolean onlyRetention;
    @Option(names = "--smoke", description = "a short run: 20000 messages in batches of 50, retention 2000, 1 MiB segments")
    boolean smoke;

    /** One run's figures. */
    record Figures(String label, long published, double publishSeconds, Map<String, Long> disk,
                   double cleanRestartSeconds, double killRestartSeconds, long heapAfterRestart, long logStart,
                   double lostDiskSeconds, boolean installed) {}

    public static void main(String[] args) {
        System.exit(new CommandLine(new RestartBench()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        print(runAll());
        return 0;
    }

    /** The run with retention, then (unless {@code --only-retention}) the one without. */
    List<Figures> runAll() throws Exception {
        long total = messages != null ? messages : smoke ? 20_000 : 1_000_000;
        long kept = retention != null ? retention : smoke ? 2_000 : Math.max(1, total / 10);
        List<Figures> runs = new ArrayList<>();
        runs.add(run("retention " + kept, total, Long.toString(kept)));
        if (!onlyRetention) {
            runs.add(run("unlimited", total, "unlimited"));
        }
        return runs;
    }

    private Figures run(String label, long total, String retentionValue) throws Exception {
        System.out.printf("== %s: %,d messages%n", label, total);
        // snapshots every 5% of the retention (at least every 10,000 messages), so the base follows it closely
        long interval = retentionValue.equals("unlimited") ? 100_000 : Math.max(100, Long.parseLong(retentionValue) / 20);
        long segment = segmentBytes != null ? segmentBytes : smoke ? 1L << 20 : 64L << 20;
        try (NodeProcesses nodes = NodeProcesses.builder().nodes(3).name("RestartBench").heap("384m")
                .readyPollInterval(Duration.ofMillis(50))
                .env("PAXCAST_RETENTION_MAXMESSAGES", retentionValue)
                // only the count binds (the default 1 GiB of payloads would expire a 10M-message log too)
                .env("PAXCAST_RETENTION_MAXBYTES", "unlimited")
                .env("PAXCAST_RETENTION_MAXAGEMILLIS", "unlimited")
                .env("PAXCAST_STORAGE_SEGMENTBYTES", Long.toString(segment))
                .env("PAXCAST_SNAPSHOT_INTERVALMESSAGES", Long.toString(interval)).build()) {
            nodes.startAll();
            nodes.awaitReady(Duration.ofSeconds(120));
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5)).build();
            long started = System.nanoTime();
            publish(nodes, http, total);
            double publishSeconds = (System.nanoTime() - started) / 1e9;
            for (int k = 1; k <= 3; k++) {
                awaitMetric(nodes, k, "paxcast_commit_seq", total, Duration.ofMinutes(5));
            }
            // let every node write the snapshot and compaction the last messages allow
            awaitStable(nodes, Duration.ofSeconds(20));
            Map<String, Long> disk = disk(nodes);
            System.out.printf("   disk per node after %,d messages: %s%n", total, disk);

            nodes.stop(3);
            double clean = restart(nodes, 3);
            check(nodes, total);
            nodes.kill(3);
            double killed = restart(nodes, 3);
            check(nodes, total);
            long heap = heapUsed(nodes, 3);
            long logStart = metric(nodes, 3, "paxcast_log_start_slot");
            System.out.printf("   node 3 to /ready: %.2f s after a clean stop, %.2f s after SIGKILL; heap %,d B;"
                    + " log start slot %,d%n", clean, killed, heap, logStart);
            // the disk lost: node 3 starts empty and gets the log from its peers (a snapshot past their compaction)
            nodes.kill(3);
            deleteContents(nodes.dataDir(3));
            double lost = restart(nodes, 3);
            check(nodes, total);
            boolean installed = metric(nodes, 3, "paxcast_snapshot_installs_total") > 0;
            System.out.printf("   node 3 to /ready after losing its disk: %.2f s (%s)%n", lost,
                    installed ? "installed a peer's snapshot, then the retained log" : "caught up the whole log");
            return new Figures(label, total, publishSeconds, disk, clean, killed, heap, logStart, lost, installed);
        }
    }

    private void publish(NodeProcesses nodes, HttpClient http, long total) throws Exception {
        String data = "\"" + "x".repeat(Math.max(0, payload - 2)) + "\"";
        Semaphore permits = new Semaphore(window);
        AtomicLong acked = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long sent = 0;
        long lastReport = System.nanoTime();
        int node = 0;
        int perRequest = batch != null ? batch : smoke ? 50 : 500;
        while (sent < total && failure.get() == null) {
            int items = (int) Math.min(perRequest, total - sent);
            StringBuilder body = new StringBuilder(items * (payload + 40)).append('[');
            for (int i = 0; i < items; i++) {
                body.append(i == 0 ? "" : ",").append("{\"channel\":\"c").append((sent + i) % 16).append("\",\"data\":")
                        .append(data).append('}');
            }
            body.append(']');
            permits.acquire();
            node = node % 3 + 1;
            HttpRequest request = HttpRequest.newBuilder(nodes.uri(node, "/v1/messages"))
                    .header("Content-Type", "application/json").timeout(Duration.ofSeconds(60))
                    .POST(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8)).build();
            long[] retryCount = {0};
            send(http, request, items, permits, acked, failure, retryCount);
            sent += items;
            if (System.nanoTime() - lastReport > TimeUnit.SECONDS.toNanos(10)) {
                lastReport = System.nanoTime();
                System.out.printf("   published %,d of %,d%n", acked.get(), total);
            }
        }
        permits.acquire(window);
        if (failure.get() != null) {
            throw new IllegalStateException("publishing failed", failure.get());
        }
    }

    /** Sends one batch; a 429 or 503 (overload, an election) is sent again after its Retry-After. */
    private static void send(HttpClient http, HttpRequest request, int items, Semaphore permits, AtomicLong acked,
                             AtomicReference<Throwable> failure, long[] retries) {
        http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).whenComplete((r, e) -> {
            if (e == null && r.statusCode() == 201) {
                acked.addAndGet(items);
                permits.release();
            } else if (e == null && (r.statusCode() == 429 || r.statusCode() == 503) && retries[0]++ < 100) {
                long after = r.headers().firstValueAsLong("Retry-After").orElse(1);
                CompletableFuture.delayedExecutor(after, TimeUnit.SECONDS)
                        .execute(() -> send(http, request, items, permits, acked, failure, retries));
            } else {
                failure.compareAndSet(null, e != null ? e : new IllegalStateException(r.statusCode() + " " + r.body()));
                permits.release();
            }
        });
    }

    /** Starts node k and times it from its process start to /ready, in seconds. */
    private static double restart(NodeProcesses nodes, int k) {
        long t0 = System.nanoTime();
        nodes.start(k);
        nodes.awaitReady(Duration.ofSeconds(300), k);
        return (System.nanoTime() - t0) / 1e9;
    }

    /** Node 3 holds what node 1 holds: the same head and the same last messages. */
    private static void check(NodeProcesses nodes, long total) throws Exception {
        awaitMetric(nodes, 3, "paxcast_commit_seq", total, Duration.ofMinutes(2));
        String path = "/v1/messages?after=" + (total - 20) + "&limit=20";
        String a = nodes.get(1, path).body();
        String b = nodes.get(3, path).body();
        if (!a.equals(b)) {
            throw new IllegalStateException("node 3 disagrees with node 1 after its restart:\n" + a + "\n" + b);
        }
    }

    private static void awaitMetric(NodeProcesses nodes, int k, String name, long atLeast, Duration timeout)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (metric(nodes, k, name) < atLeast) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("n" + k + " " + name + " stayed below " + atLeast);
            }
            new java.util.concurrent.CountDownLatch(1).await(100, TimeUnit.MILLISECONDS);
        }
    }

    /** Waits until no node's snapshot slot or log start moved for two seconds (or the timeout). */
    private static void awaitStable(NodeProcesses nodes, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "";
        long since = System.nanoTime();
        while (System.nanoTime() < deadline) {
            StringBuilder now = new StringBuilder();
            for (int k = 1; k <= 3; k++) {
                now.append(metric(nodes, k, "paxcast_snapshot_slot")).append('/')
                        .append(metric(nodes, k, "paxcast_log_start_slot")).append(' ');
            }
            if (!now.toString().equals(last)) {
                last = now.toString();
                since = System.nanoTime();
            } else if (System.nanoTime() - since > TimeUnit.SECONDS.toNanos(2)) {
                return;
            }
            new java.util.concurrent.CountDownLatch(1).await(200, TimeUnit.MILLISECONDS);
        }
    }

    private static long metric(NodeProcesses nodes, int k, String name) throws Exception {
        Matcher m = METRIC.matcher(nodes.get(k, "/metrics").body());
        double sum = 0;
        boolean found = false;
        while (m.find()) {
            if (m.group(1).equals(name)) {
                sum += Double.parseDouble(m.group(3));
                found = true;
            }
        }
        if (!found) {
            throw new IllegalStateException("n" + k + " has no metric " + name);
        }
        return (long) sum;
    }

    private static long heapUsed(NodeProcesses nodes, int k) throws Exception {
        Matcher m = METRIC.matcher(nodes.get(k, "/metrics").body());
        long sum = 0;
        while (m.find()) {
            if (m.group(1).equals("jvm_memory_used_bytes") && m.group(2) != null && m.group(2).contains("area=\"heap\"")) {
                sum += (long) Double.parseDouble(m.group(3));
            }
        }
        return sum;
    }

    /** Disk in use (allocated blocks, as du counts them: the index files are sparse) per kind, the mean over the nodes. */
    private static Map<String, Long> disk(NodeProcesses nodes) throws IOException, InterruptedException {
        Map<String, Long> sum = new LinkedHashMap<>();
        for (int k = 1; k <= 3; k++) {
            Path dir = nodes.dataDir(k);
            try (var files = Files.walk(dir)) {
                for (Path p : files.filter(Files::isRegularFile).toList()) {
                    String name = dir.relativize(p).toString();
                    String kind = name.startsWith("paxos.journal") ? "journal" : name.startsWith("paxos.mapdb") ? "mapdb"
                            : name.startsWith("index") ? "index" : name.startsWith("snapshots") ? "snapshots" : "other";
                    sum.merge(kind, allocated(p), Long::sum);
                }
            }
        }
        sum.replaceAll((kind, bytes) -> bytes / 3);
        return sum;
    }

    private static void deleteContents(Path dir) throws IOException {
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                if (!p.equals(dir)) {
                    Files.delete(p);
                }
            }
        }
    }

    private static long allocated(Path file) throws IOException, InterruptedException {
        Process du = new ProcessBuilder("du", "-B1", "-s", file.toString()).redirectErrorStream(true).start();
        String out = new String(du.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        du.waitFor();
        try {
            return Long.parseLong(out.split("\\s+")[0]);
        } catch (NumberFormatException e) {
            return Files.size(file);
        }
    }

    private static void print(List<Figures> runs) {
        System.out.println();
        System.out.println("| run | messages | publish s | journal MB | MapDB MB | index MB | snapshots MB |"
                + " to /ready after SIGTERM s | after SIGKILL s | after a lost disk s | heap after restart MB |"
                + " log start slot |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|");
        for (Figures f : runs) {
            System.out.printf("| %s | %,d | %.1f | %.1f | %.1f | %.1f | %.1f | %.2f | %.2f | %.2f%s | %.0f | %,d |%n",
                    f.label(), f.published(), f.publishSeconds(), mb(f.disk(), "journal"), mb(f.disk(), "mapdb"),
                    mb(f.disk(), "index"), mb(f.disk(), "snapshots"), f.cleanRestartSeconds(), f.killRestartSeconds(),
                    f.lostDiskSeconds(), f.installed() ? " (snapshot)" : "", f.heapAfterRestart() / 1e6, f.logStart());
        }
    }

    private static double mb(Map<String, Long> disk, String kind) {
        return disk.getOrDefault(kind, 0L) / 1e6;
    }
}
