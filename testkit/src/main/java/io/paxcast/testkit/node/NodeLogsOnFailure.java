package io.paxcast.testkit.node;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Prints the end of every watched node's log when a test fails. The logs stay on disk after
 * {@link NodeProcesses#close()}, so the order of close and this callback does not matter.
 *
 * <pre>{@code
 * @RegisterExtension final NodeLogsOnFailure logs = new NodeLogsOnFailure();
 * ...
 * try (NodeProcesses nodes = logs.watch(NodeProcesses.builder().nodes(3).name("MyTest").build())) {
 *     nodes.startAll();
 *     nodes.awaitReady(Duration.ofSeconds(60));
 * }
 * }</pre>
 */
public final class NodeLogsOnFailure implements TestWatcher {
    private final List<NodeProcesses> watched = new CopyOnWriteArrayList<>();
    private final int lines;

    public NodeLogsOnFailure() {
        this(80);
    }

    public NodeLogsOnFailure(int lines) {
        this.lines = lines;
    }

    /** Watches {@code nodes} for the current test; returns it. */
    public NodeProcesses watch(NodeProcesses nodes) {
        watched.add(nodes);
        return nodes;
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        System.out.println("[NodeLogsOnFailure] " + context.getDisplayName() + " failed: " + cause);
        for (NodeProcesses nodes : watched) {
            nodes.dumpLogTails(lines);
        }
    }
}
