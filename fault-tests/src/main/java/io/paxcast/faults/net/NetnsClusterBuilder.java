package io.paxcast.faults.net;

import io.paxcast.testkit.node.NodeProcesses;
import io.paxcast.testkit.node.NodeProcessesBuilder;

import java.nio.file.Path;
import java.time.Duration;

/** Options; {@link #build()} creates the network (no node yet), {@link #start()} also starts the nodes. */
public final class NetnsClusterBuilder {
    private final NodeProcessesBuilder launcher = NodeProcesses.builder()
            .name("netns")
            .label("NetnsCluster")
            .dataPrefix("paxcast-netns-")
            .logRoot(Path.of(System.getProperty("basedir", System.getProperty("user.dir")), "target", "fault-logs"))
            .keepData(Boolean.getBoolean("paxcast.netns.keepData"))
            .snapshotClasspath(true)
            .readyPollInterval(Duration.ofMillis(100));
    private String subnet;

    NetnsClusterBuilder() {
    }

    public NetnsClusterBuilder nodes(int nodes) {
        launcher.nodes(nodes);
        return this;
    }

    /** Names the log directory target/fault-logs/&lt;name&gt;-&lt;time&gt;-&lt;run&gt;/ (use the test's name). */
    public NetnsClusterBuilder name(String name) {
        launcher.name(name);
        return this;
    }

    /** The first three octets of the /24 to use, e.g. {@code 10.213.78} (default: the first free of 10.213.77, ...). */
    public NetnsClusterBuilder subnet(String subnet) {
        this.subnet = subnet;
        return this;
    }

    /** -Xmx of each node (default 384m). */
    public NetnsClusterBuilder heap(String heap) {
        launcher.heap(heap);
        return this;
    }

    /** The java binary (default: this JVM's). */
    public NetnsClusterBuilder java(String java) {
        launcher.java(java);
        return this;
    }

    /** The nodes' classpath (default: this JVM's java.class.path without test-classes). */
    public NetnsClusterBuilder classpath(String classpath) {
        launcher.classpath(classpath);
        return this;
    }

    /** An extra JVM argument for every node (after the defaults). */
    public NetnsClusterBuilder jvmArg(String arg) {
        launcher.jvmArg(arg);
        return this;
    }

    /** An extra environment entry for every node, e.g. {@code PAXCAST_PUBLISH_TIMEOUTMILLIS}. */
    public NetnsClusterBuilder env(String key, String value) {
        launcher.env(key, value);
        return this;
    }

    /** Where run log directories go (default: ${basedir}/target/fault-logs). */
    public NetnsClusterBuilder logRoot(Path logRoot) {
        launcher.logRoot(logRoot);
        return this;
    }

    /** Copy the mutable classpath entries (directories, SNAPSHOT jars) to a private directory first (default true). */
    public NetnsClusterBuilder snapshotClasspath(boolean snapshot) {
        launcher.snapshotClasspath(snapshot);
        return this;
    }

    /** Keep the data directories after close (default -Dpaxcast.netns.keepData). */
    public NetnsClusterBuilder keepData(boolean keepData) {
        launcher.keepData(keepData);
        return this;
    }

    /** Creates the bridge, namespaces, veths and chains; starts no node. */
    public NetnsCluster build() {
        return new NetnsCluster(launcher, subnet);
    }

    /** Builds and starts every node (without waiting for /ready); tears everything down if that fails. */
    public NetnsCluster start() {
        NetnsCluster cluster = build();
        try {
            return cluster.startAll();
        } catch (RuntimeException | Error e) {
            cluster.close();
            throw e;
        }
    }
}
