package io.paxcast.testkit.node;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The harness itself, against {@link FakeNode} (no Hazelcast, starts in a fraction of a second). */
class NodeProcessesTest {
    @RegisterExtension
    final NodeLogsOnFailure logs = new NodeLogsOnFailure(20);

    @Test
    void startsKillsPausesRestartsAndCleansUpOneProcessPerNode() throws Exception {
        List<Long> pids = new ArrayList<>();
        Path data;
        Path log3;
        try (NodeProcesses nodes = logs.watch(NodeProcesses.builder().nodes(3).name("NodeProcessesTest")
                .mainClass(FakeNode.class.getName()).heap("64m").build())) {
            nodes.startAll();
            nodes.awaitReady(Duration.ofSeconds(20));
            data = nodes.dataDir(1).getParent();
            log3 = nodes.logFile(3);

            // the launcher's scheme: nk on base+k, Hazelcast base-2380+k, loopback, own data dir
            String env = nodes.get(2, "/env").body();
            assertTrue(env.contains("node=n2\n"), env);
            assertTrue(env.contains("httpHost=127.0.0.1\n"), env);
            assertTrue(env.contains("httpPort=" + (nodes.basePort() + 2) + "\n"), env);
            int hz = nodes.basePort() - 2380;
            assertTrue(env.contains("members=n1@127.0.0.1:" + (hz + 1) + ",n2@127.0.0.1:" + (hz + 2)
                    + ",n3@127.0.0.1:" + (hz + 3) + "\n"), env);
            assertTrue(env.contains("dataDir=" + nodes.dataDir(2) + "\n"), env);
            assertTrue(Files.isDirectory(nodes.dataDir(2)));

            // each node is one process: the java child of this JVM, no wrapper in between
            for (int k = 1; k <= 3; k++) {
                ProcessHandle handle = ProcessHandle.of(nodes.pid(k)).orElseThrow();
                pids.add(handle.pid());
                assertEquals(ProcessHandle.current().pid(), handle.parent().orElseThrow().pid());
                assertTrue(handle.info().command().orElse("").endsWith("java"), handle.info().toString());
                assertEquals(0, handle.children().count());
            }

            // SIGSTOP: the process is stopped (state T) and answers nothing; the rest stay ready
            nodes.pause(2);
            assertEquals("T", NodeProcesses.processState(nodes.pid(2)));
            assertEquals(-1, nodes.status(2, "/ready"));
            nodes.awaitReady(Duration.ofSeconds(5));
            nodes.resume(2);
            assertNotEquals("T", NodeProcesses.processState(nodes.pid(2)));
            nodes.awaitReady(Duration.ofSeconds(5), 2);

            // SIGKILL (kill() checks the exit status 137) only takes that one node down
            long oldPid = nodes.pid(3);
            nodes.kill(3);
            assertFalse(nodes.isAlive(3));
            assertTrue(nodes.isAlive(1) && nodes.isAlive(2));
            RuntimeException dead = assertThrows(RuntimeException.class,
                    () -> nodes.awaitReady(Duration.ofSeconds(5), 3));
            assertTrue(String.valueOf(dead.getMessage()).contains("n3 is not running (exit 137)"), dead.toString());

            nodes.restart(3);
            assertNotEquals(oldPid, nodes.pid(3));
            pids.add(nodes.pid(3));
            nodes.awaitReady(Duration.ofSeconds(20));

            // a paused node is still killed by close()
            nodes.pause(1);
        }
        for (long pid : pids) {
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "pid " + pid + " survived close()");
        }
        assertFalse(Files.exists(data), "data dir " + data + " was not deleted");
        String log = Files.readString(log3);
        assertTrue(log.contains("=== NodeProcesses: starting n3 (start #2)"), log);
        assertTrue(log.contains("fake n3 serving"), log);
    }

    @Test
    void refusesABasePortWhosePortsAreTaken() throws Exception {
        try (NodeProcesses first = NodeProcesses.builder().nodes(1).name("NodeProcessesTest-ports")
                .mainClass(FakeNode.class.getName()).heap("64m").start()) {
            first.awaitReady(Duration.ofSeconds(20));
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> NodeProcesses.builder().nodes(1).basePort(first.basePort()).build());
            assertTrue(e.getMessage().contains(String.valueOf(first.httpPort(1))), e.getMessage());
            // without a fixed base the harness moves on to free ports
            try (NodeProcesses second = NodeProcesses.builder().nodes(1).name("NodeProcessesTest-ports")
                    .mainClass(FakeNode.class.getName()).heap("64m").build()) {
                assertNotEquals(first.basePort(), second.basePort());
            }
        }
    }

    @Test
    void aReadinessTimeoutCarriesTheLogsOfTheNodesThatWereNotReady() {
        try (NodeProcesses nodes = NodeProcesses.builder().nodes(1).name("NodeProcessesTest-timeout")
                .mainClass(FakeNode.class.getName()).heap("64m").env("PAXCAST_FAKE_READY_MILLIS", "600000").start()) {
            AssertionError e = assertThrows(AssertionError.class, () -> nodes.awaitReady(Duration.ofSeconds(2)));
            assertTrue(e.getMessage().contains("not every node is ready"), e.getMessage());
            assertTrue(e.getMessage().contains("----- end of " + nodes.logFile(1)), e.getMessage());
            assertTrue(e.getMessage().contains("fake n1 serving"), e.getMessage());
        }
    }
}
