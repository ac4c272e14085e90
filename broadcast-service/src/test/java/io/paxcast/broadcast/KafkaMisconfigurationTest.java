package io.paxcast.broadcast;

import io.paxcast.testkit.kafka.KafkaBroker;
import io.paxcast.broadcast.kafka.KafkaTopic;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A misconfigured bridge (a broker nobody listens on, a topic that does not exist) shows a clear
 * error in /v1/cluster while the node keeps taking publishes; once the topic exists, the export
 * resumes from the start of the log without anyone restarting the node.
 */
class KafkaMisconfigurationTest {

    @Test
    void anUnreachableBrokerIsReportedAndTheNodeKeepsServing(@TempDir Path dir) throws Exception {
        int closedPort = InProcessNode.freePort(); // nothing listens there
        JsonObject config = new JsonObject()
                .put("kafka.export.bootstrapServers", "127.0.0.1:" + closedPort)
                .put("kafka.export.timeoutMillis", "1500")
                .put("kafka.ingest.bootstrapServers", "127.0.0.1:" + closedPort)
                .put("kafka.ingest.topics", "in=in")
                .put("kafka.ingest.timeoutMillis", "1500");
        try (InProcessNode node = new InProcessNode(dir, config)) {
            assertEquals(201, node.publish("still-serving", "{\"a\":1}"));
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                JsonObject kafka = node.cluster().getJsonObject("kafka");
                JsonObject export = kafka.getJsonObject("export");
                assertEquals("error", export.getString("state"), kafka.encode());
                assertTrue(export.getString("error").contains("127.0.0.1:" + closedPort), export.encode());
                assertEquals("error", kafka.getJsonObject("ingest").getString("state"), kafka.encode());
            });
            assertEquals(201, node.publish("still-serving", "{\"a\":2}"));
            assertEquals(200, node.status("/ready"));
        }
    }

    @Test
    void anUnresolvableBrokerAddressIsReported(@TempDir Path dir) throws Exception {
        JsonObject config = new JsonObject()
                .put("kafka.export.bootstrapServers", "no-such-host.invalid:9092")
                .put("kafka.ingest.bootstrapServers", "no-such-host.invalid:9092")
                .put("kafka.ingest.topics", "in=in");
        try (InProcessNode node = new InProcessNode(dir, config)) {
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                JsonObject kafka = node.cluster().getJsonObject("kafka");
                assertEquals("error", kafka.getJsonObject("export").getString("state"), kafka.encode());
                assertTrue(kafka.getJsonObject("export").getString("error").contains("bootstrap"), kafka.encode());
                assertEquals("error", kafka.getJsonObject("ingest").getString("state"), kafka.encode());
                assertTrue(kafka.getJsonObject("ingest").getString("error").contains("bootstrap"), kafka.encode());
            });
            assertEquals(201, node.publish("still-serving", "{\"a\":1}"));
        }
    }

    @Test
    void clientPropertiesReachTheKafkaClients(@TempDir Path dir) throws Exception {
        try (KafkaBroker broker = KafkaBroker.start(dir.resolve("kafka"))) {
            broker.createTopic("paxcast-log", 1);
            Path props = dir.resolve("kafka.properties");
            // the broker speaks PLAINTEXT: a client told to speak SSL cannot talk to it
            java.nio.file.Files.writeString(props, "security.protocol=SSL\n");
            JsonObject config = new JsonObject()
                    .put("kafka.export.bootstrapServers", broker.bootstrapServers())
                    .put("kafka.export.timeoutMillis", "2000")
                    .put("kafka.clientProperties", props.toString());
            try (InProcessNode node = new InProcessNode(dir.resolve("node"), config)) {
                assertEquals(201, node.publish("c", "{\"i\":1}"));
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    JsonObject export = node.cluster().getJsonObject("kafka").getJsonObject("export");
                    assertEquals("error", export.getString("state"), export.encode());
                });
                assertEquals(0, recordsIn(broker, "paxcast-log"));
            }
        }
    }

    @Test
    void aMissingTopicIsReportedThenExportResumesOnceItExists(@TempDir Path dir) throws Exception {
        try (KafkaBroker broker = KafkaBroker.start(dir.resolve("kafka"))) {
            JsonObject config = new JsonObject()
                    .put("kafka.export.bootstrapServers", broker.bootstrapServers())
                    .put("kafka.export.topic", "not-yet")
                    .put("kafka.retryMillis", "200")
                    .put("kafka.ingest.bootstrapServers", broker.bootstrapServers())
                    .put("kafka.ingest.topics", "missing-in=in");
            try (InProcessNode node = new InProcessNode(dir.resolve("node"), config)) {
                for (int i = 1; i <= 5; i++) {
                    assertEquals(201, node.publish("c", "{\"i\":" + i + "}"));
                }
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    JsonObject kafka = node.cluster().getJsonObject("kafka");
                    assertEquals("error", kafka.getJsonObject("export").getString("state"), kafka.encode());
                    assertTrue(kafka.getJsonObject("export").getString("error").contains("topic not-yet does not exist"),
                            kafka.encode());
                    assertEquals("error", kafka.getJsonObject("ingest").getString("state"), kafka.encode());
                    assertTrue(kafka.getJsonObject("ingest").getString("error").contains("missing-in"), kafka.encode());
                });
                assertEquals(201, node.publish("c", "{\"i\":6}"));

                broker.createTopic("not-yet", 1);
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                    JsonObject export = node.cluster().getJsonObject("kafka").getJsonObject("export");
                    assertEquals("exporting", export.getString("state"), export.encode());
                    assertEquals(6L, export.getLong("exportedSeq"), export.encode());
                    assertEquals(0L, export.getLong("lag"), export.encode());
                });
                assertEquals(6, KafkaTopic.readCommitted(broker.bootstrapServers(), "not-yet", 0, 6).size());
            }
        }
    }

    static int recordsIn(KafkaBroker broker, String topic) {
        return KafkaTopic.readCommitted(broker.bootstrapServers(), topic, 0).size();
    }
}
