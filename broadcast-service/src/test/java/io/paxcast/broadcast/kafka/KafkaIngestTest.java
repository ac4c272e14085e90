package io.paxcast.broadcast.kafka;

import io.paxcast.testkit.kafka.KafkaBroker;
import io.paxcast.testkit.node.NodeLogsOnFailure;
import io.paxcast.testkit.node.NodeProcesses;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Ingest against a real Kafka broker: records are produced into a 2-partition topic while three
 * node processes consume them (one consumer group) into a channel; in the middle every node is
 * SIGKILLed (the whole consumer side dies with uncommitted records in flight) and started again.
 * Each record must appear in the channel exactly once, and the records of each partition in
 * offset order.
 */
class KafkaIngestTest {
    static final String TOPIC = "orders";
    static final String CHANNEL = "orders-in";
    static final int RECORDS = 600;

    @RegisterExtension
    final NodeLogsOnFailure logs = new NodeLogsOnFailure();

    @Test
    void everyRecordAppearsOnceInPartitionOrderAcrossAKillOfTheConsumers(@TempDir Path dir) throws Exception {
        try (KafkaBroker broker = KafkaBroker.start(dir.resolve("kafka"))) {
            broker.createTopic(TOPIC, 2);
            try (NodeProcesses nodes = logs.watch(NodeProcesses.builder().nodes(3).name("KafkaIngestTest")
                    .env("PAXCAST_KAFKA_INGEST_BOOTSTRAPSERVERS", broker.bootstrapServers())
                    .env("PAXCAST_KAFKA_INGEST_TOPICS", TOPIC + "=" + CHANNEL)
                    .env("PAXCAST_KAFKA_INGEST_BATCHRECORDS", "10")
                    .env("PAXCAST_KAFKA_INGEST_SESSIONTIMEOUTMILLIS", "6000")
                    .build());
                 KafkaProducer<String, String> producer = producer(broker)) {
                nodes.startAll();
                nodes.awaitReady(Duration.ofSeconds(90));

                // the first half at a steady pace (a record every 5 ms) in the background; the kill
                // lands once a third of it is in the channel, most likely while records still come;
                // the second half is produced while the nodes start again
                CompletableFuture<Void> firstHalf = produce(producer, 0, RECORDS / 2);
                await("records ingested before the kill").atMost(Duration.ofSeconds(60)).ignoreExceptions()
                        .until(() -> channel(nodes, 1).size() >= RECORDS / 6);
                int before = channel(nodes, 1).size();
                boolean stillProducing = !firstHalf.isDone();
                for (int k = 1; k <= 3; k++) {
                    nodes.kill(k); // SIGKILL: uncommitted offsets, publishes in flight
                }
                firstHalf.get(60, TimeUnit.SECONDS);
                CompletableFuture<Void> secondHalf = produce(producer, RECORDS / 2, RECORDS);
                for (int k = 1; k <= 3; k++) {
                    nodes.start(k);
                }
                secondHalf.get(120, TimeUnit.SECONDS);
                nodes.awaitReady(Duration.ofSeconds(90));

                await("the group committed every offset").atMost(Duration.ofSeconds(120)).until(() -> fullyCommitted(broker));
                // committed means acknowledged: durable on a majority; node 3 may still be applying
                await("every record ingested").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                        .until(() -> channel(nodes, 3).size() >= RECORDS);

                List<JsonObject> messages = channel(nodes, 3);
                assertEquals(RECORDS, messages.size(), "each record once (the channel holds " + messages.size() + ")");
                Map<Integer, Long> lastOffset = new HashMap<>();
                boolean[] seen = new boolean[RECORDS];
                for (JsonObject m : messages) {
                    int i = m.getJsonObject("data").getInteger("i");
                    int p = m.getJsonObject("data").getInteger("p");
                    assertTrue(!seen[i], "record " + i + " appears twice");
                    seen[i] = true;
                    String[] key = m.getString("key").split("/");
                    assertEquals(TOPIC, key[0]);
                    assertEquals(p, Integer.parseInt(key[1]), "the key names the partition");
                    long offset = Long.parseLong(key[2]);
                    assertTrue(offset > lastOffset.getOrDefault(p, -1L),
                            "partition " + p + " in offset order: offset " + offset + " after " + lastOffset.get(p));
                    assertEquals(i / 2, offset, "record " + i + " is at offset " + (i / 2) + " of its partition");
                    lastOffset.put(p, offset);
                }
                System.out.printf("[KafkaIngestTest] %d records, %d ingested before the kill of all nodes (records still coming: %s),"
                        + " replayed after it: %s%n", RECORDS, before, stillProducing, replayed(nodes));
            }
        }
    }

    /** Produces records [from, to), one every 5 ms, partition i % 2, value {"i": i, "p": partition}. */
    static CompletableFuture<Void> produce(KafkaProducer<String, String> producer, int from, int to) {
        AtomicInteger next = new AtomicInteger(from);
        CompletableFuture<Void> done = new CompletableFuture<>();
        ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor();
        pacer.scheduleAtFixedRate(() -> {
            int i = next.get();
            if (i >= to || done.isDone()) {
                done.complete(null);
                pacer.shutdown();
                return;
            }
            try {
                int partition = i % 2;
                producer.send(new ProducerRecord<>(TOPIC, partition, "k" + i,
                        new JsonObject().put("i", i).put("p", partition).encode())).get(10, TimeUnit.SECONDS);
                next.incrementAndGet();
            } catch (Exception e) {
                done.completeExceptionally(e);
                pacer.shutdown();
            }
        }, 0, 5, TimeUnit.MILLISECONDS);
        return done;
    }

    static KafkaProducer<String, String> producer(KafkaBroker broker) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    /** The whole channel as node k serves it; throws if the node does not answer. */
    static List<JsonObject> channel(NodeProcesses nodes, int k) throws Exception {
        List<JsonObject> out = new ArrayList<>();
        long after = 0;
        while (true) {
            var page = new JsonObject(nodes.get(k, "/v1/channels/" + CHANNEL + "/messages?after=" + after + "&limit=1000").body())
                    .getJsonArray("messages");
            if (page.isEmpty()) {
                return out;
            }
            for (int i = 0; i < page.size(); i++) {
                out.add(page.getJsonObject(i));
            }
            after = out.get(out.size() - 1).getLong("offset");
        }
    }

    static boolean fullyCommitted(KafkaBroker broker) throws Exception {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        try (Admin admin = Admin.create(p)) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets("paxcast-ingest")
                    .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (int partition = 0; partition < 2; partition++) {
                latest.put(new TopicPartition(TOPIC, partition), OffsetSpec.latest());
            }
            var ends = admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS);
            for (var e : ends.entrySet()) {
                OffsetAndMetadata c = committed.get(e.getKey());
                if (c == null || c.offset() < e.getValue().offset()) {
                    return false;
                }
            }
            return true;
        }
    }

    /** The sum over the live nodes of paxcast_kafka_ingest_replayed_total (records recognised by their key). */
    static double replayed(NodeProcesses nodes) {
        double sum = 0;
        for (int k = 1; k <= nodes.size(); k++) {
            try {
                for (String line : nodes.get(k, "/metrics").body().split("\n")) {
                    if (line.startsWith("paxcast_kafka_ingest_replayed_total")) {
                        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                    }
                }
            } catch (Exception ignored) {
                // a node that does not answer adds nothing
            }
        }
        return sum;
    }
}
