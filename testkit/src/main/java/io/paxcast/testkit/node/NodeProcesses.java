package io.paxcast.testkit.node;

import io.paxcast.testkit.client.TestClient;
import io.paxcast.testkit.process.LogTail;
import io.paxcast.testkit.process.Signals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.IntStream;

/**
 * N real node JVMs, the one launcher of the test kit. Node {@code k} (1-based) is {@code nk}, started
 * as {@code <prefix> <java> -Xmx<heap> <flags> <markers> -cp <classpath> <main>} with the environment of
 * {@code bin/paxcast-local} ({@code PAXCAST_NODE_ID}, {@code PAXCAST_CLUSTER_MEMBERS}, the network's
 * bind settings, {@code PAXCAST_HTTP_PORT}, {@code PAXCAST_DATA_DIR}, then the builder's extra entries;
 * inherited {@code PAXCAST_*} variables are removed). Where the nodes live and what wraps their JVM
 * is the {@link Network}: {@link Loopback} by default. Each node is exactly one OS process whose pid
 * {@link #pid(int)} returns; every control acts on that pid.
 *
 * <p>The node is launched by main class name ({@link #MAIN_CLASS}) from this JVM's classpath (minus
 * test classes), so it runs inside surefire without the packaged jar and the test kit does not depend
 * on the node's module. Data goes to a fresh temporary directory (deleted by {@link #close()} unless
 * kept); each node's stdout and stderr are appended to {@code <logRoot>/<name>-<time>/nk.log}, which
 * stay after the run.
 *
 * <p>Threading: controls are serialized with each other and with {@link #close()}, which (like the
 * shutdown hook) may run from any thread. {@link #close()} SIGKILLs every process this instance ever
 * started, by pid, then closes the network, and is idempotent; a JVM shutdown hook does the same if
 * the JVM exits without closing (nothing helps against a SIGKILL of this JVM itself).
 */
public final class NodeProcesses implements AutoCloseable {
    /** The node's entry point, as run by bin/paxcast-local. */
    public static final String MAIN_CLASS = "io.paxcast.broadcast.Main";
    /** The node JVM's flags ({@link NodeJvm#FLAGS}). */
    public static final List<String> JVM_FLAGS = NodeJvm.FLAGS;

    private final int size;
    private final String label;
    private final Network network;
    private final NodeEvents events;
    private final Duration readyPoll;
    private final NodeCommand launch;
    private final RunResources run;
    private final NodeProcess[] nodes;
    private final List<Process> everStarted = new CopyOnWriteArrayList<>();
    private final TestClient client = new TestClient();
    private final ReentrantLock lock = new ReentrantLock();
    private final AtomicBoolean tornDown = new AtomicBoolean();
    private final Thread shutdownHook;
    private volatile boolean closed;

    NodeProcesses(NodeProcessesBuilder b) throws IOException {
        if (b.nodes < 1 || b.nodes > 99) {
            throw new IllegalArgumentException("nodes must be in 1..99, got " + b.nodes);
        }
        this.size = b.nodes;
        this.label = b.label;
        this.network = b.network != null ? b.network : new Loopback(b.basePort);
        this.events = b.events != null ? b.events : new StartPrinter();
        this.readyPoll = b.readyPoll;
        this.nodes = IntStream.rangeClosed(1, size).mapToObj(k -> new NodeProcess(label, "n" + k))
                .toArray(NodeProcess[]::new);
        String classpath = b.classpath != null ? b.classpath : NodeJvm.thisClasspath(b.mainClass.equals(MAIN_CLASS));
        this.run = new RunResources(b, network, classpath);
        this.launch = new NodeCommand(size, network, b.java != null ? b.java : NodeJvm.javaBinary(), b.heap, b.jvmArgs,
                run.classpath, b.mainClass, b.nodeMainClasses, b.env);
        this.shutdownHook = new Thread(this::teardown, label + "-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    public static NodeProcessesBuilder builder() {
        return new NodeProcessesBuilder();
    }

    // ---- lifecycle ----------------------------------------------------------------------------

    /** Starts every node that is not running; returns without waiting for /ready. */
    public NodeProcesses startAll() {
        for (int k = 1; k <= size; k++) {
            if (!isAlive(k)) {
                start(k);
            }
        }
        return this;
    }

    /** Starts node k (which must not be running) with its existing data directory; the network checks the new process. */
    public void start(int k) {
        NodeProcess node = node(k);
        locked(() -> {
            if (closed) {
                throw new IllegalStateException("closed");
            }
            if (isAlive(k)) {
                throw new IllegalStateException(nodeId(k) + " is already running as pid " + pid(k));
            }
            try {
                Files.createDirectories(dataDir(k));
                int start = node.countStart();
                Files.writeString(logFile(k), "=== " + label + ": starting " + nodeId(k) + " (start #" + start
                                + ")" + network.where(k) + " at " + Instant.now() + "\n",
                        StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                ProcessBuilder pb = new ProcessBuilder(launch.command(k))
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile(k).toFile()));
                Map<String, String> env = pb.environment();
                env.keySet().removeIf(name -> name.startsWith("PAXCAST_"));
                env.putAll(environment(k));
                Process p = node.launch(pb, everStarted);
                network.started(this, k, p);
                events.started(k, p.pid(), start);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start " + nodeId(k), e);
            }
        });
    }

    /** SIGKILLs node k (also when paused) and waits until the process is gone; checks its exit status is 137. */
    public void kill(int k) {
        locked(() -> {
            Process p = process(k);
            if (node(k).sigkill()) {
                events.killed(k, p.pid());
            } else {
                events.killedNotRunning(k, p.exitValue());
            }
        });
    }

    /** SIGTERMs node k (its shutdown hooks run), SIGKILLs it if still alive after 15 s. */
    public void stop(int k) {
        locked(() -> {
            process(k); // fails at once for a node that never started
            if (isPaused(k)) {
                resume(k);
            }
            try {
                node(k).sigterm();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while stopping " + nodeId(k), e);
            }
        });
    }

    /** SIGKILLs node k if it runs, then starts it again on its existing data (no wait for /ready). */
    public void restart(int k) {
        locked(() -> {
            if (isAlive(k)) {
                kill(k);
            }
            start(k);
        });
    }

    /** SIGSTOPs node k: its sockets stay open but it answers nothing until {@link #resume(int)}; returns once it is stopped. */
    public void pause(int k) {
        locked(() -> events.paused(k, node(k).setStopped(true)));
    }

    /** SIGCONTs node k after {@link #pause(int)}; returns once the process runs again. */
    public void resume(int k) {
        locked(() -> events.resumed(k, node(k).setStopped(false)));
    }

    /** The state letter of {@code pid} in /proc (R, S, T, ...; "" once it is gone). */
    public static String processState(long pid) {
        return Signals.processState(pid);
    }

    /** SIGKILLs every process this instance started, closes the network, deletes the data (unless kept); idempotent. */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
        } finally {
            lock.unlock();
        }
        teardown();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook is running or about to: nothing to undo
        }
    }

    private void teardown() {
        if (tornDown.compareAndSet(false, true)) {
            run.release(everStarted);
        }
    }

    // ---- readiness and HTTP -------------------------------------------------------------------

    /** Waits until /ready answers 200 on every node that is running and not paused. */
    public void awaitReady(Duration timeout) {
        int[] up = IntStream.rangeClosed(1, size).filter(k -> isAlive(k) && !isPaused(k)).toArray();
        if (up.length == 0) {
            throw new IllegalStateException("no node is running");
        }
        awaitReady(timeout, up);
    }

    /**
     * Waits until /ready answers 200 on each listed node. Fails at once (IllegalStateException, with
     * the end of its log) if one of them is not running; on timeout the AssertionError holds the last
     * states and the end of the logs of the nodes that were not ready.
     */
    public void awaitReady(Duration timeout, int... nodes) {
        for (int k : nodes) {
            check(k);
        }
        ReadyWait.await(this, timeout, readyPoll, nodes);
    }

    /** Node k's current (or last) process, null if it never started: what {@link ReadyWait} checks first. */
    Process currentProcess(int k) {
        return node(k).current();
    }

    /** GET {@code path} on node k (2 s timeout). */
    public HttpResponse<String> get(int k, String path) throws IOException, InterruptedException {
        return client.get(uri(k, path));
    }

    /** POST a JSON body to {@code path} on node k. */
    public HttpResponse<String> postJson(int k, String path, String json, Duration timeout)
            throws IOException, InterruptedException {
        return client.postJson(uri(k, path), json, timeout);
    }

    /** The status of GET {@code path} on node k, or -1 if it does not answer within 2 s. */
    public int status(int k, String path) {
        return client.status(uri(k, path));
    }

    /** The shared client (connect timeout 1 s, no proxy). */
    public TestClient client() {
        return client;
    }

    /** The shared HTTP client of {@link #client()}. */
    public HttpClient http() {
        return client.http();
    }

    public URI uri(int k, String path) {
        return URI.create("http://" + network.host(k) + ":" + httpPort(k) + (path.startsWith("/") ? path : "/" + path));
    }

    public URI wsUri(int k, String path) {
        return URI.create("ws://" + network.host(k) + ":" + httpPort(k) + (path.startsWith("/") ? path : "/" + path));
    }

    // ---- logs ---------------------------------------------------------------------------------

    /** Prints the last {@code lines} lines of every node's log to stdout (call it when a test failed). */
    public void dumpLogTails(int lines) {
        for (int k = 1; k <= size; k++) {
            System.out.printf("----- [%s] last %d lines of %s (%s) -----%n", label, lines, nodeId(k), logFile(k));
            System.out.println(logTail(k, lines));
        }
        System.out.println("----- [" + label + "] end of node logs -----");
    }

    /** The last {@code lines} lines of node k's log (all of its starts), or a note if there is none. */
    public String logTail(int k, int lines) {
        return LogTail.forMessage(logFile(k), lines);
    }

    // ---- addresses and state ------------------------------------------------------------------

    public int size() {
        return size;
    }

    public Network network() {
        return network;
    }

    /** The loopback base port (a {@link Loopback} network only). */
    public int basePort() {
        if (network instanceof Loopback loopback) {
            return loopback.basePort();
        }
        throw new IllegalStateException("no base port: the nodes run on " + network.getClass().getSimpleName());
    }

    public String nodeId(int k) {
        check(k);
        return "n" + k;
    }

    public int httpPort(int k) {
        check(k);
        return network.httpPort(k);
    }

    public int hazelcastPort(int k) {
        check(k);
        return network.hazelcastPort(k);
    }

    public int eventBusPort(int k) {
        return hazelcastPort(k) + 1000;
    }

    /** {@code n1@<host1>:<hz1>,n2@...}: the PAXCAST_CLUSTER_MEMBERS every node gets. */
    public String clusterMembers() {
        return launch.clusterMembers();
    }

    /** The pid of node k's current (or last) process. */
    public long pid(int k) {
        return process(k).pid();
    }

    public boolean isAlive(int k) {
        return node(k).isAlive();
    }

    public boolean isPaused(int k) {
        return node(k).isPaused();
    }

    /** The java binary every node runs. */
    public String java() {
        return launch.java();
    }

    public Path dataDir(int k) {
        return run.dataRoot.resolve(nodeId(k));
    }

    public Path logFile(int k) {
        return run.logDir.resolve(nodeId(k) + ".log");
    }

    public Path logDir() {
        return run.logDir;
    }

    // ---- internals ----------------------------------------------------------------------------

    /** The environment of node k, as bin/paxcast-local sets it (plus the builder's extra entries). */
    Map<String, String> environment(int k) {
        return launch.environment(k, dataDir(k).toString());
    }

    /** Runs a control under the lock that serializes the controls with each other and with {@link #close()}. */
    private void locked(Runnable control) {
        lock.lock();
        try {
            control.run();
        } finally {
            lock.unlock();
        }
    }

    private Process process(int k) {
        return node(k).process();
    }

    private NodeProcess node(int k) {
        check(k);
        return nodes[k - 1];
    }

    private void check(int k) {
        if (k < 1 || k > size) {
            throw new IllegalArgumentException("node number must be in 1.." + size + ", got " + k);
        }
    }

    /** The default events: one line per start, with the node's URL and log. */
    private final class StartPrinter implements NodeEvents {
        @Override
        public void started(int k, long pid, int startNumber) {
            System.out.printf("[%s] %s started: pid %d, %s, log %s%n", label, nodeId(k), pid, uri(k, "/"), logFile(k));
        }
    }
}
