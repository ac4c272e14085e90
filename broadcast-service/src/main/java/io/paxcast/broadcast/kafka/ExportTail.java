package io.paxcast.broadcast.kafka;

import io.paxcast.broadcast.config.KafkaExportConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Properties;

/**
 * Finds where the export stopped: the {@code paxcast-seq} header of the last committed record of
 * the export partition (0 when it holds none). Read with {@code isolation.level=read_committed},
 * so records of a transaction that a crashed or fenced exporter left open, or that was aborted,
 * never count: they are not in the topic for any reader either.
 *
 * <p>The tail of a transactional partition ends in control markers, not records, so the last record
 * is found by reading a window back from the end, growing it until a record shows up.
 *
 * <p>Blocking: call it from a worker, after {@code initTransactions} (which completes or aborts the
 * transaction of any earlier exporter, so the committed tail cannot move under this read).
 */
final class ExportTail {
    static final String SEQ_HEADER = "paxcast-seq";

    private ExportTail() {
    }

    static long lastExportedSeq(KafkaExportConfig config, String clientId) {
        Properties props = new Properties();
        props.putAll(config.clientProperties()); // security, tuning; ours below win
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false"); // a missing topic is an error, not a new topic
        props.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) config.timeoutMillis());
        props.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(config.timeoutMillis(), 30_000));
        Duration timeout = Duration.ofMillis(config.timeoutMillis());
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<PartitionInfo> partitions;
            try {
                partitions = consumer.partitionsFor(config.topic(), timeout);
            } catch (UnknownTopicOrPartitionException missing) {
                partitions = List.of();
            }
            if (partitions == null || partitions.isEmpty()) {
                throw new KafkaBridgeException("topic " + config.topic() + " does not exist on " + config.bootstrapServers()
                        + " (create it, e.g. kafka-topics.sh --create --topic " + config.topic() + " --partitions 1)");
            }
            if (partitions.stream().noneMatch(p -> p.partition() == config.partition())) {
                throw new KafkaBridgeException("topic " + config.topic() + " has no partition " + config.partition()
                        + " (it has " + partitions.size() + ")");
            }
            TopicPartition tp = new TopicPartition(config.topic(), config.partition());
            consumer.assign(List.of(tp));
            long begin = consumer.beginningOffsets(List.of(tp), timeout).get(tp);
            long end = consumer.endOffsets(List.of(tp), timeout).get(tp);
            long deadline = System.nanoTime() + timeout.toNanos();
            for (long window = 64; ; window *= 4) {
                long from = Math.max(begin, end - window);
                long last = lastSeqBetween(consumer, tp, from, end, deadline);
                if (last > 0) {
                    return last;
                }
                if (from == begin) {
                    if (end > 0) {
                        // records were written but none with a paxcast-seq is left (retention deleted
                        // them, or someone else writes here): starting again from seq 1 would
                        // duplicate the whole log, so refuse
                        throw new KafkaBridgeException("partition " + tp + " holds offsets up to " + end
                                + " but no record with a " + SEQ_HEADER + " header (retention deleted them, or it is not "
                                + "Paxcast's topic); refusing to export again from seq 1. Give the topic retention.ms=-1 "
                                + "(or longer than any pause of the export), or export to a new topic");
                    }
                    return 0;
                }
            }
        }
    }

    /** The largest paxcast-seq in committed records at offsets [from, end), or 0. */
    private static long lastSeqBetween(KafkaConsumer<byte[], byte[]> consumer, TopicPartition tp, long from, long end,
                                       long deadline) {
        consumer.seek(tp, from);
        long last = 0;
        while (consumer.position(tp) < end) {
            if (System.nanoTime() > deadline) {
                throw new KafkaBridgeException("reading the tail of " + tp + " did not reach offset " + end + " in time");
            }
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200)).records(tp)) {
                if (record.offset() >= end) {
                    break;
                }
                long seq = seqOf(record.headers().lastHeader(SEQ_HEADER));
                last = Math.max(last, seq);
            }
        }
        return last;
    }

    private static long seqOf(Header header) {
        if (header == null) {
            return 0; // not written by Paxcast: ignored
        }
        try {
            return Long.parseLong(new String(header.value(), StandardCharsets.UTF_8));
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
