package io.paxcast.broadcast;

import io.paxcast.testkit.kafka.KafkaBroker;
import io.paxcast.broadcast.kafka.KafkaTopic;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Where an export resumes: the last committed {@code paxcast-seq} of the partition, found behind
 * a tail of aborted records (more than the first read-back window), and again after the node
 * restarts; with a channel filter, filtered messages never reach the topic and the ones after
 * them are not exported twice.
 */
class KafkaExportResumeTest {
    static final String TOPIC = "resume";

    @Test
    void aFilteredExportResumesFromTheCommittedTailAcrossAbortsAndARestart(@TempDir Path dir) throws Exception {
        try (KafkaBroker broker = KafkaBroker.start(dir.resolve("kafka"))) {
            broker.createTopic(TOPIC, 1);
            // an earlier exporter committed seq 1..3, then died inside a 150-record transaction
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
            p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "an-earlier-exporter");
            try (KafkaProducer<String, String> earlier = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
                earlier.initTransactions();
                earlier.beginTransaction();
                for (int seq = 1; seq <= 3; seq++) {
                    earlier.send(record(seq, "keep-old"));
                }
                earlier.commitTransaction();
                earlier.beginTransaction();
                for (int seq = 4; seq < 154; seq++) {
                    earlier.send(record(seq, "keep-aborted"));
                }
                earlier.flush();
                earlier.abortTransaction();
            }
            JsonObject config = new JsonObject()
                    .put("kafka.export.bootstrapServers", broker.bootstrapServers())
                    .put("kafka.export.topic", TOPIC)
                    .put("kafka.export.channels", "keep-*");
            Path data = dir.resolve("node");
            try (InProcessNode node = new InProcessNode(data, config)) {
                for (String channel : List.of("keep-a", "drop-b", "keep-c", "keep-a", "drop-x", "keep-z")) {
                    assertEquals(201, node.publish(channel, "{\"c\":\"" + channel + "\"}"));
                }
                awaitExported(node, 6);
            }
            assertEquals(List.of("1 keep-old", "2 keep-old", "3 keep-old", "4 keep-a", "6 keep-z"), topic(broker),
                    "seq 1..3 were there; 4 and 6 are the first matches after them");

            try (InProcessNode node = new InProcessNode(data, config)) { // the same store: the same log
                for (String channel : List.of("keep-b", "drop-y", "keep-c")) {
                    assertEquals(201, node.publish(channel, "{\"c\":\"" + channel + "\"}"));
                }
                awaitExported(node, 9);
                assertEquals(0.0, node.metric("paxcast_kafka_export_lag"), "the export lag is a metric");
                assertEquals(9.0, node.metric("paxcast_kafka_export_seq"));
                assertEquals(1.0, node.metric("paxcast_kafka_export_exporting"));
                assertEquals(2.0, node.metric("paxcast_kafka_export_records_total"), "7 and 9 since this start");
            }
            assertEquals(List.of("1 keep-old", "2 keep-old", "3 keep-old", "4 keep-a", "6 keep-z", "7 keep-b", "9 keep-c"),
                    topic(broker), "after the restart: on from seq 6, nothing twice");
        }
    }

    static ProducerRecord<String, String> record(int seq, String channel) {
        ProducerRecord<String, String> r = new ProducerRecord<>(TOPIC, 0, channel, "{\"seq\":" + seq + "}");
        r.headers().add("paxcast-seq", Integer.toString(seq).getBytes(StandardCharsets.UTF_8));
        r.headers().add("paxcast-channel", channel.getBytes(StandardCharsets.UTF_8));
        return r;
    }

    void awaitExported(InProcessNode node, long seq) {
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            JsonObject export = new JsonObject(node.get("/v1/cluster")).getJsonObject("kafka").getJsonObject("export");
            assertEquals("exporting", export.getString("state"), export.encode());
            assertEquals(seq, export.getLong("exportedSeq"), export.encode());
            assertEquals(0L, export.getLong("lag"), export.encode());
        });
    }

    /** "seq channel" of every committed record, in partition order. */
    static List<String> topic(KafkaBroker broker) {
        return KafkaTopic.readCommitted(broker.bootstrapServers(), TOPIC, 0).stream()
                .map(r -> r.seq() + " " + r.key()).toList();
    }
}
