package io.paxcast.testkit.kafka;

import io.paxcast.testkit.process.Daemon;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * N real Kafka brokers (4.1.1, KRaft), each a JVM of its own that is both broker and controller
 * (a combined quorum of N voters), for benchmarks that compare against a replicated Kafka. It
 * shares {@link KafkaBroker}'s pieces ({@link BrokerJvm}, {@link BrokerProcesses}): the broker
 * classpath file, the quiet log4j configuration, the storage format step (one cluster id for every
 * node) and the process handling.
 *
 * <p>Internal topics get replication factor N and min.insync.replicas 2 (1 for a single broker),
 * so a topic created by {@link #createTopic(String, int, int, int)} with {@code acks=all}
 * producers really waits for replication.
 *
 * <p>Everything goes under {@code workDir}: {@code nK/server.properties}, {@code nK/data/},
 * {@code nK/broker.log}; nothing is deleted. {@link #close()} stops every broker by pid (SIGTERM,
 * a grace, then SIGKILL); a shutdown hook kills them if the JVM exits without closing.
 */
public final class KafkaCluster implements AutoCloseable {
    private static final Duration START_DEADLINE = Duration.ofSeconds(90);
    private static final Duration TOPIC_DEADLINE = Duration.ofSeconds(30);
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);
    private static final int LOG_TAIL_ON_FAILURE = 60;

    private final List<Process> processes;
    private final List<Thread> hooks;
    private final List<Path> logFiles;
    private final int[] ports;
    private final Admin admin;
    private final AtomicBoolean closed = new AtomicBoolean();

    private KafkaCluster(List<Process> processes, List<Thread> hooks, List<Path> logFiles, int[] ports, Admin admin) {
        this.processes = processes;
        this.hooks = hooks;
        this.logFiles = logFiles;
        this.ports = ports;
        this.admin = admin;
    }

    /**
     * Formats {@code brokers} fresh log dirs and starts the brokers; returns once the admin client
     * sees all of them in the cluster's metadata. On failure every started broker is killed.
     */
    public static KafkaCluster start(Path workDir, int brokers) throws Exception {
        long deadline = System.nanoTime() + START_DEADLINE.toNanos();
        List<String> classpath = BrokerJvm.brokerClasspath();
        Files.createDirectories(workDir);
        Path log4j = BrokerJvm.writeLog4jConfig(workDir);
        int[] all = BrokerProcesses.freePorts(2 * brokers);
        int[] ports = IntStream.range(0, brokers).map(i -> all[i]).toArray();
        int[] controllerPorts = IntStream.range(0, brokers).map(i -> all[brokers + i]).toArray();
        String voters = IntStream.range(0, brokers).mapToObj(i -> (i + 1) + "@127.0.0.1:" + controllerPorts[i])
                .collect(Collectors.joining(","));
        String clusterId = BrokerJvm.clusterId();

        List<Path> propertiesFiles = new ArrayList<>();
        List<Path> logFiles = new ArrayList<>();
        List<CompletableFuture<Void>> formats = new ArrayList<>();
        for (int i = 0; i < brokers; i++) {
            Path dir = workDir.resolve("n" + (i + 1));
            Files.createDirectories(dir);
            Path props = writeServerProperties(dir, i + 1, brokers, voters, ports[i], controllerPorts[i]);
            // the format step is a JVM start of a few seconds each: all at once
            formats.add(CompletableFuture.runAsync(() -> {
                try {
                    BrokerJvm.format(classpath, log4j, props, dir.resolve("format.log"), deadline, clusterId);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }));
            propertiesFiles.add(props);
            logFiles.add(dir.resolve("broker.log"));
        }
        try {
            CompletableFuture.allOf(formats.toArray(CompletableFuture[]::new)).join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }

        List<Process> processes = new ArrayList<>();
        List<Thread> hooks = new ArrayList<>();
        Admin admin = null;
        try {
            for (int i = 0; i < brokers; i++) {
                Path props = propertiesFiles.get(i);
                Daemon broker = BrokerJvm.startBroker(classpath, log4j, props, props.getParent(), logFiles.get(i),
                        "kafka-cluster");
                processes.add(broker.process());
                hooks.add(broker.hook());
            }
            for (int i = 0; i < brokers; i++) {
                KafkaBroker.awaitListening(processes.get(i), ports[i], deadline, logFiles.get(i));
            }
            String bootstrap = IntStream.of(ports).mapToObj(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
            admin = Admin.create(KafkaBroker.adminConfig(bootstrap));
            awaitAllBrokers(processes, logFiles, admin, brokers, deadline);
            return new KafkaCluster(processes, hooks, logFiles, ports, admin);
        } catch (Exception | Error e) {
            if (admin != null) {
                admin.close(Duration.ZERO);
            }
            for (int i = 0; i < processes.size(); i++) {
                BrokerProcesses.kill(processes.get(i), hooks.get(i));
            }
            throw e;
        }
    }

    /** Broker k's (1-based) PLAINTEXT listener, {@code 127.0.0.1:<port>}. */
    public String bootstrapServers(int k) {
        return "127.0.0.1:" + ports[k - 1];
    }

    public int size() {
        return ports.length;
    }

    /**
     * Creates a topic and returns once every partition has a leader and its full replica set in
     * sync, so an {@code acks=all} producer is not first held up by replicas catching up.
     */
    public void createTopic(String name, int partitions, int replicationFactor, int minInsyncReplicas) throws Exception {
        long deadline = System.nanoTime() + TOPIC_DEADLINE.toNanos();
        NewTopic topic = new NewTopic(name, partitions, (short) replicationFactor)
                .configs(Map.of("min.insync.replicas", String.valueOf(minInsyncReplicas)));
        admin.createTopics(List.of(topic)).all().get(BrokerProcesses.remainingMillis(deadline), TimeUnit.MILLISECONDS);
        while (true) {
            checkAlive("while creating topic " + name);
            try {
                TopicDescription description = admin.describeTopics(List.of(name)).allTopicNames()
                        .get(BrokerProcesses.remainingMillis(deadline), TimeUnit.MILLISECONDS).get(name);
                List<TopicPartitionInfo> infos = description.partitions();
                if (infos.size() == partitions && infos.stream()
                        .allMatch(p -> p.leader() != null && p.isr().size() == replicationFactor)) {
                    return;
                }
            } catch (ExecutionException e) {
                // UnknownTopicOrPartition until the metadata has spread: try again
            }
            BrokerProcesses.pause(processes.get(0), deadline, "topic " + name + " not fully in sync within " + TOPIC_DEADLINE
                    + "\n--- n1 log tail ---\n" + BrokerProcesses.tail(logFiles.get(0), LOG_TAIL_ON_FAILURE));
        }
    }

    /** Stops every broker: SIGTERM by pid to all, a grace for a clean shutdown, then SIGKILL. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        admin.close(Duration.ofSeconds(2));
        processes.forEach(p -> p.toHandle().destroy());
        long deadline = System.nanoTime() + STOP_GRACE.toNanos();
        try {
            for (Process p : processes) {
                p.waitFor(Math.max(1, BrokerProcesses.remainingMillis(deadline)), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            for (int i = 0; i < processes.size(); i++) {
                BrokerProcesses.kill(processes.get(i), hooks.get(i));
            }
        }
    }

    private void checkAlive(String when) {
        for (int i = 0; i < processes.size(); i++) {
            BrokerProcesses.checkAlive(processes.get(i), logFiles.get(i), when);
        }
    }

    private static void awaitAllBrokers(List<Process> processes, List<Path> logFiles, Admin admin, int brokers,
                                        long deadline) throws InterruptedException {
        Exception last = null;
        while (true) {
            for (int i = 0; i < processes.size(); i++) {
                BrokerProcesses.checkAlive(processes.get(i), logFiles.get(i), "before the cluster was ready");
            }
            try {
                int timeout = (int) Math.max(100, Math.min(2_000, BrokerProcesses.remainingMillis(deadline)));
                Collection<Node> nodes = admin.describeCluster(new DescribeClusterOptions().timeoutMs(timeout))
                        .nodes().get(timeout + 500L, TimeUnit.MILLISECONDS);
                if (nodes.size() == brokers) {
                    return;
                }
            } catch (ExecutionException | TimeoutException e) {
                last = e;
            }
            BrokerProcesses.pause(processes.get(0), deadline, "not all " + brokers + " brokers in the metadata within "
                    + START_DEADLINE + " (last error: " + last + ")\n--- n1 log tail ---\n"
                    + BrokerProcesses.tail(logFiles.get(0), LOG_TAIL_ON_FAILURE));
        }
    }

    private static Path writeServerProperties(Path dir, int nodeId, int brokers, String voters, int port,
                                              int controllerPort) throws IOException {
        return BrokerJvm.writeServerProperties(dir.resolve("server.properties"), nodeId, brokers, voters, port,
                controllerPort, dir.resolve("data"));
    }
}
