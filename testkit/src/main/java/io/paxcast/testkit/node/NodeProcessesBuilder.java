package io.paxcast.testkit.node;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Options of a {@link NodeProcesses}; {@link #build()} creates it (and its network) without starting a node. */
public final class NodeProcessesBuilder {
    int nodes = 3;
    Integer basePort;
    String name = "cluster";
    String label = "NodeProcesses";
    String dataPrefix = "paxcast-it-";
    String heap = "384m";
    String mainClass = NodeProcesses.MAIN_CLASS;
    String java;
    String classpath;
    boolean snapshotClasspath;
    boolean keepData = Boolean.getBoolean("paxcast.it.keepData");
    Path logRoot = Path.of(System.getProperty("basedir", System.getProperty("user.dir")), "target", "it-logs");
    Network network;
    NodeEvents events;
    Duration readyPoll = Duration.ofMillis(250);
    final List<String> jvmArgs = new ArrayList<>();
    final Map<String, String> env = new LinkedHashMap<>();
    final Map<Integer, String> nodeMainClasses = new java.util.HashMap<>();

    NodeProcessesBuilder() {
    }

    public NodeProcessesBuilder nodes(int nodes) {
        this.nodes = nodes;
        return this;
    }

    /** A fixed loopback base port (default: -Dpaxcast.it.basePort, PAXCAST_IT_BASE_PORT or the first free of 18080, 18180, ...). */
    public NodeProcessesBuilder basePort(int basePort) {
        this.basePort = basePort;
        return this;
    }

    /** Where the nodes live (default {@link Loopback}). */
    public NodeProcessesBuilder network(Network network) {
        this.network = network;
        return this;
    }

    /** Names the log directory &lt;logRoot&gt;/&lt;name&gt;-&lt;time&gt;/ (use the test's name). */
    public NodeProcessesBuilder name(String name) {
        this.name = name.replaceAll("[^A-Za-z0-9._-]", "_");
        return this;
    }

    /** Where run log directories go (default: ${basedir}/target/it-logs). */
    public NodeProcessesBuilder logRoot(Path logRoot) {
        this.logRoot = logRoot;
        return this;
    }

    /** The harness's name in its own output lines and log headers (default NodeProcesses). */
    public NodeProcessesBuilder label(String label) {
        this.label = label;
        return this;
    }

    /** The name prefix of the temporary data directory (default paxcast-it-). */
    public NodeProcessesBuilder dataPrefix(String dataPrefix) {
        this.dataPrefix = dataPrefix;
        return this;
    }

    /** -Xmx of each node (default 384m). */
    public NodeProcessesBuilder heap(String heap) {
        this.heap = heap;
        return this;
    }

    /** An extra environment entry for every node, e.g. {@code PAXCAST_PAXOS_TICKMILLIS}. */
    public NodeProcessesBuilder env(String key, String value) {
        env.put(key, value);
        return this;
    }

    /** An extra JVM argument for every node (after the defaults). */
    public NodeProcessesBuilder jvmArg(String arg) {
        jvmArgs.add(arg);
        return this;
    }

    /** The java binary (default: this JVM's). */
    public NodeProcessesBuilder java(String java) {
        this.java = java;
        return this;
    }

    /** The nodes' classpath (default: this JVM's java.class.path, without test-classes for the real node). */
    public NodeProcessesBuilder classpath(String classpath) {
        this.classpath = classpath;
        return this;
    }

    /** Copy the mutable classpath entries first ({@link NodeJvm#snapshotClasspath}), so a concurrent build cannot replace classes under running nodes (default false). */
    public NodeProcessesBuilder snapshotClasspath(boolean snapshot) {
        this.snapshotClasspath = snapshot;
        return this;
    }

    /** Keep the data directories after close (default -Dpaxcast.it.keepData). */
    public NodeProcessesBuilder keepData(boolean keepData) {
        this.keepData = keepData;
        return this;
    }

    /** Who hears of starts, kills and pauses (default: a line on stdout per start). */
    public NodeProcessesBuilder events(NodeEvents events) {
        this.events = events;
        return this;
    }

    /** How often {@link NodeProcesses#awaitReady} asks (default 250 ms). */
    public NodeProcessesBuilder readyPollInterval(Duration interval) {
        this.readyPoll = interval;
        return this;
    }

    /** Another main class, for the harness's own test; the node itself is {@link NodeProcesses#MAIN_CLASS}. */
    public NodeProcessesBuilder mainClass(String mainClass) {
        this.mainClass = mainClass;
        return this;
    }

    /**
     * Node k's main class, in place of the cluster's: the split deployment's entry points
     * ({@code io.paxcast.broadcast.SequencerMain}, {@code io.paxcast.broadcast.EdgeMain}).
     */
    public NodeProcessesBuilder mainClass(int k, String mainClass) {
        this.nodeMainClasses.put(k, mainClass);
        return this;
    }

    public NodeProcesses build() {
        try {
            return new NodeProcesses(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Builds and starts every node (without waiting for /ready); closes everything if a start fails. */
    public NodeProcesses start() {
        NodeProcesses nodes = build();
        try {
            return nodes.startAll();
        } catch (RuntimeException | Error e) {
            nodes.close();
            throw e;
        }
    }
}
