package io.paxcast.samples;

import io.paxcast.testkit.node.NodeLogsOnFailure;
import io.paxcast.testkit.node.NodeProcesses;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Three real node processes (broadcast-service's harness) for one test class, and their URLs:
 * started and ready before the class's first test, closed after its last, the end of their logs
 * printed when a test fails. Every test class against a cluster had the same start, stop and
 * log watch; this extension is that one fixture:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final Cluster cluster = new Cluster();
 * }</pre>
 *
 * Logs go to target/it-logs/&lt;test class's simple name&gt;-*.
 */
public final class Cluster implements BeforeAllCallback, AfterAllCallback, TestWatcher {
    private final NodeLogsOnFailure logs = new NodeLogsOnFailure();
    private volatile NodeProcesses nodes;

    @Override
    public void beforeAll(ExtensionContext context) {
        nodes = start(context.getRequiredTestClass().getSimpleName(), logs);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (nodes != null) {
            nodes.close();
        }
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        logs.testFailed(context, cause);
    }

    /** Starts 3 nodes and waits until every one is ready. */
    private static NodeProcesses start(String name, NodeLogsOnFailure logs) {
        NodeProcesses nodes = logs.watch(NodeProcesses.builder().nodes(3).name(name).build());
        try {
            nodes.startAll();
            nodes.awaitReady(Duration.ofSeconds(120));
        } catch (RuntimeException | Error e) {
            nodes.close();
            throw e;
        }
        return nodes;
    }

    /** The three node processes. */
    public NodeProcesses nodes() {
        return nodes;
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
}
