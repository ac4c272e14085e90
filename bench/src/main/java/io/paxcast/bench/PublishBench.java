package io.paxcast.bench;

import io.paxcast.testkit.client.TestClient;
import io.paxcast.wsframes.TextFrameListener;
import org.HdrHistogram.Histogram;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * End-to-end load against a running cluster: {@code publishers} concurrent HTTP publishers (spread
 * over the nodes) post {@code payload}-byte messages for {@code seconds}; one WebSocket subscriber
 * per node receives everything. It reports acknowledged publishes/s and the publish-to-ack and
 * publish-to-deliver latency percentiles, beside a baseline measured in the same run: the same
 * publishers doing {@code GET /health} (the HTTP stack alone, no consensus, no disk).
 * It also checks what it saw: every subscriber got every acknowledged message, in the same order.
 *
 * <p>Usage: {@code PublishBench --nodes http://127.0.0.1:8081,... [--publishers 8] [--seconds 20]
 * [--payload 256] [--warmup 3]}.
 */
public final class PublishBench {
    private static final Pattern SENT = Pattern.compile("\"sent\":(\\d+)");
    private static final Pattern SEQ = Pattern.compile("\"seq\":(\\d+)");

    record Options(List<String> nodes, int publishers, int seconds, int payload, int warmup) {}

    public record Result(double baselineOps, Histogram baseline, double publishOps, Histogram ack,
                         Histogram deliver, long acked, long[] receivedPerSubscriber, boolean sameOrder) {}

    public static void main(String[] args) throws Exception {
        Options o = parse(args);
        Result r = run(o, System.out);
        print(o, r);
        if (!r.sameOrder()) {
            System.err.println("FAILED: subscribers disagree on the order or missed acknowledged messages");
            System.exit(1);
        }
    }

    static Options parse(String[] args) {
        List<String> nodes = List.of("http://127.0.0.1:8081", "http://127.0.0.1:8082", "http://127.0.0.1:8083");
        int publishers = 8;
        int seconds = 20;
        int payload = 256;
        int warmup = 3;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--nodes" -> nodes = List.of(args[++i].split(","));
                case "--publishers" -> publishers = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--payload" -> payload = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--smoke" -> {
                    seconds = 2;
                    warmup = 1;
                }
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        return new Options(nodes, publishers, seconds, payload, warmup);
    }

    public static Result run(Options o, java.io.PrintStream progress) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        String channel = "bench-" + Long.toString(System.nanoTime(), 36);

        // Subscribers first, so they see every message of the run.
        List<Subscriber> subscribers = new ArrayList<>();
        for (String node : o.nodes()) {
            Subscriber s = new Subscriber();
            URI uri = URI.create(node.replaceFirst("^http", "ws") + "/v1/subscribe?channels=" + channel);
            new TestClient(http).webSocket(uri, null, s).get(10, TimeUnit.SECONDS);
            subscribers.add(s);
        }

        progress.printf("baseline: %d clients x GET /health for %d s%n", o.publishers(), o.seconds());
        Histogram baseline = new Histogram(60_000_000_000L, 3);
        long baselineCount = drive(o, o.seconds(), (client, node, i) -> {
            long t0 = System.nanoTime();
            HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(node + "/health")).GET().build(),
                    HttpResponse.BodyHandlers.discarding());
            check(r.statusCode() == 200, "health " + r.statusCode());
            return System.nanoTime() - t0;
        }, baseline);

        long warmCount = 0;
        if (o.warmup() > 0) {
            progress.printf("warm-up: %d s of publishing%n", o.warmup());
            warmCount = drive(o, o.warmup(), publisher(http, channel, o.payload()), new Histogram(60_000_000_000L, 3));
        }
        for (Subscriber s : subscribers) {
            s.deliver.reset();
        }
        progress.printf("publish: %d publishers x %d-byte payloads for %d s over %d nodes%n", o.publishers(),
                o.payload(), o.seconds(), o.nodes().size());
        Histogram ack = new Histogram(60_000_000_000L, 3);
        long start = System.nanoTime();
        long acked = drive(o, o.seconds(), publisher(http, channel, o.payload()), ack);
        double elapsed = (System.nanoTime() - start) / 1e9;
        long expected = warmCount + acked;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        boolean complete = false;
        while (System.nanoTime() < deadline && !complete) {
            complete = subscribers.stream().allMatch(s -> s.received.get() >= expected);
            if (!complete) {
                new CountDownLatch(1).await(50, TimeUnit.MILLISECONDS);
            }
        }
        boolean sameOrder = complete;
        List<Long> reference = subscribers.get(0).seqs;
        long[] received = new long[subscribers.size()];
        for (int i = 0; i < subscribers.size(); i++) {
            Subscriber s = subscribers.get(i);
            received[i] = s.received.get();
            sameOrder &= s.increasing && s.seqs.equals(reference);
            s.socket.abort();
        }
        Histogram deliver = subscribers.get(0).deliver.copy();
        return new Result(baselineCount / (double) o.seconds(), baseline, acked / elapsed, ack, deliver, acked,
                received, sameOrder);
    }

    interface Call {
        long call(int client, String node, long i) throws Exception;
    }

    /** Runs {@code publishers} threads for {@code seconds}, recording each call's latency; returns calls done. */
    static long drive(Options o, int seconds, Call call, Histogram into) throws Exception {
        AtomicLong done = new AtomicLong();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        List<Thread> threads = new ArrayList<>();
        ConcurrentHashMap<Integer, Histogram> perThread = new ConcurrentHashMap<>();
        List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (int t = 0; t < o.publishers(); t++) {
            int client = t;
            String node = o.nodes().get(t % o.nodes().size());
            Histogram h = new Histogram(60_000_000_000L, 3);
            perThread.put(client, h);
            Thread thread = new Thread(() -> {
                try {
                    for (long i = 0; System.nanoTime() < end; i++) {
                        h.recordValue(call.call(client, node, i));
                        done.incrementAndGet();
                    }
                } catch (Throwable e) {
                    errors.add(e);
                }
            }, "bench-client-" + t);
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        if (!errors.isEmpty()) {
            throw new IllegalStateException("a client failed", errors.get(0));
        }
        perThread.values().forEach(into::add);
        return done.get();
    }

    static Call publisher(HttpClient http, String channel, int payload) {
        return (client, node, i) -> {
            long t0 = System.nanoTime();
            String prefix = "{\"client\":" + client + ",\"i\":" + i + ",\"sent\":" + t0 + ",\"pad\":\"";
            int pad = Math.max(0, payload - prefix.length() - 2);
            String body = prefix + "x".repeat(pad) + "\"}";
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(node + "/v1/channels/" + channel + "/messages"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            check(r.statusCode() == 201, "publish answered " + r.statusCode() + " " + r.body());
            return System.nanoTime() - t0;
        };
    }

    /** Collects one node's frames: order, count, and delivery latency from the "sent" stamp. */
    static final class Subscriber implements TextFrameListener.Handler {
        final AtomicLong received = new AtomicLong();
        final List<Long> seqs = java.util.Collections.synchronizedList(new ArrayList<>());
        final Histogram deliver = new org.HdrHistogram.SynchronizedHistogram(60_000_000_000L, 3);
        volatile boolean increasing = true;
        private long last;
        WebSocket socket;

        @Override
        public void onOpen(WebSocket webSocket) {
            socket = webSocket;
        }

        @Override
        public void onText(WebSocket webSocket, String frame) {
            if (frame.startsWith("{\"type\":\"message\"")) {
                long now = System.nanoTime();
                Matcher seq = SEQ.matcher(frame);
                Matcher sent = SENT.matcher(frame);
                if (seq.find()) {
                    long s = Long.parseLong(seq.group(1));
                    increasing &= s > last;
                    last = s;
                    seqs.add(s);
                }
                if (sent.find()) {
                    deliver.recordValue(Math.max(0, now - Long.parseLong(sent.group(1))));
                }
                received.incrementAndGet();
            }
        }
    }

    static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException(what);
        }
    }

    static void print(Options o, Result r) {
        System.out.println();
        System.out.printf(Locale.ROOT, "%-34s %12s %9s %9s %9s %9s%n", "", "ops/s", "p50 ms", "p99 ms", "p99.9 ms", "max ms");
        row("baseline: GET /health (no consensus)", r.baselineOps(), r.baseline());
        row("publish -> ack (HTTP 201)", r.publishOps(), r.ack());
        row("publish -> deliver (WebSocket)", r.publishOps(), r.deliver());
        System.out.printf(Locale.ROOT, "acknowledged %d messages; received per subscriber %s; identical order on every node: %s%n",
                r.acked(), java.util.Arrays.toString(r.receivedPerSubscriber()), r.sameOrder());
    }

    private static void row(String name, double ops, Histogram h) {
        System.out.printf(Locale.ROOT, "%-34s %12.0f %9.2f %9.2f %9.2f %9.2f%n", name, ops,
                h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(99) / 1e6, h.getValueAtPercentile(99.9) / 1e6,
                h.getMaxValue() / 1e6);
    }

    private PublishBench() {
    }
}
