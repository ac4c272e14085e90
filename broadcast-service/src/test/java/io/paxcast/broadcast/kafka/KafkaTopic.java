package io.paxcast.broadcast.kafka;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/** Reads a whole topic partition as Kafka's own consumers would (read_committed), for assertions. */
public final class KafkaTopic {
    /** One record: key, value and the Paxcast headers, as text. */
    public record Exported(long offset, String key, String value, long timestamp, String seq, String channel, String channelOffset,
                    String ts) {
    }

    private KafkaTopic() {
    }

    /**
     * Reads the partition until it holds at least {@code expected} committed records (or 30 s pass; then
     * what it held last, for the caller's assertion to report). An exporter's commitTransaction returns
     * before the broker has written the commit markers, so for a moment after it the last stable offset,
     * which a read_committed consumer stops at, can still stand before the committed records.
     */
    public static List<Exported> readCommitted(String bootstrapServers, String topic, int partition, int expected) {
        List<List<Exported>> last = new ArrayList<>(List.of(List.of()));
        try {
            return Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                    .until(() -> {
                        last.set(0, readCommitted(bootstrapServers, topic, partition));
                        return last.get(0);
                    }, read -> read.size() >= expected);
        } catch (ConditionTimeoutException e) {
            return last.get(0);
        }
    }

    /** Reads the partition up to its last stable offset now. */
    public static List<Exported> readCommitted(String bootstrapServers, String topic, int partition) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        TopicPartition tp = new TopicPartition(topic, partition);
        List<Exported> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = consumer.endOffsets(List.of(tp), Duration.ofSeconds(10)).get(tp);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (consumer.position(tp) < end) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("reading " + tp + " did not reach offset " + end);
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500)).records(tp)) {
                    out.add(new Exported(r.offset(), text(r.key()), text(r.value()), r.timestamp(),
                            header(r, "paxcast-seq"), header(r, "paxcast-channel"), header(r, "paxcast-offset"),
                            header(r, "paxcast-ts")));
                }
            }
        }
        return out;
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : text(h.value());
    }

    private static String text(byte[] bytes) {
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }
}
