package io.paxcast.testkit.node;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Where the node processes of a {@link NodeProcesses} live on the network: their addresses and
 * ports, the bind settings they get, what wraps their JVM, and what must be set up before the
 * first node starts and removed after the last one stopped. {@link Loopback} (every node on
 * 127.0.0.1, ports by node number) is the default; the fault suite's network namespaces are another.
 *
 * <p>The launcher calls {@link #open} once, then the address methods any number of times (node
 * numbers are 1-based and already checked), and {@link #close()} once every node process is gone,
 * also after a failed {@link #open} and from the launcher's JVM shutdown hook.
 */
public interface Network {
    /** Allocates what {@code size} nodes need; the run's data (kept if {@code keepData}) lives under {@code dataRoot}. */
    void open(int size, Path dataRoot, boolean keepData);

    /** The address this JVM reaches node k at, and node k's address in the cluster's member list. */
    String host(int k);

    int httpPort(int k);

    int hazelcastPort(int k);

    /** Node k's own bind settings ({@code PAXCAST_HTTP_HOST}, ...), set after the member list. */
    Map<String, String> environment(int k);

    /** -D options naming node k's JVM for {@code ps} (never {@code -Dpaxcast.*}: the node reads those as configuration). */
    List<String> markers(int k);

    /** What runs node k's JVM (e.g. {@code ip netns exec <ns>}); empty: this JVM starts it directly. */
    default List<String> commandPrefix(int k) {
        return List.of();
    }

    /** Appended to the "starting nk" header of node k's log, e.g. {@code " in <namespace>"}. */
    default String where(int k) {
        return "";
    }

    /** Appended to the name of the run's log directory, e.g. the run id. */
    default String logDirSuffix() {
        return "";
    }

    /** Checks node k's process just after it started (its binary, its namespace); throwing aborts the start. */
    default void started(NodeProcesses nodes, int k, Process process) throws IOException {
    }

    /** Undoes {@link #open} (also a partial one); returns what could not be removed. */
    default List<String> close() {
        return List.of();
    }

    /** After the run's data went (or was kept): {@code problems} is what {@link #close()} returned. */
    default void closed(List<String> problems, long teardownMillis) {
    }
}
