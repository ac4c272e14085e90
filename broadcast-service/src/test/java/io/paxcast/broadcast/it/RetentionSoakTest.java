package io.paxcast.broadcast.it;

import io.paxcast.testkit.node.NodeLogsOnFailure;
import io.paxcast.testkit.node.NodeProcesses;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sustained load through a small retention, on real processes: the disk each node's Paxos storage uses
 * (journal segments and their MapDB files) and its message index use, sampled every 10 s, stay under
 * bounds set by the retention, not by what was published; what expired answers 410 with the earliest
 * position; every acknowledged message still retained is intact at its seq on every node. CI runs it
 * for 40 s (longer if a slow machine has not yet published {@value #MIN_PUBLISHED} messages by then);
 * {@code -Dretention.seconds=1200} runs it long.
 */
class RetentionSoakTest {
    private static final int SECONDS = Integer.getInteger("retention.seconds", 40);
    private static final int SAMPLE_SECONDS = 10;
    private static final int RETAINED = 20_000;
    /** Eight times the retention: far enough past it that keeping everything would break both bounds. */
    private static final int MIN_PUBLISHED = 8 * RETAINED;
    /** A machine too slow to publish {@link #MIN_PUBLISHED} in this much more time fails the run. */
    private static final int EXTRA_SECONDS = 150;
    private static final int BATCH = 100;
    private static final Pattern METRIC = Pattern.compile("(?m)^(paxcast_[a-z_]+)(?:\\{[^}]*})? ([0-9.eE+-]+)$");
    private static final Pattern SEQ = Pattern.compile("\"seq\":(\\d+)");

    @RegisterExtension
    final NodeLogsOnFailure logs = new NodeLogsOnFailure();

    /** One disk sample: seconds into the run, then per node the Paxos storage's bytes and the index's. */
    private record Sample(long second, long[] paxos, long[] index) {}

    @Test
    void diskFlattensOnceRetentionIsReachedAndEveryRetainedMessageIsIntact() throws Exception {
        try (NodeProcesses nodes = logs.watch(NodeProcesses.builder().nodes(3).name("RetentionSoakTest")
                .env("PAXCAST_RETENTION_MAXMESSAGES", Integer.toString(RETAINED))
                .env("PAXCAST_STORAGE_SEGMENTBYTES", Integer.toString(1 << 20))
                .env("PAXCAST_STORAGE_INDEXSEGMENTRECORDS", "4096")
                .env("PAXCAST_SNAPSHOT_INTERVALMESSAGES", "1000")
                .env("PAXCAST_SNAPSHOT_CHECKPOINTEVERYSLOTS", "32").build())) {
            nodes.startAll();
            nodes.awaitReady(Duration.ofSeconds(90));
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5)).build();
            ConcurrentHashMap<Long, String> acked = new ConcurrentHashMap<>();
            List<Sample> samples = new ArrayList<>();
            long started = System.nanoTime();
            long nextSample = started + TimeUnit.SECONDS.toNanos(SAMPLE_SECONDS);
            long published = 0;
            int node = 0;
            // The duration is a floor: a slow or busy machine publishes on until the log is well past retention.
            long elapsed;
            while ((elapsed = System.nanoTime() - started) < TimeUnit.SECONDS.toNanos(SECONDS)
                    || (published < MIN_PUBLISHED && elapsed < TimeUnit.SECONDS.toNanos(SECONDS + EXTRA_SECONDS))) {
                node = node % 3 + 1;
                published += publishBatch(http, nodes, node, published, acked);
                if (System.nanoTime() >= nextSample) {
                    samples.add(sample(nodes, (System.nanoTime() - started) / 1_000_000_000L));
                    nextSample += TimeUnit.SECONDS.toNanos(SAMPLE_SECONDS);
                }
            }
            long head = acked.keySet().stream().mapToLong(Long::longValue).max().orElseThrow();
            for (int k = 1; k <= 3; k++) {
                int n = k;
                await("n" + k + " applies seq " + head).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                        .until(() -> metric(nodes, n, "paxcast_commit_seq") >= head);
            }
            StringBuilder table = new StringBuilder("second  paxos bytes (n1 n2 n3)  index bytes (n1 n2 n3)\n");
            for (Sample s : samples) {
                table.append(String.format("%6d  %,d %,d %,d  %,d %,d %,d%n", s.second(), s.paxos()[0], s.paxos()[1],
                        s.paxos()[2], s.index()[0], s.index()[1], s.index()[2]));
            }
            System.out.printf("retention soak: %,d messages acknowledged in %d s, %,d retained%n%s", head,
                    (System.nanoTime() - started) / 1_000_000_000L, RETAINED, table);

            // disk: every sample of every node's Paxos storage stays under a bound set by what is retained
            // (a generous 1,500 B per retained message, five times its payload, plus eight 1 MiB segments
            // of slack for the snapshot interval and the segments being filled and deleted), whatever was
            // published. A relative check ("no growth after the second sample") failed on CI: the storage
            // saws up and down by a few segments as they roll and go (18.5 -> 27.4 MB with 319,400 published).
            long bound = RETAINED * 1_500L + (8L << 20);
            // The index (24 B per message record, 8 per channel entry, 32 per slot, in 4096-record segment
            // files here) is held to 100 B per retained message plus 2 MiB for the segments being filled
            // and the channel entries' slack (up to twice the retained ones); kept whole it costs 32 B a
            // message, which the run's length makes exceed that.
            long indexBound = RETAINED * 100L + (2L << 20);
            assertTrue(head >= 6L * RETAINED, "the run pushed the log well past retention: " + head);
            assertTrue(head * 400 > bound, "keeping everything (at least 400 B a message) would break the bound: "
                    + head + " messages, bound " + bound);
            assertTrue(head * 32 > indexBound, "keeping the whole index (32 B a message) would break its bound: "
                    + head + " messages, bound " + indexBound);
            assertTrue(samples.size() >= 3, "samples: " + samples.size());
            for (int k = 0; k < 3; k++) {
                for (Sample s : samples) {
                    assertTrue(s.paxos()[k] <= bound, "n" + (k + 1) + "'s Paxos storage at " + s.second() + " s: "
                            + s.paxos()[k] + " B, bound " + bound + " B\n" + table);
                    assertTrue(s.index()[k] <= indexBound, "n" + (k + 1) + "'s message index at " + s.second() + " s: "
                            + s.index()[k] + " B, bound " + indexBound + " B\n" + table);
                }
            }

            long earliest = metric(nodes, 1, "paxcast_log_earliest_seq");
            assertTrue(earliest > head - RETAINED - 5000 && earliest <= head - RETAINED + BATCH + 1,
                    "earliest " + earliest + " for head " + head + " and " + RETAINED + " retained");
            for (int k = 1; k <= 3; k++) {
                assertEquals(earliest, metric(nodes, k, "paxcast_log_earliest_seq"), "n" + k);
                HttpResponse<String> expired = nodes.get(k, "/v1/messages?after=0&limit=10");
                assertEquals(410, expired.statusCode(), expired.body());
                assertEquals(earliest, new JsonObject(expired.body()).getJsonObject("error").getLong("earliest"));
                long checked = 0;
                for (long after = earliest - 1; after < head; ) {
                    JsonArray page = new JsonObject(nodes.get(k, "/v1/messages?after=" + after + "&limit=1000").body())
                            .getJsonArray("messages");
                    assertTrue(!page.isEmpty(), "n" + k + " has messages after " + after);
                    for (int i = 0; i < page.size(); i++) {
                        JsonObject m = page.getJsonObject(i);
                        long seq = m.getLong("seq");
                        assertEquals(after + 1, seq, "n" + k + ": no gap");
                        assertEquals(acked.get(seq), m.getJsonObject("data").encode(), "n" + k + " seq " + seq);
                        after = seq;
                        checked++;
                    }
                }
                assertEquals(head - earliest + 1, checked, "n" + k + " holds every retained message");
            }
        }
    }

    /** Posts one batch (retrying a 429/503 after its Retry-After) and records the acknowledged seqs. */
    private static int publishBatch(HttpClient http, NodeProcesses nodes, int node, long first,
                                    ConcurrentHashMap<Long, String> acked) throws Exception {
        List<String> bodies = new ArrayList<>(BATCH);
        StringBuilder json = new StringBuilder("[");
        for (int i = 0; i < BATCH; i++) {
            String data = new JsonObject().put("n", first + i).put("pad", "p".repeat(180)).encode();
            bodies.add(data);
            json.append(i == 0 ? "" : ",").append("{\"channel\":\"soak").append(i % 4).append("\",\"data\":").append(data)
                    .append('}');
        }
        json.append(']');
        for (int attempt = 0; ; attempt++) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(nodes.uri(node, "/v1/messages"))
                    .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
                    .POST(HttpRequest.BodyPublishers.ofString(json.toString(), StandardCharsets.UTF_8)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 201) {
                Matcher m = SEQ.matcher(r.body());
                for (int i = 0; i < BATCH; i++) {
                    assertTrue(m.find(), r.body());
                    acked.put(Long.parseLong(m.group(1)), bodies.get(i));
                }
                return BATCH;
            }
            assertTrue((r.statusCode() == 429 || r.statusCode() == 503) && attempt < 20, r.statusCode() + " " + r.body());
            long after = r.headers().firstValueAsLong("Retry-After").orElse(1);
            new CountDownLatch(1).await(after, TimeUnit.SECONDS);
        }
    }

    /**
     * The disk of every node now. Compaction deletes files while the directory is walked (a walk that
     * meets a file deleted under it fails: seen after 964 s of the long run), so a walk that fails is
     * taken again.
     */
    private static Sample sample(NodeProcesses nodes, long second) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                return sampleOnce(nodes, second);
            } catch (java.io.UncheckedIOException | java.nio.file.NoSuchFileException e) {
                if (attempt == 10) {
                    throw e;
                }
            }
        }
    }

    private static Sample sampleOnce(NodeProcesses nodes, long second) throws Exception {
        long[] paxos = new long[3];
        long[] index = new long[3];
        for (int k = 1; k <= 3; k++) {
            Path dir = nodes.dataDir(k);
            try (var files = Files.walk(dir)) {
                for (Path p : files.filter(Files::isRegularFile).toList()) {
                    String name = dir.relativize(p).toString();
                    long bytes = allocated(p);
                    if (name.startsWith("paxos.journal") || name.startsWith("paxos.mapdb")) {
                        paxos[k - 1] += bytes;
                    } else if (name.startsWith("index")) {
                        index[k - 1] += bytes;
                    }
                }
            }
        }
        return new Sample(second, paxos, index);
    }

    /** Blocks allocated (the index files are sparse: their length says little). */
    private static long allocated(Path file) throws Exception {
        Process du = new ProcessBuilder("du", "-B1", "-s", file.toString()).redirectErrorStream(true).start();
        String out = new String(du.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        du.waitFor();
        try {
            return Long.parseLong(out.split("\\s+")[0]);
        } catch (NumberFormatException e) {
            return 0; // deleted between the listing and du: a compaction
        }
    }

    private static long metric(NodeProcesses nodes, int k, String name) throws Exception {
        Matcher m = METRIC.matcher(nodes.get(k, "/metrics").body());
        while (m.find()) {
            if (m.group(1).equals(name)) {
                return (long) Double.parseDouble(m.group(2));
            }
        }
        throw new AssertionError("n" + k + " has no metric " + name);
    }
}
