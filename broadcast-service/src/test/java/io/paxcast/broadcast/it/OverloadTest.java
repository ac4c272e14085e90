package io.paxcast.broadcast.it;

import io.paxcast.testkit.node.NodeLogsOnFailure;
import io.paxcast.testkit.node.NodeProcesses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Overload over real processes: three nodes with the default heap (384 MiB, as bin/paxcast-local runs
 * them) under an offered load several times what the cluster commits, single publishes and batches of
 * 100 together, over many connections, none of which waits for Retry-After. Sampled every second:
 * each node's heap (live data after GC, and in use) and RSS.
 *
 * <p>Asserts: no node exits; the live heap after GC stays under 80% of the maximum; 429s are answered,
 * with Retry-After; the offered load was at least 1.5x what was acknowledged; every acknowledged message
 * is in the log exactly once at its seq, on every node, and the three logs are equal; within 10 s of
 * the load stopping every node is ready; then all three restart with the default heap and are ready
 * again. {@code -Doverload.seconds=600} for the long run (CI: 20 s).
 */
class OverloadTest {
    private static final int SECONDS = Integer.getInteger("overload.seconds", 20);
    /** Requests each client keeps outstanding per node: far more than a node admits. */
    private static final int SINGLE_WORKERS_PER_NODE = 200;
    private static final int BATCH_WORKERS_PER_NODE = 1500; // 1500 x 100 x ~256 B: far past the 8 MiB a node admits
    private static final int CONNECTIONS_PER_NODE = SINGLE_WORKERS_PER_NODE + BATCH_WORKERS_PER_NODE;
    private static final int BATCH_ITEMS = 100;
    private static final String PAD = "x".repeat(200);

    @RegisterExtension
    final NodeLogsOnFailure logs = new NodeLogsOnFailure();

    private final AtomicBoolean running = new AtomicBoolean(true);
    private final LongAdder offeredItems = new LongAdder();
    private final LongAdder ackedItems = new LongAdder();
    private final LongAdder tooMany = new LongAdder();
    private final LongAdder tooManyWithoutRetryAfter = new LongAdder();
    private final LongAdder unavailable = new LongAdder();
    private final LongAdder failedConnections = new LongAdder();
    private final Map<String, LongAdder> otherStatuses = new ConcurrentHashMap<>();
    /**
     * Every acknowledgement: (item number, seq) pairs, appended under a lock. Primitive arrays, because
     * the long mode acknowledges tens of millions of items (a map of boxed entries ran the test's own
     * JVM out of heap at 31 million).
     */
    private final Acks acked = new Acks();
    private final AtomicLong ids = new AtomicLong();

    @Test
    void severalTimesWhatTheClusterCommitsNeverTakesANodeDown() throws Exception {
        // Defaults throughout: heap, limits. A node serves one request per connection at a time (it reads
        // the next pipelined one only after answering), so the load is many connections, not pipelining:
        // 1,700 per node, 1,500 of them with a batch of 100 (~38 MiB outstanding, past the 8 MiB admitted).
        // every client here comes from loopback: the per-address cap (1,024) would stand in for the global
        // one (http.maxConnections) that this test is about, and cut the test's own /metrics scrapes
        try (NodeProcesses nodes = NodeProcesses.builder().name("overload")
                .env("PAXCAST_HTTP_MAXCONNECTIONSPERIP", "100000").start()) {
            logs.watch(nodes);
            nodes.awaitReady(Duration.ofSeconds(120));
            Vertx vertx = Vertx.vertx();
            try {
                // one connection per client: 1,700 publishes outstanding per node
                HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setIdleTimeout(30),
                        new PoolOptions().setHttp1MaxSize(CONNECTIONS_PER_NODE).setMaxWaitQueueSize(-1));
                Sampler sampler = new Sampler(nodes);
                long started = System.nanoTime();
                List<Future<Void>> workers = new ArrayList<>();
                for (int k = 1; k <= nodes.size(); k++) {
                    for (int w = 0; w < SINGLE_WORKERS_PER_NODE; w++) {
                        workers.add(loop(client, nodes.httpPort(k), false, w % 10 == 0));
                    }
                    for (int w = 0; w < BATCH_WORKERS_PER_NODE; w++) {
                        workers.add(loop(client, nodes.httpPort(k), true, false));
                    }
                }
                var scheduler = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
                try {
                    scheduler.scheduleAtFixedRate(sampler::sample, 0, 1, TimeUnit.SECONDS);
                    // the live heap under full load: a full GC on each node just before the load ends
                    scheduler.schedule(sampler::measureLiveHeap, Math.max(1, SECONDS - 3), TimeUnit.SECONDS);
                    scheduler.schedule(sampler::measureLiveHeap, Math.max(2, SECONDS - 1), TimeUnit.SECONDS);
                    scheduler.schedule(() -> running.set(false), SECONDS, TimeUnit.SECONDS);
                    // every worker stops once the load ends and its last request is answered
                    Future.join(workers).toCompletionStage().toCompletableFuture().get(SECONDS + 90L, TimeUnit.SECONDS);
                } finally {
                    scheduler.shutdownNow();
                    scheduler.awaitTermination(10, TimeUnit.SECONDS);
                }
                double seconds = (System.nanoTime() - started) / 1e9;
                sampler.sample();
                client.close();

                long stopped = System.nanoTime();
                nodes.awaitReady(Duration.ofSeconds(10));
                double readyAfter = (System.nanoTime() - stopped) / 1e9;

                System.out.printf("overload: %.0f s; offered %d items (%.0f/s), acknowledged %d (%.0f/s), ratio %.1f;"
                                + " 429: %d, 503: %d, connection failures: %d, other: %s; ready %.1f s after the load%n",
                        seconds, offeredItems.sum(), offeredItems.sum() / seconds, ackedItems.sum(),
                        ackedItems.sum() / seconds, offeredItems.sum() / (double) Math.max(1, ackedItems.sum()),
                        tooMany.sum(), unavailable.sum(), failedConnections.sum(), otherStatuses, readyAfter);
                sampler.print();

                for (int k = 1; k <= nodes.size(); k++) {
                    assertTrue(nodes.isAlive(k), nodes.nodeId(k) + " exited during the overload");
                }
                assertTrue(tooMany.sum() > 0, "no 429: the offered load did not pass the bounds");
                assertEquals(0, tooManyWithoutRetryAfter.sum(), "a 429 without Retry-After");
                assertTrue(ackedItems.sum() > 0, "nothing acknowledged");
                // The client shares the 2 cores with the three nodes, so how far past the cluster it can go
                // falls as the cluster gets faster: 3x before the sequencer got its own thread and MapDB was
                // mapped; then CI measured offered 42,485 items/s against 23,374 acknowledged/s (1.8x), with
                // 6,297 refusals. What the test needs is a load well past what is committed, refused with 429.
                assertTrue(offeredItems.sum() >= 1.5 * ackedItems.sum(), "offered " + offeredItems.sum()
                        + " items, acknowledged " + ackedItems.sum() + ": less than 1.5x what the cluster committed");
                sampler.assertHeapWithinBudget(0.8);

                checkLogs(nodes);

                long restart = System.nanoTime();
                for (int k = 1; k <= nodes.size(); k++) {
                    nodes.stop(k);
                }
                nodes.startAll();
                nodes.awaitReady(Duration.ofSeconds(Math.max(180, SECONDS))); // a restart replays the whole log (for now)
                System.out.printf("overload: all nodes restarted with the default heap, ready %.1f s after the stop%n",
                        (System.nanoTime() - restart) / 1e9);
                for (int k = 1; k <= nodes.size(); k++) {
                    assertEquals(headSeq(nodes, 1), headSeq(nodes, k), "the log after the restart");
                }
            } finally {
                vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            }
        }
    }

    /** One client: publishes back to back until the end, never waiting for Retry-After. */
    private Future<Void> loop(HttpClient client, int port, boolean batch, boolean keyed) {
        io.vertx.core.Promise<Void> done = io.vertx.core.Promise.promise();
        next(client, port, batch, keyed, done);
        return done.future();
    }

    private void next(HttpClient client, int port, boolean batch, boolean keyed, io.vertx.core.Promise<Void> done) {
        if (!running.get()) {
            done.complete();
            return;
        }
        List<String> itemIds = new ArrayList<>();
        String body;
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(port)
                .putHeader("content-type", "application/json").setTimeout(30_000);
        if (batch) {
            StringBuilder items = new StringBuilder(BATCH_ITEMS * (PAD.length() + 64)).append('[');
            for (int i = 0; i < BATCH_ITEMS; i++) {
                String id = "b" + ids.incrementAndGet();
                itemIds.add(id);
                items.append(i == 0 ? "" : ",").append("{\"channel\":\"load-").append(i % 8)
                        .append("\",\"data\":{\"id\":\"").append(id).append("\",\"pad\":\"").append(PAD).append("\"}}");
            }
            body = items.append(']').toString();
            options.setURI("/v1/messages");
        } else {
            String id = "s" + ids.incrementAndGet();
            itemIds.add(id);
            body = "{\"id\":\"" + id + "\",\"pad\":\"" + PAD + "\"}";
            options.setURI("/v1/channels/load-" + (id.hashCode() & 7) + "/messages");
            if (keyed) {
                options.putHeader("Idempotency-Key", "key-" + id);
            }
        }
        offeredItems.add(itemIds.size());
        client.request(options)
                .compose(request -> request.send(Buffer.buffer(body)))
                .compose(response -> response.body().map(b -> {
                    record(response.statusCode(), response.getHeader("Retry-After"), b, itemIds, batch);
                    return null;
                }))
                .onComplete(ar -> {
                    if (ar.failed()) {
                        failedConnections.increment();
                    }
                    next(client, port, batch, keyed, done);
                });
    }

    private void record(int status, String retryAfter, Buffer body, List<String> itemIds, boolean batch) {
        if (status == 201 || status == 200) {
            if (batch) {
                JsonArray results = new JsonObject(body).getJsonArray("results");
                for (int i = 0; i < results.size(); i++) {
                    acked.add(number(itemIds.get(i)), results.getJsonObject(i).getLong("seq"));
                }
            } else {
                acked.add(number(itemIds.get(0)), new JsonObject(body).getLong("seq"));
            }
            ackedItems.add(itemIds.size());
        } else if (status == 429) {
            tooMany.increment();
            if (retryAfter == null) {
                tooManyWithoutRetryAfter.increment();
            }
        } else if (status == 503) {
            unavailable.increment();
        } else {
            otherStatuses.computeIfAbsent(status + " " + body.toString().substring(0, Math.min(120, body.length())),
                    s -> new LongAdder()).increment();
        }
    }

    /** "s123" and "b123" share one counter: the number alone names the item. */
    private static long number(String id) {
        return Long.parseLong(id, 1, id.length(), 10);
    }

    /** Appended (item, seq) pairs in growing primitive arrays. */
    private static final class Acks {
        private long[] items = new long[1 << 16];
        private long[] seqs = new long[1 << 16];
        private int size;

        synchronized void add(long item, long seq) {
            if (size == items.length) {
                items = java.util.Arrays.copyOf(items, size * 2);
                seqs = java.util.Arrays.copyOf(seqs, size * 2);
            }
            items[size] = item;
            seqs[size++] = seq;
        }

        synchronized int size() {
            return size;
        }
    }

    /**
     * Every node's whole log, streamed page by page: the first node's (item per seq, in a primitive
     * array) holds no item twice and every acknowledged item at its seq; every other node's equals it.
     */
    private void checkLogs(NodeProcesses nodes) throws Exception {
        long[] first = readLog(nodes, 1, null);
        java.util.BitSet seen = new java.util.BitSet();
        for (int i = 0; i < first.length; i++) {
            int item = Math.toIntExact(first[i]);
            assertTrue(!seen.get(item), "item " + item + " is in the log twice (again at seq " + (i + 1) + ")");
            seen.set(item);
        }
        synchronized (acked) {
            for (int a = 0; a < acked.size; a++) {
                long seq = acked.seqs[a];
                assertTrue(seq >= 1 && seq <= first.length, "acknowledged item " + acked.items[a] + " at seq " + seq
                        + " beyond the log's " + first.length);
                assertEquals(acked.items[a], first[(int) seq - 1], "the message at seq " + seq);
            }
        }
        for (int k = 2; k <= nodes.size(); k++) {
            readLog(nodes, k, first);
        }
        System.out.printf("overload: %d messages in the log, identical on %d nodes; all %d acknowledged at their seq%n",
                first.length, nodes.size(), acked.size());
    }

    /** Node k's log as item numbers by seq; with {@code expected}, checks it equals that instead of keeping it. */
    private static long[] readLog(NodeProcesses nodes, int k, long[] expected) throws Exception {
        long[] items = expected != null ? null : new long[1 << 16];
        long after = 0;
        while (true) {
            var response = nodes.http().send(java.net.http.HttpRequest.newBuilder(
                            nodes.uri(k, "/v1/messages?after=" + after + "&limit=1000")).timeout(Duration.ofSeconds(30)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode(), response.body());
            JsonArray page = new JsonObject(response.body()).getJsonArray("messages");
            if (page.isEmpty()) {
                if (expected != null) {
                    assertEquals(expected.length, after, nodes.nodeId(k) + " holds another number of messages");
                    return expected;
                }
                return java.util.Arrays.copyOf(items, (int) after);
            }
            for (int i = 0; i < page.size(); i++) {
                JsonObject m = page.getJsonObject(i);
                assertEquals(after + 1, m.getLong("seq"), nodes.nodeId(k) + ": seqs without a hole");
                long item = number(m.getJsonObject("data").getString("id"));
                if (expected != null) {
                    assertTrue(after < expected.length && expected[(int) after] == item,
                            nodes.nodeId(k) + " holds another log at seq " + (after + 1));
                } else {
                    if (after == items.length) {
                        items = java.util.Arrays.copyOf(items, items.length * 2);
                    }
                    items[(int) after] = item;
                }
                after = m.getLong("seq");
            }
        }
    }

    private static long headSeq(NodeProcesses nodes, int k) throws Exception {
        return new JsonObject(nodes.get(k, "/v1/cluster").body()).getLong("commitSeq");
    }

    /** Heap and RSS of every node, once a second, from /metrics and /proc. */
    private static final class Sampler {
        private final NodeProcesses nodes;
        private final long[] peakLive;
        private final long[] peakUsed;
        private final long[] peakRss;
        private final long[] maxHeap;
        private final long[] peakPending;
        private final long[] peakConnections;

        Sampler(NodeProcesses nodes) {
            this.nodes = nodes;
            this.peakLive = new long[nodes.size() + 1];
            this.peakUsed = new long[nodes.size() + 1];
            this.peakRss = new long[nodes.size() + 1];
            this.maxHeap = new long[nodes.size() + 1];
            this.peakPending = new long[nodes.size() + 1];
            this.peakConnections = new long[nodes.size() + 1];
        }

        synchronized void sample() {
            for (int k = 1; k <= nodes.size(); k++) {
                if (!nodes.isAlive(k)) {
                    continue;
                }
                try {
                    var response = nodes.get(k, "/metrics");
                    long used = 0;
                    long max = 0;
                    for (String line : response.body().split("\n")) {
                        if (line.startsWith("jvm_memory_used_bytes{") && line.contains("area=\"heap\"")) {
                            used += value(line);
                        } else if (line.startsWith("jvm_memory_max_bytes{") && line.contains("area=\"heap\"")) {
                            max += Math.max(0, value(line));
                        } else if (line.startsWith("paxcast_publish_pending{")) {
                            peakPending[k] = Math.max(peakPending[k], value(line));
                        } else if (line.startsWith("paxcast_http_connections{")) {
                            peakConnections[k] = Math.max(peakConnections[k], value(line));
                        }
                    }
                    peakUsed[k] = Math.max(peakUsed[k], used);
                    maxHeap[k] = Math.max(maxHeap[k], max);
                } catch (Exception e) {
                    // a node too busy to answer within 2 s: its next sample counts
                }
                try {
                    for (String line : Files.readAllLines(Path.of("/proc/" + nodes.pid(k) + "/status"))) {
                        if (line.startsWith("VmRSS:")) {
                            peakRss[k] = Math.max(peakRss[k], Long.parseLong(line.replaceAll("\\D", "")) * 1024);
                        }
                    }
                } catch (Exception e) {
                    // the process is gone: the liveness assertion reports it
                }
            }
        }

        /** Runs a full GC on each node (jcmd GC.run), then reads its heap in use: the live set, under load. */
        synchronized void measureLiveHeap() {
            String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
            for (int k = 1; k <= nodes.size(); k++) {
                if (!nodes.isAlive(k)) {
                    continue;
                }
                try {
                    Process p = new ProcessBuilder(jcmd, String.valueOf(nodes.pid(k)), "GC.run")
                            .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                    p.waitFor(30, TimeUnit.SECONDS);
                    long used = 0;
                    // a node under this load may take a while to answer a scrape: a few tries, not one
                    String metrics = null;
                    for (int attempt = 0; metrics == null && attempt < 5; attempt++) {
                        try {
                            metrics = nodes.get(k, "/metrics").body();
                        } catch (java.io.IOException busy) {
                            // asked again at once: the request itself waited
                        }
                    }
                    if (metrics == null) {
                        continue; // the later measurement counts (scheduled twice)
                    }
                    for (String line : metrics.split("\n")) {
                        if (line.startsWith("jvm_memory_used_bytes{") && line.contains("area=\"heap\"")) {
                            used += value(line);
                        }
                    }
                    peakLive[k] = Math.max(peakLive[k], used);
                } catch (Exception e) {
                    throw new IllegalStateException("cannot measure the live heap of " + nodes.nodeId(k), e);
                }
            }
        }

        private static long value(String line) {
            return (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }

        synchronized void print() {
            for (int k = 1; k <= nodes.size(); k++) {
                System.out.printf("overload: %s live heap under load (after a full GC) %d MiB, peak heap in use %d MiB of %d MiB,"
                                + " peak RSS %d MiB, peak publishes in flight %d, peak connections %d%n",
                        nodes.nodeId(k), peakLive[k] >> 20, peakUsed[k] >> 20, maxHeap[k] >> 20, peakRss[k] >> 20,
                        peakPending[k], peakConnections[k]);
            }
        }

        synchronized void assertHeapWithinBudget(double fraction) {
            for (int k = 1; k <= nodes.size(); k++) {
                assertTrue(maxHeap[k] > 0, "no heap figure from " + nodes.nodeId(k));
                assertTrue(peakLive[k] > 0, "no live-heap figure from " + nodes.nodeId(k));
                assertTrue(peakLive[k] < fraction * maxHeap[k], nodes.nodeId(k) + ": live heap after GC reached "
                        + (peakLive[k] >> 20) + " MiB of " + (maxHeap[k] >> 20) + " MiB");
            }
        }
    }
}
