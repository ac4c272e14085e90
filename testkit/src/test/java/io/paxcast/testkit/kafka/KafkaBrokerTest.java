package io.paxcast.testkit.kafka;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The harness starts a real broker that does what the Kafka bridge needs of it: transactions
 * (commit, abort, fencing by transactional.id), read_committed consumers, committed group offsets,
 * and a clean stop that leaves no process behind. Uses the test classpath's kafka-clients (3.7.x)
 * against the 4.1.1 broker, exactly as the bridge will.
 */
class KafkaBrokerTest {
    private static final String TOPIC = "paxcast-log";
    private static final int PARTITIONS = 2;
    private static final String TRANSACTIONAL_ID = "paxcast-export-test";
    private static final String GROUP = "kafka-broker-test";
    private static final Duration READ_DEADLINE = Duration.ofSeconds(15);

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void brokerServesTransactionsReadCommittedAndFencingThenStopsByPid(@TempDir Path dir) throws Exception {
        long t0 = System.nanoTime();
        KafkaBroker broker = KafkaBroker.start(dir);
        long startedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        long pid = broker.pid();
        try {
            assertTrue(broker.bootstrapServers().startsWith("127.0.0.1:"), broker.bootstrapServers());
            broker.createTopic(TOPIC, PARTITIONS);

            try (KafkaProducer<String, String> first = producer(broker)) {
                first.initTransactions();

                // one committed transaction: 10 records with headers, over both partitions
                first.beginTransaction();
                for (int i = 0; i < 10; i++) {
                    first.send(new ProducerRecord<>(TOPIC, i % PARTITIONS, "k" + i, "committed-" + i,
                            List.of(header("seq", String.valueOf(i)), header("origin", "kafka-broker-test"))));
                }
                first.commitTransaction();

                // one aborted transaction: a read_committed consumer must never see it
                first.beginTransaction();
                for (int i = 0; i < 6; i++) {
                    first.send(new ProducerRecord<>(TOPIC, i % PARTITIONS, "k" + i, "aborted-" + i));
                }
                first.flush();
                first.abortTransaction();

                Map<Integer, List<ConsumerRecord<String, String>>> read = readCommitted(broker);
                assertEquals(List.of("committed-0", "committed-2", "committed-4", "committed-6", "committed-8"),
                        values(read.get(0)));
                assertEquals(List.of("committed-1", "committed-3", "committed-5", "committed-7", "committed-9"),
                        values(read.get(1)));
                for (List<ConsumerRecord<String, String>> records : read.values()) {
                    for (ConsumerRecord<String, String> r : records) {
                        String seq = r.value().substring("committed-".length());
                        assertEquals(seq, headerValue(r, "seq"), "header seq of " + r);
                        assertEquals("kafka-broker-test", headerValue(r, "origin"), "header origin of " + r);
                        assertEquals("k" + seq, r.key());
                    }
                }
                assertGroupOffsetsCommitted(broker, read);

                // a second producer with the same transactional.id fences the first
                try (KafkaProducer<String, String> second = producer(broker)) {
                    second.initTransactions();
                    Exception fenced = assertThrows(Exception.class, () -> {
                        first.beginTransaction();
                        first.send(new ProducerRecord<>(TOPIC, 0, "zombie", "zombie"));
                        first.commitTransaction();
                    });
                    assertTrue(causedByFencing(fenced), "expected a fencing error, got " + chain(fenced));
                    System.out.printf("[KafkaBrokerTest] the fenced producer got: %s%n", chain(fenced));

                    second.beginTransaction();
                    second.send(new ProducerRecord<>(TOPIC, 0, "k10", "after-fence"));
                    second.commitTransaction();
                }
                Map<Integer, List<ConsumerRecord<String, String>>> again = readCommitted(broker);
                assertEquals(List.of("committed-0", "committed-2", "committed-4", "committed-6", "committed-8",
                        "after-fence"), values(again.get(0)), "the zombie's record must stay invisible");
                assertEquals(5, again.get(1).size());
            }
        } catch (Throwable t) {
            System.out.printf("[KafkaBrokerTest] failed; %s tail:%n%s%n", broker.logFile(), broker.logTail(80));
            throw t;
        } finally {
            long stopping = System.nanoTime();
            broker.close();
            System.out.printf("[KafkaBrokerTest] broker started in %d ms, stopped in %d ms, test total %d ms%n",
                    startedMillis, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopping),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        }
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false),
                "broker pid " + pid + " still alive after close()");
        broker.close(); // idempotent
    }

    @Test
    void missingClasspathFileFailsWithTheCommandToRun(@TempDir Path dir) {
        String before = System.getProperty(KafkaBroker.CLASSPATH_PROPERTY);
        System.setProperty(KafkaBroker.CLASSPATH_PROPERTY, dir.resolve("no-such.classpath").toString());
        try {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> KafkaBroker.start(dir));
            assertTrue(e.getMessage().contains("mvn -pl kafka-broker generate-resources"), e.getMessage());
        } finally {
            if (before == null) {
                System.clearProperty(KafkaBroker.CLASSPATH_PROPERTY);
            } else {
                System.setProperty(KafkaBroker.CLASSPATH_PROPERTY, before);
            }
        }
    }

    @Test
    void clusterIdsHaveKafkasShape() {
        for (int i = 0; i < 1000; i++) {
            String id = BrokerJvm.clusterId();
            assertEquals(22, id.length(), id);
            assertTrue(id.matches("[A-Za-z0-9_][A-Za-z0-9_-]{21}"), id);
        }
    }

    // ---- clients --------------------------------------------------------------------------------

    private static KafkaProducer<String, String> producer(KafkaBroker broker) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, TRANSACTIONAL_ID);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "15000");
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "15000");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        return new KafkaProducer<>(p);
    }

    /**
     * Every committed record of the topic, per partition, in offset order: assign, seek to the
     * beginning, poll until the position reaches the end offset (the last stable offset under
     * read_committed), then commit those positions for {@link #GROUP}.
     */
    private static Map<Integer, List<ConsumerRecord<String, String>>> readCommitted(KafkaBroker broker) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, GROUP);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        List<TopicPartition> partitions = IntStream.range(0, PARTITIONS)
                .mapToObj(i -> new TopicPartition(TOPIC, i)).collect(Collectors.toList());
        Map<Integer, List<ConsumerRecord<String, String>>> read = new TreeMap<>();
        partitions.forEach(tp -> read.put(tp.partition(), new ArrayList<>()));
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(10));
            long deadline = System.nanoTime() + READ_DEADLINE.toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp, Duration.ofSeconds(5)) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    fail("read_committed consumer did not reach " + end + " within " + READ_DEADLINE + "; read " + read);
                }
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    read.get(r.partition()).add(r);
                }
            }
            Map<TopicPartition, OffsetAndMetadata> positions = partitions.stream().collect(Collectors.toMap(
                    tp -> tp, tp -> new OffsetAndMetadata(consumer.position(tp))));
            consumer.commitSync(positions, Duration.ofSeconds(10));
        }
        return read;
    }

    /** The group coordinator (and its single-replica offsets topic) works: the commit is readable. */
    private static void assertGroupOffsetsCommitted(KafkaBroker broker,
                                                    Map<Integer, List<ConsumerRecord<String, String>>> read)
            throws Exception {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        try (Admin admin = Admin.create(p)) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(GROUP)
                    .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
            for (Map.Entry<Integer, List<ConsumerRecord<String, String>>> e : read.entrySet()) {
                List<ConsumerRecord<String, String>> records = e.getValue();
                long lastOffset = records.get(records.size() - 1).offset();
                OffsetAndMetadata offset = committed.get(new TopicPartition(TOPIC, e.getKey()));
                // the committed position is past the last record (and past the commit marker after it)
                assertTrue(offset != null && offset.offset() > lastOffset,
                        "partition " + e.getKey() + ": committed " + offset + ", last record at " + lastOffset);
            }
        }
    }

    // ---- helpers --------------------------------------------------------------------------------

    private static Header header(String key, String value) {
        return new RecordHeader(key, value.getBytes(StandardCharsets.UTF_8));
    }

    private static String headerValue(ConsumerRecord<?, ?> record, String key) {
        Header h = record.headers().lastHeader(key);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static List<String> values(List<ConsumerRecord<String, String>> records) {
        return records.stream().map(ConsumerRecord::value).collect(Collectors.toList());
    }

    private static boolean causedByFencing(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof ProducerFencedException || c instanceof InvalidProducerEpochException) {
                return true;
            }
        }
        return false;
    }

    private static String chain(Throwable t) {
        List<String> parts = new ArrayList<>();
        for (Throwable c = t; c != null; c = c.getCause()) {
            parts.add(c.getClass().getName() + ": " + c.getMessage());
        }
        return String.join(" <- caused by ", parts);
    }
}
