package io.paxcast.bench;

import io.paxcast.testkit.node.NodeProcesses;
import io.paxcast.testkit.node.NodeProcessesBuilder;
import io.paxcast.testkit.kafka.KafkaBroker;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.SynchronizedHistogram;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.io.PrintStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The cost of the Kafka export: the same publish load on a fresh 3-node cluster twice, first with
 * the export off (the baseline), then with the total order exported to a real Kafka broker (KRaft,
 * started here in its own JVM). It prints publish throughput and publish-to-ack latency of both
 * runs side by side, and the publish-to-visible-in-Kafka latency (a {@code read_committed}
 * consumer's view: the time until a message is in the topic for every reader). It also checks the
 * topic: every acknowledged message once, {@code paxcast-seq} 1, 2, 3... without a gap.
 *
 * <p>Usage: {@code ExportBench [--publishers 8] [--seconds 15] [--payload 256] [--warmup 2] [--smoke]}.
 */
public final class ExportBench {
    private static final Pattern SENT = Pattern.compile("\"sent\":(\\d+)");
    static final String TOPIC = "paxcast-bench";

    /** One run: publishes/s, publish -> ack, and (export on) publish -> visible in Kafka. */
    public record Run(String name, double publishOps, Histogram ack, Histogram kafka, long acked, long inTopic,
                      boolean topicInOrder) {
    }

    public static void main(String[] args) throws Exception {
        PublishBench.Options o = options(args);
        List<Run> runs = run(o, System.out);
        print(runs);
        Run export = runs.get(1);
        if (!export.topicInOrder() || export.inTopic() != export.acked()) {
            System.err.println("FAILED: the topic does not hold exactly the acknowledged messages in seq order");
            System.exit(1);
        }
    }

    static PublishBench.Options options(String[] args) {
        List<String> rest = new ArrayList<>(List.of(args));
        boolean smoke = rest.remove("--smoke");
        PublishBench.Options o = PublishBench.parse(rest.toArray(String[]::new));
        int seconds = rest.contains("--seconds") ? o.seconds() : 15;
        int warmup = rest.contains("--warmup") ? o.warmup() : 2;
        if (smoke) {
            seconds = 2;
            warmup = 1;
        }
        return new PublishBench.Options(List.of(), o.publishers(), seconds, o.payload(), warmup);
    }

    static List<Run> run(PublishBench.Options o, PrintStream progress) throws Exception {
        Path work = Files.createTempDirectory("paxcast-export-bench");
        try (KafkaBroker broker = KafkaBroker.start(work.resolve("kafka"))) {
            broker.createTopic(TOPIC, 1);
            Run baseline = runCluster("export off (baseline)", o, null, progress);
            Run export = runCluster("export on", o, broker, progress);
            return List.of(baseline, export);
        } finally {
            deleteTree(work);
        }
    }

    private static Run runCluster(String name, PublishBench.Options o, KafkaBroker broker, PrintStream progress)
            throws Exception {
        progress.printf("%s: starting a 3-node cluster%n", name);
        NodeProcessesBuilder builder = NodeProcesses.builder().nodes(3).name("ExportBench").heap("384m");
        if (broker != null) {
            builder.env("PAXCAST_KAFKA_EXPORT_BOOTSTRAPSERVERS", broker.bootstrapServers())
                    .env("PAXCAST_KAFKA_EXPORT_TOPIC", TOPIC);
        }
        try (NodeProcesses nodes = builder.build()) {
            nodes.startAll();
            nodes.awaitReady(Duration.ofSeconds(90));
            List<String> urls = new ArrayList<>();
            for (int k = 1; k <= nodes.size(); k++) {
                urls.add(nodes.uri(k, "").toString().replaceAll("/$", ""));
            }
            PublishBench.Options run = new PublishBench.Options(urls, o.publishers(), o.seconds(), o.payload(), o.warmup());
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            String channel = "bench-" + Long.toString(System.nanoTime(), 36);
            TopicWatcher watcher = broker == null ? null : new TopicWatcher(broker.bootstrapServers());
            try {
                if (watcher != null) {
                    awaitExporting(nodes, http);
                    watcher.start();
                }
                long warm = 0;
                if (o.warmup() > 0) {
                    progress.printf("%s: warm-up %d s%n", name, o.warmup());
                    warm = PublishBench.drive(run, o.warmup(), PublishBench.publisher(http, channel, o.payload()),
                            new Histogram(60_000_000_000L, 3));
                }
                if (watcher != null) {
                    watcher.latency.reset();
                }
                progress.printf("%s: %d publishers x %d-byte payloads for %d s%n", name, o.publishers(), o.payload(), o.seconds());
                Histogram ack = new Histogram(60_000_000_000L, 3);
                long started = System.nanoTime();
                long acked = PublishBench.drive(run, o.seconds(), PublishBench.publisher(http, channel, o.payload()), ack);
                double elapsed = (System.nanoTime() - started) / 1e9;
                if (watcher == null) {
                    return new Run(name, acked / elapsed, ack, null, warm + acked, 0, true);
                }
                long expected = warm + acked;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (watcher.count.get() < expected && System.nanoTime() < deadline) {
                    watcher.progress.await(100);
                }
                return new Run(name, acked / elapsed, ack, watcher.latency.copy(), expected, watcher.count.get(),
                        watcher.inOrder.get());
            } finally {
                if (watcher != null) {
                    watcher.close();
                }
            }
        }
    }

    private static void awaitExporting(NodeProcesses nodes, HttpClient http) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        Object tick = new Object();
        while (System.nanoTime() < deadline) {
            for (int k = 1; k <= nodes.size(); k++) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(nodes.uri(k, "/v1/cluster")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.body().contains("\"state\":\"exporting\"")) {
                    return;
                }
            }
            synchronized (tick) {
                tick.wait(100);
            }
        }
        throw new IllegalStateException("no node started exporting within 60 s");
    }

    /**
     * Reads the export topic as Kafka's readers see it (read_committed), timing each record from its
     * "sent" stamp (this JVM's nanoTime, written into the payload by the publisher), and checking
     * that paxcast-seq runs 1, 2, 3...
     */
    static final class TopicWatcher implements AutoCloseable {
        final AtomicLong count = new AtomicLong();
        final AtomicBoolean inOrder = new AtomicBoolean(true);
        final Histogram latency = new SynchronizedHistogram(60_000_000_000L, 3);
        final Signal progress = new Signal();
        private final AtomicBoolean stop = new AtomicBoolean();
        private final Thread thread;
        private final String servers;

        TopicWatcher(String servers) {
            this.servers = servers;
            this.thread = new Thread(this::loop, "export-bench-watcher");
        }

        void start() {
            thread.start();
        }

        private void loop() {
            Properties p = new Properties();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
            p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "10");
            TopicPartition tp = new TopicPartition(TOPIC, 0);
            long lastSeq = 0;
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                consumer.assign(List.of(tp));
                consumer.seekToBeginning(List.of(tp));
                while (!stop.get()) {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                        long now = System.nanoTime();
                        Header seq = r.headers().lastHeader("paxcast-seq");
                        long s = seq == null ? -1 : Long.parseLong(new String(seq.value(), StandardCharsets.UTF_8));
                        if (s != lastSeq + 1) {
                            inOrder.set(false);
                        }
                        lastSeq = s;
                        Matcher sent = SENT.matcher(new String(r.value(), StandardCharsets.UTF_8));
                        if (sent.find()) {
                            latency.recordValue(Math.max(0, now - Long.parseLong(sent.group(1))));
                        }
                        count.incrementAndGet();
                    }
                    progress.signal();
                }
            }
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            thread.join(10_000);
        }
    }

    /** A wait that ends early when the watcher makes progress. */
    static final class Signal {
        synchronized void signal() {
            notifyAll();
        }

        synchronized void await(long millis) throws InterruptedException {
            wait(millis);
        }
    }

    static void print(List<Run> runs) {
        System.out.println();
        System.out.printf(Locale.ROOT, "%-44s %10s %9s %9s %9s %9s%n", "", "ops/s", "p50 ms", "p99 ms", "p99.9 ms", "max ms");
        for (Run r : runs) {
            row("publish -> ack, " + r.name(), r.publishOps(), r.ack());
        }
        Run export = runs.get(runs.size() - 1);
        row("publish -> in Kafka (read_committed)", export.publishOps(), export.kafka());
        System.out.printf(Locale.ROOT, "export: %d acknowledged, %d records in the topic, paxcast-seq 1..n in order: %s%n",
                export.acked(), export.inTopic(), export.topicInOrder());
    }

    private static void row(String name, double ops, Histogram h) {
        System.out.printf(Locale.ROOT, "%-44s %10.0f %9.2f %9.2f %9.2f %9.2f%n", name, ops,
                h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(99) / 1e6, h.getValueAtPercentile(99.9) / 1e6,
                h.getMaxValue() / 1e6);
    }

    private static void deleteTree(Path root) throws java.io.IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (var paths = Files.walk(root)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private ExportBench() {
    }
}
