package io.paxcast.bench.peer;

import io.paxcast.testkit.kafka.KafkaCluster;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Kafka: a {@link KafkaCluster} of 3 KRaft brokers, a topic of 1 partition with RF 3 and
 * min.insync.replicas 2, a producer with {@code acks=all} (the window bounds its in-flight
 * records: the driver's permits are released in the send callbacks), and a consumer bootstrapped
 * on another broker than the producer (it fetches from the partition leader, as Kafka does).
 */
final class KafkaPeer implements PeerSystem {
    static final String TOPIC = "peer-bench";

    private final KafkaCluster cluster;
    private final KafkaProducer<byte[], byte[]> producer;
    private final Thread consumerThread;
    private final AtomicBoolean stop;

    private KafkaPeer(KafkaCluster cluster, KafkaProducer<byte[], byte[]> producer, Thread consumerThread,
                      AtomicBoolean stop) {
        this.cluster = cluster;
        this.producer = producer;
        this.consumerThread = consumerThread;
        this.stop = stop;
    }

    static KafkaPeer start(Path workDir, int brokers, Deliveries deliveries) throws Exception {
        KafkaCluster cluster = KafkaCluster.start(workDir, brokers);
        try {
            cluster.createTopic(TOPIC, 1, brokers, 2);
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers(1));
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            p.put(ProducerConfig.CLIENT_ID_CONFIG, "peer-bench-producer");
            KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());

            AtomicBoolean stop = new AtomicBoolean();
            CountDownLatch assigned = new CountDownLatch(1);
            Thread consumer = new Thread(() -> consume(cluster.bootstrapServers(2), deliveries, stop, assigned),
                    "peer-bench-kafka-consumer");
            consumer.setDaemon(true);
            consumer.start();
            if (!assigned.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the Kafka consumer did not find the partition's start within 30 s");
            }
            return new KafkaPeer(cluster, producer, consumer, stop);
        } catch (Exception | Error e) {
            cluster.close();
            throw e;
        }
    }

    private static void consume(String bootstrap, Deliveries deliveries, AtomicBoolean stop,
                                CountDownLatch assigned) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "peer-bench-consumer");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        TopicPartition tp = new TopicPartition(TOPIC, 0);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            consumer.position(tp); // resolves the start now, so nothing published after this is missed
            assigned.countDown();
            while (!stop.get()) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    deliveries.received(Payload.sentOf(r.value()));
                }
            }
        }
    }

    @Override
    public Publisher publisher() {
        return (payload, ack) -> producer.send(new ProducerRecord<>(TOPIC, payload), (metadata, error) -> ack.done(error));
    }

    @Override
    public String describe() {
        return "3 Kafka 4.1.1 brokers (KRaft, combined), topic 1 partition RF 3 min.insync 2, acks=all";
    }

    @Override
    public void close() {
        stop.set(true);
        producer.close(Duration.ofSeconds(5));
        try {
            consumerThread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        cluster.close();
    }
}
