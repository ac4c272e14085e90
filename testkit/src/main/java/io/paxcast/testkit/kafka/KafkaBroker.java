package io.paxcast.testkit.kafka;

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
import io.paxcast.testkit.process.LogTail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.Stream;

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
    private static final Duration FORMAT_DEADLINE = Duration.ofSeconds(30);
    private static final Duration TOPIC_DEADLINE = Duration.ofSeconds(30);
    private static final Duration STOP_GRACE = Duration.ofSeconds(15);
    private static final int START_ATTEMPTS = 3;
    private static final int LOG_TAIL_ON_FAILURE = 60;
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

            List<String> command = javaCommand(classpath, log4j);
            command.add(1, "-Xmx512m");
            command.add(2, "-Xms128m");
            command.add("kafka.Kafka");
            command.add(serverProperties.toString());
            Process process = new ProcessBuilder(command)
                    .directory(workDir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .start();
            process.getOutputStream().close();
            Thread hook = new Thread(() -> process.destroyForcibly(), "kafka-broker-" + process.pid() + "-kill");
            Runtime.getRuntime().addShutdownHook(hook);
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

    static List<String> brokerClasspath() throws IOException {
        Path file = Path.of(System.getProperty(CLASSPATH_PROPERTY, DEFAULT_CLASSPATH_FILE)).toAbsolutePath().normalize();
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException("Kafka broker classpath file " + file + " is missing: run"
                    + " `mvn -pl kafka-broker generate-resources` from the project root first"
                    + " (or point -D" + CLASSPATH_PROPERTY + "=<file> at one)");
        }
        List<String> jars = Stream.of(Files.readString(file, StandardCharsets.UTF_8).trim().split(":"))
                .filter(s -> !s.isBlank())
                .collect(Collectors.toList());
        List<String> missing = jars.stream().filter(j -> !Files.isRegularFile(Path.of(j))).collect(Collectors.toList());
        if (jars.isEmpty() || !missing.isEmpty()) {
            throw new IllegalStateException("Kafka broker classpath file " + file + " is empty or names missing jars "
                    + missing + ": run `mvn -pl kafka-broker generate-resources` from the project root again");
        }
        return jars;
    }

    static Path writeLog4jConfig(Path workDir) throws IOException {
        // quiet by default; the two "started" lines stay visible for whoever reads broker.log. Without
        // shutdownHook = disable, log4j stops in its own JVM shutdown hook, racing Kafka's, and the
        // broker's SIGTERM shutdown goes unlogged.
        String config = String.join("\n",
                "status = warn",
                "shutdownHook = disable",
                "appender.console.type = Console",
                "appender.console.name = STDOUT",
                "appender.console.layout.type = PatternLayout",
                "appender.console.layout.pattern = [%d] %p %m (%c)%n",
                "rootLogger.level = WARN",
                "rootLogger.appenderRef.stdout.ref = STDOUT",
                "logger.raftServer.name = kafka.server.KafkaRaftServer",
                "logger.raftServer.level = INFO",
                "logger.brokerServer.name = kafka.server.BrokerServer",
                "logger.brokerServer.level = INFO",
                "");
        Path file = workDir.resolve("log4j2.properties");
        Files.writeString(file, config, StandardCharsets.UTF_8);
        return file;
    }

    private static Path writeServerProperties(Path workDir, Path dataDir, int port, int controllerPort) throws IOException {
        return writeServerProperties(workDir.resolve("server.properties"), NODE_ID, 1, NODE_ID + "@127.0.0.1:" + controllerPort,
                port, controllerPort, dataDir);
    }

    /**
     * The server.properties of one combined broker and controller among {@code brokers} (voters
     * {@code n@127.0.0.1:<controller port>,...}). Internal topics get replication factor
     * {@code brokers} and min.insync.replicas 2 (1 for a single broker: with one node every internal
     * topic must live with a single replica, or transactions and groups never work).
     */
    static Path writeServerProperties(Path file, int nodeId, int brokers, String voters, int port, int controllerPort,
                                      Path dataDir) throws IOException {
        String replicas = String.valueOf(brokers);
        String minIsr = String.valueOf(Math.min(2, brokers));
        Map<String, String> p = new java.util.LinkedHashMap<>();
        p.put("process.roles", "broker,controller");
        p.put("node.id", String.valueOf(nodeId));
        p.put("controller.quorum.voters", voters);
        p.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("log.dirs", dataDir.toAbsolutePath().toString());
        p.put("offsets.topic.replication.factor", replicas);
        p.put("offsets.topic.num.partitions", "1");
        p.put("transaction.state.log.replication.factor", replicas);
        p.put("transaction.state.log.min.isr", minIsr);
        p.put("transaction.state.log.num.partitions", "1");
        p.put("share.coordinator.state.topic.replication.factor", replicas);
        p.put("share.coordinator.state.topic.min.isr", minIsr);
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("auto.create.topics.enable", "false");
        p.put("num.partitions", "1");
        String text = p.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining("\n", "", "\n"));
        Files.writeString(file, text, StandardCharsets.UTF_8);
        return file;
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
        format(classpath, log4j, serverProperties, formatLog, deadline, clusterId());
    }

    /** The same with a given cluster id: every node of a {@link KafkaCluster} is formatted with one id. */
    static void format(List<String> classpath, Path log4j, Path serverProperties, Path formatLog, long deadline,
                       String clusterId) throws IOException, InterruptedException {
        List<String> command = javaCommand(classpath, log4j);
        command.addAll(List.of("kafka.tools.StorageTool", "format", "-t", clusterId, "-c", serverProperties.toString()));
        Process format = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(formatLog.toFile()))
                .start();
        format.getOutputStream().close();
        long wait = Math.min(FORMAT_DEADLINE.toMillis(), remainingMillis(deadline));
        if (!format.waitFor(wait, TimeUnit.MILLISECONDS)) {
            format.destroyForcibly().waitFor();
            throw new IllegalStateException("Kafka StorageTool format did not finish within " + wait + " ms\n"
                    + printable(command) + "\n--- output ---\n" + tail(formatLog, LOG_TAIL_ON_FAILURE));
        }
        if (format.exitValue() != 0) {
            throw new IllegalStateException("Kafka StorageTool format exited with " + format.exitValue() + "\n"
                    + printable(command) + "\n--- output ---\n" + tail(formatLog, LOG_TAIL_ON_FAILURE));
        }
    }

    /**
     * A cluster id as {@code kafka-storage.sh random-uuid} makes it (Kafka's {@code Uuid}): 16 random
     * bytes, URL-safe base64 without padding, never starting with '-'. Saves a JVM start.
     */
    static String clusterId() {
        SecureRandom random = new SecureRandom();
        byte[] bytes = new byte[16];
        while (true) {
            random.nextBytes(bytes);
            String id = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
            if (!id.startsWith("-")) {
                return id;
            }
        }
    }

    static List<String> javaCommand(List<String> classpath, Path log4j) {
        List<String> command = new ArrayList<>();
        command.add(javaBinary());
        command.add("-XX:+ExitOnOutOfMemoryError");
        command.add("-Djava.awt.headless=true");
        command.add("-Djava.net.preferIPv4Stack=true");
        command.add("-Dlog4j2.configurationFile=" + log4j.toAbsolutePath());
        command.add("-cp");
        command.add(String.join(":", classpath));
        return command;
    }

    /** The command with the (long) classpath shortened to its jar count. */
    private static String printable(List<String> command) {
        List<String> shown = new ArrayList<>(command);
        int cp = shown.indexOf("-cp");
        if (cp >= 0 && cp + 1 < shown.size()) {
            shown.set(cp + 1, "<broker classpath: " + shown.get(cp + 1).split(":").length + " jars>");
        }
        return String.join(" ", shown);
    }

    private static String javaBinary() {
        return ProcessHandle.current().info().command()
                .filter(c -> Files.isExecutable(Path.of(c)))
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    static int[] freePorts(int count) throws IOException {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                sockets.add(s);
                ports[i] = s.getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket s : sockets) {
                s.close();
            }
        }
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

    /**
     * A bounded wait between two checks of a condition: up to 100 ms, cut short if the broker exits
     * (the next {@link #checkAlive} then reports it). Fails once the deadline has passed.
     */
    static void pause(Process process, long deadline, String timeoutMessage) throws InterruptedException {
        if (System.nanoTime() > deadline) {
            throw new IllegalStateException(timeoutMessage);
        }
        process.waitFor(Math.min(100, Math.max(1, remainingMillis(deadline))), TimeUnit.MILLISECONDS);
    }

    static void checkAlive(Process process, Path logFile, String when) {
        if (!process.isAlive()) {
            throw new IllegalStateException("Kafka broker pid " + process.pid() + " exited with " + process.exitValue()
                    + " " + when + "\n--- " + logFile + " tail ---\n" + tail(logFile, LOG_TAIL_ON_FAILURE));
        }
    }

    private void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException(this + " is closed");
        }
    }

    static long remainingMillis(long deadline) {
        return Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
    }

    /** SIGKILL and wait until the process is gone, then drop its shutdown hook. */
    static void kill(Process process, Thread hook) {
        process.destroyForcibly();
        boolean interrupted = false;
        while (process.isAlive()) {
            try {
                process.waitFor();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shutdownInProgress) {
            // the hook runs anyway and finds nothing left to kill
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** The last lines of a file, reading at most its last 256 KiB; "" if it does not exist. */
    static String tail(Path file, int lines) {
        try {
            return LogTail.read(file, lines, 256 * 1024);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
