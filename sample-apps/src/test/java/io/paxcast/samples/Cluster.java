package io.paxcast.samples;

import io.paxcast.testkit.node.NodeLogsOnFailure;
import io.paxcast.testkit.node.NodeProcesses;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/** Three real node processes (broadcast-service's harness) for one test class, and their URLs. */
public final class Cluster {
    public final NodeProcesses nodes;

    private Cluster(NodeProcesses nodes) {
        this.nodes = nodes;
    }

    /** Starts 3 nodes and waits until every one is ready; logs go to target/it-logs/&lt;name&gt;-*. */
    public static Cluster start(String name, NodeLogsOnFailure logs) {
        NodeProcesses nodes = logs.watch(NodeProcesses.builder().nodes(3).name(name).build());
        try {
            nodes.startAll();
            nodes.awaitReady(Duration.ofSeconds(120));
        } catch (RuntimeException | Error e) {
            nodes.close();
            throw e;
        }
        return new Cluster(nodes);
    }

    /** Node k's URL (1-based), e.g. http://127.0.0.1:18081. */
    public URI url(int k) {
        return URI.create("http://127.0.0.1:" + nodes.httpPort(k));
    }

    /** Every node's URL, node 1 first. */
    public List<URI> urls() {
        return IntStream.rangeClosed(1, nodes.size()).mapToObj(this::url).toList();
    }

    /** The {@code --node} value naming every node. */
    public String nodeOption() {
        return urls().stream().map(URI::toString).collect(Collectors.joining(","));
    }

    public void close() {
        nodes.close();
    }
}
