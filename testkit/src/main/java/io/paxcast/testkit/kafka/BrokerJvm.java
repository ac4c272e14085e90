package io.paxcast.testkit.kafka;

import io.paxcast.testkit.process.Daemon;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static io.paxcast.testkit.kafka.BrokerProcesses.LOG_TAIL_ON_FAILURE;
import static io.paxcast.testkit.kafka.BrokerProcesses.remainingMillis;
import static io.paxcast.testkit.kafka.BrokerProcesses.tail;

/**
 * How a broker JVM is made, for {@link KafkaBroker} and {@link KafkaCluster} alike: the broker's
 * classpath (from the file the {@code kafka-broker} module writes), its log4j and server.properties
 * files, the storage format step and the {@code java} command lines.
 */
final class BrokerJvm {
    private static final Duration FORMAT_DEADLINE = Duration.ofSeconds(30);

    private BrokerJvm() {
    }

    /**
     * Starts {@code kafka.Kafka} on {@code serverProperties} in {@code dir}, its output appended to
     * {@code logFile}, killed by a shutdown hook {@code <hookName>-<pid>-kill} if the JVM exits first.
     */
    static Daemon startBroker(List<String> classpath, Path log4j, Path serverProperties, Path dir, Path logFile,
                              String hookName) throws IOException {
        List<String> command = javaCommand(classpath, log4j);
        command.add(1, "-Xmx512m");
        command.add(2, "-Xms128m");
        command.add("kafka.Kafka");
        command.add(serverProperties.toString());
        return Daemon.start(new ProcessBuilder(command).directory(dir.toFile()), logFile, hookName);
    }

    static List<String> brokerClasspath() throws IOException {
        Path file = Path.of(System.getProperty(KafkaBroker.CLASSPATH_PROPERTY, KafkaBroker.DEFAULT_CLASSPATH_FILE)).toAbsolutePath().normalize();
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException("Kafka broker classpath file " + file + " is missing: run"
                    + " `mvn -pl kafka-broker generate-resources` from the project root first"
                    + " (or point -D" + KafkaBroker.CLASSPATH_PROPERTY + "=<file> at one)");
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
        Map<String, String> p = new LinkedHashMap<>();
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
    static String printable(List<String> command) {
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
}
