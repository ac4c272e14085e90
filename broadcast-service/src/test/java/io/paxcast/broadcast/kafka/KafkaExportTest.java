package io.paxcast.broadcast.kafka;

import io.paxcast.testkit.kafka.KafkaBroker;
import io.paxcast.testkit.node.NodeLogsOnFailure;
import io.paxcast.testkit.node.NodeProcesses;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Export under load against a real Kafka broker: three node processes export the total order into
 * one topic partition while publishers run; the exporting node (the leader) is SIGKILLed in the
 * middle; another node takes the export over. The topic must then hold exactly the global log:
 * every message once, in seq order, with its key, value and headers.
 */
class KafkaExportTest {
    static final String TOPIC = "paxcast-log";
    static final int MESSAGES = 600;
    static final int PUBLISHERS = 4;

    @RegisterExtension
    final NodeLogsOnFailure logs = new NodeLogsOnFailure();

    @Test
    void theTopicHoldsTheGlobalLogOnceEachInOrderAcrossAKillOfTheExporter(@TempDir Path dir) throws Exception {
        try (KafkaBroker broker = KafkaBroker.start(dir.resolve("kafka"))) {
            broker.createTopic(TOPIC, 1);
            try (NodeProcesses nodes = logs.watch(NodeProcesses.builder().nodes(3).name("KafkaExportTest")
                    .env("PAXCAST_KAFKA_EXPORT_BOOTSTRAPSERVERS", broker.bootstrapServers())
                    .env("PAXCAST_KAFKA_EXPORT_TOPIC", TOPIC)
                    .env("PAXCAST_KAFKA_EXPORT_BATCHMESSAGES", "40")
                    .env("PAXCAST_PUBLISH_TIMEOUTMILLIS", "3000")
                    .build())) {
                nodes.startAll();
                nodes.awaitReady(Duration.ofSeconds(90));
                int first = awaitExporter(nodes, Set.of());

                Set<Integer> down = ConcurrentHashMap.newKeySet();
                // phase 1: SIGKILL the exporter a third of the way through
                publishWhile(nodes, down, 0, MESSAGES, MESSAGES / 3, () -> {
                    down.add(first);
                    nodes.kill(first);
                });
                int second = awaitCaughtUp(nodes, MESSAGES);
                assertNotEquals(first, second, "another node exports after the kill");
                assertTopicIsTheLog(broker, nodes, second, MESSAGES);

                // phase 2: a zombie. SIGSTOP whichever node exports now; another takes over; SIGCONT
                // the old one, which still believes it leads and may try to commit, until it hears the
                // new ballot or Kafka's fence stops it
                nodes.start(first);
                down.remove(first);
                nodes.awaitReady(Duration.ofSeconds(90));
                int[] zombie = new int[1];
                publishWhile(nodes, down, MESSAGES, 2 * MESSAGES, MESSAGES + MESSAGES / 3, () -> {
                    zombie[0] = awaitExporter(nodes, Set.of());
                    down.add(zombie[0]);
                    nodes.pause(zombie[0]);
                    awaitExporter(nodes, Set.of(zombie[0]));
                    nodes.resume(zombie[0]);
                    down.remove(zombie[0]);
                });
                int last = awaitCaughtUp(nodes, 2 * MESSAGES);
                assertTopicIsTheLog(broker, nodes, last, 2 * MESSAGES);
                // README's command: Kafka's own console consumer reads the same order
                String console = broker.runTool("org.apache.kafka.tools.consumer.ConsoleConsumer", List.of(
                        "--bootstrap-server", broker.bootstrapServers(), "--topic", TOPIC, "--from-beginning",
                        "--isolation-level", "read_committed", "--property", "print.key=true", "--property", "print.headers=true",
                        "--max-messages", String.valueOf(2 * MESSAGES), "--timeout-ms", "30000"), Duration.ofSeconds(90));
                List<Long> seqs = new ArrayList<>();
                Matcher seq = Pattern.compile("paxcast-seq:(\\d+)").matcher(console);
                while (seq.find()) {
                    seqs.add(Long.parseLong(seq.group(1)));
                }
                assertEquals(2 * MESSAGES, seqs.size(), "the console consumer prints every record:\n"
                        + console.substring(0, Math.min(2000, console.length())));
                for (int i = 0; i < seqs.size(); i++) {
                    assertEquals(i + 1L, seqs.get(i), "the console consumer sees seq order");
                }
                System.out.printf("[KafkaExportTest] exporter n%d killed, n%d took over; exporter n%d paused and resumed;"
                        + " n%d exports at the end; the topic holds the %d-message log exactly%n",
                        first, second, zombie[0], last, 2 * MESSAGES);
            }
        }
    }

    /**
     * Publishes messages [from, to) with {@link #PUBLISHERS} concurrent publishers, runs {@code fault}
     * once {@code faultAt} of them are acknowledged, and returns when every one is acknowledged.
     */
    static void publishWhile(NodeProcesses nodes, Set<Integer> down, int from, int to, int faultAt, ThrowingRunnable fault)
            throws Exception {
        AtomicInteger acked = new AtomicInteger(from);
        AtomicInteger next = new AtomicInteger(from);
        ExecutorService pool = Executors.newFixedThreadPool(PUBLISHERS);
        List<Future<?>> publishers = new ArrayList<>();
        for (int p = 0; p < PUBLISHERS; p++) {
            publishers.add(pool.submit(() -> {
                for (int i = next.getAndIncrement(); i < to; i = next.getAndIncrement()) {
                    publishUntilAcked(nodes, down, i);
                    acked.incrementAndGet();
                }
                return null;
            }));
        }
        try {
            await("publishes before the fault").atMost(Duration.ofSeconds(60)).until(() -> acked.get() >= faultAt);
            fault.run();
            for (Future<?> f : publishers) {
                f.get(180, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    /**
     * Waits until some running node exports and has exported all {@code messages} (its own view,
     * lag 0); returns it. Asked of every node each time: a resumed zombie may still say it exports
     * for a moment before it learns it no longer leads.
     */
    static int awaitCaughtUp(NodeProcesses nodes, int messages) {
        AtomicInteger found = new AtomicInteger();
        await("the export catches up with the log").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250))
                .until(() -> {
                    for (int k = 1; k <= nodes.size(); k++) {
                        if (!nodes.isAlive(k) || nodes.isPaused(k)) {
                            continue;
                        }
                        try {
                            JsonObject cluster = new JsonObject(nodes.get(k, "/v1/cluster").body());
                            JsonObject export = cluster.getJsonObject("kafka").getJsonObject("export");
                            if ("exporting".equals(export.getString("state")) && cluster.getLong("commitSeq") == messages
                                    && Long.valueOf(messages).equals(export.getLong("exportedSeq"))
                                    && Long.valueOf(0).equals(export.getLong("lag"))) {
                                found.set(k);
                                return true;
                            }
                        } catch (Exception notAnswering) {
                            // the next node
                        }
                    }
                    return false;
                });
        return found.get();
    }

    /** The topic holds exactly node k's global log of {@code messages} messages: each once, in seq order. */
    static void assertTopicIsTheLog(KafkaBroker broker, NodeProcesses nodes, int k, int messages) throws Exception {
        List<JsonObject> log = globalLog(nodes, k);
        assertEquals(messages, log.size(), "every publish appears once in the total order (keys dedupe retries)");
        Set<Integer> published = new HashSet<>();
        for (JsonObject m : log) {
            assertTrue(published.add(m.getJsonObject("data").getInteger("i")), "no duplicate: " + m.encode());
        }

        List<KafkaTopic.Exported> topic = KafkaTopic.readCommitted(broker.bootstrapServers(), TOPIC, 0, log.size());
        assertEquals(log.size(), topic.size(), "the topic holds the global log exactly (records: " + topic.size()
                + ", log: " + log.size() + ")");
        for (int i = 0; i < log.size(); i++) {
            JsonObject m = log.get(i);
            KafkaTopic.Exported r = topic.get(i);
            String where = "record " + i + " at offset " + r.offset();
            assertEquals(String.valueOf(i + 1), r.seq(), where + ": seq in order, no gap, no duplicate");
            assertEquals(m.getLong("seq").toString(), r.seq(), where);
            assertEquals(m.getString("channel"), r.key(), where + ": key = channel");
            assertEquals(m.getString("channel"), r.channel(), where);
            assertEquals(m.getLong("offset").toString(), r.channelOffset(), where);
            assertEquals(m.getLong("ts").toString(), r.ts(), where);
            assertEquals(m.getLong("ts"), r.timestamp(), where + ": record timestamp = ts");
            assertEquals(m.getValue("data"), new JsonObject(r.value()), where + ": value = payload");
        }
    }

    /** The node that says it exports (its own view), among the running ones not in {@code excluded}. */
    static int awaitExporter(NodeProcesses nodes, Set<Integer> excluded) {
        AtomicInteger found = new AtomicInteger();
        await("an exporter").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
            for (int k = 1; k <= nodes.size(); k++) {
                if (excluded.contains(k) || !nodes.isAlive(k)) {
                    continue;
                }
                try {
                    JsonObject kafka = new JsonObject(nodes.get(k, "/v1/cluster").body()).getJsonObject("kafka");
                    if ("exporting".equals(kafka.getJsonObject("export").getString("state"))) {
                        found.set(k);
                        return true;
                    }
                } catch (Exception notAnswering) {
                    // try the next node
                }
            }
            return false;
        });
        return found.get();
    }

    /** Publishes message {@code i} (Idempotency-Key m-i) through the live nodes until one acknowledges it. */
    static void publishUntilAcked(NodeProcesses nodes, Set<Integer> dead, int i) throws Exception {
        String channel = "ch" + (i % 3);
        String body = new JsonObject().put("i", i).put("text", "message " + i).encode();
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        for (int attempt = 0; System.nanoTime() < deadline; attempt++) {
            int k = 1 + (i + attempt) % nodes.size();
            if (dead.contains(k)) {
                continue;
            }
            try {
                HttpResponse<String> r = nodes.http().send(HttpRequest.newBuilder(nodes.uri(k, "/v1/channels/" + channel + "/messages"))
                                .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
                                .header("Idempotency-Key", "m-" + i).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 201 || r.statusCode() == 200) {
                    return;
                }
            } catch (java.io.IOException e) {
                // the node died or timed out: the next attempt goes to another node, same key
            }
        }
        throw new AssertionError("message " + i + " was never acknowledged");
    }

    static List<JsonObject> globalLog(NodeProcesses nodes, int k) throws Exception {
        List<JsonObject> out = new ArrayList<>();
        long after = 0;
        while (true) {
            JsonArray page = new JsonObject(nodes.get(k, "/v1/messages?after=" + after + "&limit=1000").body())
                    .getJsonArray("messages");
            if (page.isEmpty()) {
                return out;
            }
            for (int i = 0; i < page.size(); i++) {
                out.add(page.getJsonObject(i));
            }
            after = out.get(out.size() - 1).getLong("seq");
        }
    }
}
