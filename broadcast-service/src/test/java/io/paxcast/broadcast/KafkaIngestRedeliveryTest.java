package io.paxcast.broadcast;

import io.paxcast.testkit.kafka.KafkaBroker;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ingest's exactly-once rests on the idempotency key {@code topic/partition/offset}: rewinding
 * the consumer group to the start makes the node consume every record again, and the channel must
 * not change (each record recognised, counted as replayed), and later records must follow in order.
 * Also: a record whose value is not JSON is skipped and counted, and changes nothing.
 */
class KafkaIngestRedeliveryTest {
    static final String TOPIC = "events";
    static final String GROUP = "redelivery-test";

    @Test
    void recordsConsumedAgainAppendNothing(@TempDir Path dir) throws Exception {
        try (KafkaBroker broker = KafkaBroker.start(dir.resolve("kafka"));
             KafkaProducer<String, String> producer = producer(broker)) {
            broker.createTopic(TOPIC, 1);
            for (int i = 0; i < 50; i++) {
                producer.send(new ProducerRecord<>(TOPIC, 0, null, new JsonObject().put("i", i).encode()));
            }
            producer.send(new ProducerRecord<>(TOPIC, 0, null, "not json {")).get(10, TimeUnit.SECONDS);
            JsonObject config = new JsonObject()
                    .put("kafka.ingest.bootstrapServers", broker.bootstrapServers())
                    .put("kafka.ingest.topics", TOPIC + "=ev")
                    .put("kafka.ingest.groupId", GROUP)
                    .put("kafka.ingest.batchRecords", "7")
                    .put("kafka.ingest.sessionTimeoutMillis", "6000");
            Path data = dir.resolve("node");

            try (InProcessNode node = new InProcessNode(data, config)) {
                await().atMost(Duration.ofSeconds(60)).until(() -> channel(node).size() == 50);
                await().atMost(Duration.ofSeconds(30)).until(() -> committed(broker) == 51);
                assertEquals(1.0, node.metric("paxcast_kafka_ingest_rejected_total"), "the non-JSON record is counted");
                JsonObject cluster = node.cluster();
                assertEquals("consuming", cluster.getJsonObject("kafka").getJsonObject("ingest").getString("state"));
            }
            rewind(broker); // the group is empty now: every record will be consumed again

            try (InProcessNode node = new InProcessNode(data, config)) {
                await().atMost(Duration.ofSeconds(60)).until(() -> node.metric("paxcast_kafka_ingest_replayed_total") >= 50);
                await().atMost(Duration.ofSeconds(30)).until(() -> committed(broker) == 51);
                for (int i = 50; i < 60; i++) {
                    producer.send(new ProducerRecord<>(TOPIC, 0, null, new JsonObject().put("i", i).encode()));
                }
                producer.flush();
                await().atMost(Duration.ofSeconds(60)).until(() -> channel(node).size() >= 60);
                JsonArray messages = channel(node);
                assertEquals(60, messages.size(), "nothing appended twice");
                for (int i = 0; i < 60; i++) {
                    JsonObject m = messages.getJsonObject(i);
                    int recordOffset = i < 50 ? i : i + 1; // offset 50 is the rejected record
                    assertEquals(i, m.getJsonObject("data").getInteger("i"), "in offset order");
                    assertEquals(TOPIC + "/0/" + recordOffset, m.getString("key"));
                }
                assertEquals(50.0, node.metric("paxcast_kafka_ingest_replayed_total"), "every redelivered record recognised");
            }
        }
    }

    static KafkaProducer<String, String> producer(KafkaBroker broker) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    static Admin admin(KafkaBroker broker) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        return Admin.create(p);
    }

    static long committed(KafkaBroker broker) throws Exception {
        try (Admin admin = admin(broker)) {
            OffsetAndMetadata c = admin.listConsumerGroupOffsets(GROUP).partitionsToOffsetAndMetadata()
                    .get(10, TimeUnit.SECONDS).get(new TopicPartition(TOPIC, 0));
            return c == null ? -1 : c.offset();
        }
    }

    /** Sets the group's offset back to 0; retried until the group has no member left. */
    static void rewind(KafkaBroker broker) {
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
            try (Admin admin = admin(broker)) {
                admin.alterConsumerGroupOffsets(GROUP, Map.of(new TopicPartition(TOPIC, 0), new OffsetAndMetadata(0)))
                        .all().get(10, TimeUnit.SECONDS);
            }
        });
    }

    static JsonArray channel(InProcessNode node) throws Exception {
        JsonObject page = new JsonObject(node.get("/v1/channels/ev/messages?after=0&limit=1000"));
        assertTrue(page.containsKey("messages"), page.encode());
        return page.getJsonArray("messages");
    }
}
