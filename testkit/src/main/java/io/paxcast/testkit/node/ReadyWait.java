package io.paxcast.testkit.node;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/** The wait for /ready of {@link NodeProcesses#awaitReady(Duration, int...)}: one poll loop with a deadline. */
final class ReadyWait {
    private ReadyWait() {
    }

    static void await(NodeProcesses nodes, Duration timeout, Duration poll, int... which) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, String> states = new LinkedHashMap<>();
        while (true) {
            states.clear();
            for (int k : which) {
                Process p = nodes.currentProcess(k);
                if (p == null || !p.isAlive()) {
                    throw new IllegalStateException(nodes.nodeId(k) + " is not running"
                            + (p == null ? "" : " (exit " + p.exitValue() + ")") + "; end of " + nodes.logFile(k) + ":\n"
                            + nodes.logTail(k, 40));
                }
                int code = nodes.status(k, "/ready");
                states.put(nodes.nodeId(k), code == 200 ? "ready" : code < 0 ? "no answer" : String.valueOf(code));
            }
            if (states.values().stream().allMatch("ready"::equals)) {
                return;
            }
            if (System.nanoTime() - deadline >= 0) {
                // the logs travel in the failure itself: a TestWatcher never sees a failing @BeforeAll
                StringBuilder message = new StringBuilder("not every node is ready after " + timeout + ": " + states);
                for (int k : which) {
                    if (!"ready".equals(states.get(nodes.nodeId(k)))) {
                        message.append("\n----- end of ").append(nodes.logFile(k)).append(" -----\n")
                                .append(nodes.logTail(k, 30));
                    }
                }
                throw new AssertionError(message.toString());
            }
            LockSupport.parkNanos(poll.toNanos()); // the poll interval, not a synchronisation
            if (Thread.interrupted()) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for /ready");
            }
        }
    }
}
