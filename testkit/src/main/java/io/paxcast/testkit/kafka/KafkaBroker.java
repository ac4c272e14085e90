package io.paxcast.testkit.kafka;

import io.paxcast.testkit.process.Daemon;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.paxcast.testkit.kafka.BrokerJvm.brokerClasspath;
import static io.paxcast.testkit.kafka.BrokerJvm.clusterId;
import static io.paxcast.testkit.kafka.BrokerJvm.javaCommand;
import static io.paxcast.testkit.kafka.BrokerJvm.printable;
import static io.paxcast.testkit.kafka.BrokerJvm.startBroker;
import static io.paxcast.testkit.kafka.BrokerJvm.writeLog4jConfig;
import static io.paxcast.testkit.kafka.BrokerProcesses.LOG_TAIL_ON_FAILURE;
import static io.paxcast.testkit.kafka.BrokerProcesses.checkAlive;
import static io.paxcast.testkit.kafka.BrokerProcesses.freePorts;
import static io.paxcast.testkit.kafka.BrokerProcesses.kill;
import static io.paxcast.testkit.kafka.BrokerProcesses.pause;
import static io.paxcast.testkit.kafka.BrokerProcesses.remainingMillis;
import static io.paxcast.testkit.kafka.BrokerProcesses.tail;

/**
 * A real Apache Kafka broker (4.1.1, KRaft mode, one node that is both broker and controller) in a
 * JVM of its own, for the Kafka bridge tests.
 *
 * <p>The broker runs from the classpath that the {@code kafka-broker} module writes to
 * {@code kafka-broker/target/broker.classpath} ({@code mvn -pl kafka-broker generate-resources});
 * {@code -Dpaxcast.kafka.brokerClasspath=<file>} points elsewhere. None of the broker's jars join
 * the caller's classpath: this class talks to the broker only with the test kit's kafka-clients
 * (3.7.x, the version vertx-kafka-client brings to the node).
 *
 * <p>Everything the broker needs goes under the {@code workDir} given to {@link #start(Path)}:
 * {@code server.properties}, {@code log4j2.properties}, {@code format.log} (the storage format
 * step), {@code broker.log} (the broker's stdout and stderr) and {@code data/} (its log dir).
 * Nothing is deleted: the caller owns {@code workDir} (typically a JUnit {@code @TempDir}).
 *
 * <p>Threading: {@link #start(Path)} and {@link #createTopic(String, int)} block the calling thread
 * (never call them on a Vert.x event loop). {@link #close()} may run from any thread and is
 * idempotent; a JVM shutdown hook kills the broker by pid if the test JVM exits without closing
 * (nothing can help against a SIGKILL of the test JVM itself).
 */
public final class KafkaBroker implements AutoCloseable {
    /** System property naming the file that holds the broker's colon-separated classpath. */
    public static final String CLASSPATH_PROPERTY = "paxcast.kafka.brokerClasspath";
    /** Relative to the module directory, the working directory of surefire's JVM. */
    public static final String DEFAULT_CLASSPATH_FILE = "../kafka-broker/target/broker.classpath";

    private static final Duration START_DEADLINE = Duration.ofSeconds(60);
    private static final Duration TOPIC_DEADLINE = Duration.ofSeconds(30);
    private static final Duration STOP_GRACE = Duration.ofSeconds(15);
    private static final int START_ATTEMPTS = 3;
    private static final int NODE_ID = 1;
    private static final int SIGTERM_EXIT = 128 + 15;

    private final Process process;
    private final List<String> classpath;
    private final Path log4j;
    private final int port;
    private final Path workDir;
    private final Path logFile;
    private final Admin admin;
    private final Thread shutdownHook;
    private final AtomicBoolean closed = new AtomicBoolean();

    private KafkaBroker(Process process, List<String> classpath, Path log4j, int port, Path workDir, Path logFile, Admin admin,
                        Thread shutdownHook) {
        this.process = process;
        this.classpath = classpath;
        this.log4j = log4j;
        this.port = port;
        this.workDir = workDir;
        this.logFile = logFile;
        this.admin = admin;
        this.shutdownHook = shutdownHook;
    }

    /**
     * Formats a fresh log dir under {@code workDir} and starts the broker; returns once an admin
     * client sees the broker in the cluster's metadata. Fails with the broker log's tail if the
     * process dies or the deadline (about 60 s) passes; the process is then killed.
     */
    public static KafkaBroker start(Path workDir) throws Exception {
        long deadline = System.nanoTime() + START_DEADLINE.toNanos();
        List<String> classpath = brokerClasspath();
        Files.createDirectories(workDir);
        Path log4j = writeLog4jConfig(workDir);
        for (int attempt = 1; ; attempt++) {
            Path dataDir = workDir.resolve(attempt == 1 ? "data" : "data-" + attempt);
            Path logFile = workDir.resolve(attempt == 1 ? "broker.log" : "broker-" + attempt + ".log");
            int[] ports = freePorts(2);
            int port = ports[0];
            int controllerPort = ports[1];
            Path serverProperties = writeServerProperties(workDir, dataDir, port, controllerPort);
            format(classpath, log4j, serverProperties, workDir.resolve("format.log"), deadline);

            Daemon broker = startBroker(classpath, log4j, serverProperties, workDir, logFile, "kafka-broker");
            Process process = broker.process();
            Thread hook = broker.hook();
            long startedAt = System.nanoTime();
            Admin admin = null;
            try {
                awaitListening(process, port, deadline, logFile);
                admin = Admin.create(adminConfig("127.0.0.1:" + port));
                awaitBrokerInMetadata(process, admin, deadline, logFile);
                System.out.printf("[KafkaBroker] ready in %d ms: pid %d, bootstrap 127.0.0.1:%d, controller port %d, log %s%n",
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedAt), process.pid(), port,
                        controllerPort, logFile);
                return new KafkaBroker(process, classpath, log4j, port, workDir, logFile, admin, hook);
            } catch (Exception | Error e) {
                if (admin != null) {
                    admin.close(Duration.ZERO);
                }
                kill(process, hook);
                // a port picked as free can be taken by someone else before the broker binds it
                if (attempt < START_ATTEMPTS && System.nanoTime() < deadline
                        && tail(logFile, 400).contains("Address already in use")) {
                    System.out.printf("[KafkaBroker] port %d or %d was taken before the broker bound it; retrying%n",
                            port, controllerPort);
                    continue;
                }
                throw e;
            }
        }
    }

    /** The PLAINTEXT listener, {@code 127.0.0.1:<port>}. */
    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    /** The broker's OS process id. */
    public long pid() {
        return process.pid();
    }

    /**
     * Creates a topic with replication factor 1 and returns once every partition has a leader
     * that answers a list-offsets request, so producers and consumers can use it at once.
     */
    public void createTopic(String name, int partitions) throws Exception {
        checkOpen();
        long deadline = System.nanoTime() + TOPIC_DEADLINE.toNanos();
        admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all()
                .get(remainingMillis(deadline), TimeUnit.MILLISECONDS);
        while (true) {
            checkAlive(process, logFile, "while creating topic " + name);
            try {
                TopicDescription description = admin.describeTopics(List.of(name)).allTopicNames()
                        .get(remainingMillis(deadline), TimeUnit.MILLISECONDS).get(name);
                List<TopicPartitionInfo> infos = description.partitions();
                boolean led = infos.size() == partitions && infos.stream().allMatch(p -> p.leader() != null);
                if (led) {
                    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
                    infos.forEach(p -> latest.put(new TopicPartition(name, p.partition()), OffsetSpec.latest()));
                    Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> offsets = admin.listOffsets(latest)
                            .all().get(remainingMillis(deadline), TimeUnit.MILLISECONDS);
                    if (offsets.size() == partitions) {
                        return;
                    }
                }
            } catch (ExecutionException e) {
                // UnknownTopicOrPartition / NotLeader until the metadata has spread: try again
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("topic " + name + " not usable within " + TOPIC_DEADLINE
                            + "\n--- broker log tail ---\n" + logTail(LOG_TAIL_ON_FAILURE), e);
                }
            }
            pause(process, deadline, "topic " + name + " not usable within " + TOPIC_DEADLINE);
        }
    }

    /** The file that receives the broker's stdout and stderr. */
    public Path logFile() {
        return logFile;
    }

    /** The last {@code lines} lines of {@link #logFile()} (fewer if the log is shorter). */
    public String logTail(int lines) {
        return tail(logFile, lines);
    }

    /**
     * Stops the broker: SIGTERM by pid, up to 15 s for a clean shutdown, then SIGKILL; returns once
     * the process is gone. Idempotent; deletes nothing.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        admin.close(Duration.ofSeconds(2));
        process.toHandle().destroy(); // SIGTERM to the pid: the broker shuts down cleanly
        try {
            if (!process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                System.out.printf("[KafkaBroker] pid %d ignored SIGTERM for %s; SIGKILL%n", process.pid(), STOP_GRACE);
            } else if (process.exitValue() != 0 && process.exitValue() != SIGTERM_EXIT) {
                System.out.printf("[KafkaBroker] pid %d exited with %d on SIGTERM; see %s%n",
                        process.pid(), process.exitValue(), logFile);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            kill(process, shutdownHook);
        }
    }

    @Override
    public String toString() {
        return "KafkaBroker[pid " + process.pid() + ", " + bootstrapServers() + ", " + workDir + "]";
    }

    // ---- start-up steps -------------------------------------------------------------------------

    private static Path writeServerProperties(Path workDir, Path dataDir, int port, int controllerPort) throws IOException {
        return BrokerJvm.writeServerProperties(workDir.resolve("server.properties"), NODE_ID, 1, NODE_ID + "@127.0.0.1:" + controllerPort,
                port, controllerPort, dataDir);
    }

    /**
     * Runs one of Kafka's own tools (the class a {@code bin/kafka-*.sh} script runs) in a JVM of its
     * own, on the broker's classpath, and returns what it printed (stdout and stderr). Fails if it
     * does not exit within {@code timeout}.
     */
    public String runTool(String mainClass, List<String> args, Duration timeout) throws IOException, InterruptedException {
        List<String> command = javaCommand(classpath, log4j);
        command.add(mainClass);
        command.addAll(args);
        Path output = Files.createTempFile(workDir, "tool-", ".log");
        Process tool = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(output.toFile())).start();
        tool.getOutputStream().close();
        if (!tool.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            tool.destroyForcibly().waitFor();
            throw new IllegalStateException(mainClass + " did not exit within " + timeout + "\n" + printable(command)
                    + "\n--- output ---\n" + tail(output, LOG_TAIL_ON_FAILURE));
        }
        return Files.readString(output, StandardCharsets.UTF_8);
    }

    /** {@code kafka.tools.StorageTool format} in a short JVM of its own; it must exit 0. */
    private static void format(List<String> classpath, Path log4j, Path serverProperties, Path formatLog, long deadline)
            throws IOException, InterruptedException {
        BrokerJvm.format(classpath, log4j, serverProperties, formatLog, deadline, clusterId());
    }

    /** Until the PLAINTEXT port accepts a TCP connection; spares the admin client's reconnect warnings. */
    static void awaitListening(Process process, int port, long deadline, Path logFile) throws InterruptedException {
        while (true) {
            checkAlive(process, logFile, "before it listened on port " + port);
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 250);
                return;
            } catch (IOException notYet) {
                pause(process, deadline, "broker did not listen on 127.0.0.1:" + port + " within " + START_DEADLINE
                        + "\n--- broker log tail ---\n" + tail(logFile, LOG_TAIL_ON_FAILURE));
            }
        }
    }

    /** Until describeCluster names this broker: it has joined the quorum's metadata and serves requests. */
    private static void awaitBrokerInMetadata(Process process, Admin admin, long deadline, Path logFile)
            throws InterruptedException {
        Exception last = null;
        while (true) {
            checkAlive(process, logFile, "before it was ready");
            try {
                int timeout = (int) Math.max(100, Math.min(2_000, remainingMillis(deadline)));
                Collection<Node> nodes = admin.describeCluster(new DescribeClusterOptions().timeoutMs(timeout))
                        .nodes().get(timeout + 500L, TimeUnit.MILLISECONDS);
                if (nodes.stream().anyMatch(n -> n.id() == NODE_ID)) {
                    return;
                }
            } catch (ExecutionException | TimeoutException e) {
                last = e;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("broker not ready within " + START_DEADLINE + " (last error: " + last
                        + ")\n--- broker log tail ---\n" + tail(logFile, LOG_TAIL_ON_FAILURE));
            }
            pause(process, deadline, "broker not ready within " + START_DEADLINE);
        }
    }

    static Properties adminConfig(String bootstrap) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, "paxcast-kafka-broker-harness");
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000");
        p.put(AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, "100");
        p.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "500");
        return p;
    }

    // ---- helpers ----------------------------------------------------------------------------------

    private void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException(this + " is closed");
        }
    }

}
