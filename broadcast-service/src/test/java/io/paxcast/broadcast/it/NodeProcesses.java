package io.paxcast.broadcast.it;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * N real node JVMs for multi-process tests, started with the same environment and port scheme as
 * {@code bin/paxcast-local}: node {@code k} (1-based) is {@code nk}, HTTP on {@code base+k} (bound to
 * 127.0.0.1), Hazelcast on {@code base-2380+k}, event bus on Hazelcast's port + 1000 (the node's
 * default). Each node is exactly one OS process whose pid {@link #pid(int)} returns.
 *
 * <p>The command is this JVM's own java binary with this JVM's classpath (minus test classes), so
 * it runs inside surefire without the packaged jar. Data goes to a fresh temporary directory
 * (deleted by {@link #close()} unless {@code -Dpaxcast.it.keepData=true}); each node's stdout and
 * stderr are appended to {@code target/it-logs/<name>-<time>/nk.log}, which stay after the test.
 *
 * <p>Base port: {@code -Dpaxcast.it.basePort} or {@code PAXCAST_IT_BASE_PORT} if set (used as is),
 * else the first of 18080, 18180, ... whose 3N ports are all free.
 *
 * <p>Threading: the control methods are meant for the test's thread; {@link #close()} and the
 * shutdown hook may run from any thread. {@link #close()} SIGKILLs every process this instance ever
 * started, by pid, and is idempotent; a JVM shutdown hook does the same if the test JVM exits
 * without closing (it cannot help against a SIGKILL of the test JVM itself).
 */
public final class NodeProcesses implements AutoCloseable {
    /** The node's entry point, as run by bin/paxcast-local. */
    public static final String MAIN_CLASS = "io.paxcast.broadcast.Main";

    /** Hazelcast's module flags (without them it warns of a "modular environment" and reaches into JDK internals by reflection), plus the launcher's small-footprint choices. */
    public static final List<String> JVM_FLAGS = List.of(
            "--add-modules", "java.se",
            "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED",
            "--add-opens", "java.base/java.lang=ALL-UNNAMED",
            "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens", "java.management/sun.management=ALL-UNNAMED",
            "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED",
            "-XX:+UseSerialGC",
            "-XX:+ExitOnOutOfMemoryError",
            "-Djava.net.preferIPv4Stack=true");

    private static final int DEFAULT_BASE = 18080;
    private static final int SIGKILL_EXIT = 128 + 9;
    private static final Duration EXIT_WAIT = Duration.ofSeconds(15);

    private final int size;
    private final int basePort;
    private final String mainClass;
    private final String heap;
    private final Map<String, String> extraEnv;
    private final boolean keepData;
    private final Path dataRoot;
    private final Path logDir;
    private final Process[] current;
    private final boolean[] paused;
    private final int[] starts;
    private final List<Process> everStarted = new CopyOnWriteArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    private final Thread shutdownHook;
    private volatile boolean closed;

    private NodeProcesses(Builder b) throws IOException {
        if (b.nodes < 1 || b.nodes > 99) {
            throw new IllegalArgumentException("nodes must be in 1..99, got " + b.nodes);
        }
        this.size = b.nodes;
        this.mainClass = b.mainClass;
        this.heap = b.heap;
        this.extraEnv = Map.copyOf(b.env);
        this.keepData = b.keepData;
        this.basePort = b.basePort != null ? checkedBase(b.basePort, b.nodes) : freeBase(b.nodes);
        this.dataRoot = Files.createTempDirectory("paxcast-it-");
        String stamp = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS").format(LocalDateTime.now());
        Path moduleDir = Path.of(System.getProperty("basedir", System.getProperty("user.dir")));
        this.logDir = moduleDir.resolve("target").resolve("it-logs").resolve(b.name + "-" + stamp);
        Files.createDirectories(logDir);
        this.current = new Process[size];
        this.paused = new boolean[size];
        this.starts = new int[size];
        this.shutdownHook = new Thread(this::killEverything, "node-processes-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    public static Builder builder() {
        return new Builder();
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

    /** Starts node k (which must not be running) with its existing data directory. */
    public void start(int k) {
        check(k);
        if (closed) {
            throw new IllegalStateException("closed");
        }
        if (isAlive(k)) {
            throw new IllegalStateException(nodeId(k) + " is already running as pid " + pid(k));
        }
        try {
            Files.createDirectories(dataDir(k));
            starts[k - 1]++;
            Files.writeString(logFile(k), "=== NodeProcesses: starting " + nodeId(k) + " (start #" + starts[k - 1]
                            + ") at " + Instant.now() + "\n",
                    StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            ProcessBuilder pb = new ProcessBuilder(command(k))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile(k).toFile()));
            Map<String, String> env = pb.environment();
            env.keySet().removeIf(name -> name.startsWith("PAXCAST_"));
            env.putAll(environment(k));
            Process p = pb.start();
            everStarted.add(p);
            // stdin is a pipe nobody writes to; close it so the node reads EOF, not the test's stdin.
            p.getOutputStream().close();
            current[k - 1] = p;
            paused[k - 1] = false;
            System.out.printf("[NodeProcesses] %s started: pid %d, http://127.0.0.1:%d/, log %s%n",
                    nodeId(k), p.pid(), httpPort(k), logFile(k));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + nodeId(k), e);
        }
    }

    /**
     * SIGKILLs node k and waits until the process is gone. {@link Process#destroyForcibly()} is
     * SIGKILL on Linux; this is checked through the exit status (128 + 9).
     */
    public void kill(int k) {
        Process p = process(k);
        boolean wasAlive = p.isAlive();
        p.destroyForcibly();
        int exit = awaitExit(k, p);
        paused[k - 1] = false;
        if (wasAlive && exit != SIGKILL_EXIT) {
            throw new IllegalStateException(nodeId(k) + " exited with " + exit + " after destroyForcibly, not "
                    + SIGKILL_EXIT + " (SIGKILL)");
        }
    }

    /** SIGTERMs node k (its shutdown hooks run), SIGKILLs it if still alive after 15 s. */
    public void stop(int k) {
        Process p = process(k);
        if (paused[k - 1]) {
            resume(k);
        }
        p.destroy();
        try {
            if (!p.waitFor(EXIT_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                System.out.printf("[NodeProcesses] %s ignored SIGTERM for %s; SIGKILL%n", nodeId(k), EXIT_WAIT);
                p.destroyForcibly();
                awaitExit(k, p);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while stopping " + nodeId(k), e);
        }
    }

    /** SIGKILLs node k if it runs, then starts it again on its existing data. */
    public void restart(int k) {
        if (isAlive(k)) {
            kill(k);
        }
        start(k);
    }

    /** SIGSTOPs node k: its sockets stay open but it answers nothing until {@link #resume(int)}. */
    public void pause(int k) {
        signal(k, "STOP");
        paused[k - 1] = true;
        // the signal is delivered asynchronously: return once the kernel shows the process stopped
        long pid = pid(k);
        awaitState(pid, true);
    }

    /** SIGCONTs node k after {@link #pause(int)}; returns once the process runs again. */
    public void resume(int k) {
        signal(k, "CONT");
        paused[k - 1] = false;
        long pid = pid(k);
        awaitState(pid, false);
    }

    /** Polls /proc (every millisecond, 10 s at most) until {@code pid} is stopped, or no longer stopped. */
    private static void awaitState(long pid, boolean stopped) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while ("T".equals(processState(pid)) != stopped) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("process " + pid + (stopped ? " never stopped" : " never resumed")
                        + " (state " + processState(pid) + ")");
            }
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
        }
    }

    /** The state letter of {@code pid} in /proc (R, S, T, ...; "" once it is gone). */
    public static String processState(long pid) {
        try {
            // /proc/<pid>/stat: "pid (comm) S ..."; comm may contain spaces, so read after the last ')'
            String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
            return stat.substring(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
        } catch (IOException gone) {
            return "";
        }
    }

    /** SIGKILLs every process this instance started, deletes the data (unless kept); idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        killEverything();
        for (Process p : everStarted) {
            try {
                p.onExit().get(EXIT_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                System.out.printf("[NodeProcesses] pid %d still alive after SIGKILL: %s%n", p.pid(), e);
            }
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook is running or about to: nothing to undo
        }
        if (keepData) {
            System.out.println("[NodeProcesses] data kept in " + dataRoot);
        } else {
            deleteTree(dataRoot);
        }
        System.out.println("[NodeProcesses] logs in " + logDir);
    }

    private void killEverything() {
        for (Process p : everStarted) {
            // a node starts no children, but if one ever did it must not outlive the test either
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }

    // ---- readiness and HTTP -------------------------------------------------------------------

    /** Waits until /ready answers 200 on every node that is running and not paused. */
    public void awaitReady(Duration timeout) {
        int[] up = IntStream.rangeClosed(1, size).filter(k -> isAlive(k) && !paused[k - 1]).toArray();
        if (up.length == 0) {
            throw new IllegalStateException("no node is running");
        }
        awaitReady(timeout, up);
    }

    /**
     * Waits until /ready answers 200 on each listed node. Fails at once, with the end of its log,
     * if one of them is not running (it exited or was killed); on timeout the AssertionError holds
     * the end of the logs of the nodes that were not ready.
     */
    public void awaitReady(Duration timeout, int... nodes) {
        for (int k : nodes) {
            check(k);
        }
        String names = IntStream.of(nodes).mapToObj(this::nodeId).collect(Collectors.joining(","));
        Set<Integer> notReady = new ConcurrentSkipListSet<>();
        try {
            Awaitility.await("/ready of " + names)
                    .atMost(timeout)
                    .pollDelay(Duration.ZERO)
                    .pollInterval(Duration.ofMillis(250))
                    .untilAsserted(() -> {
                        Map<String, String> states = new LinkedHashMap<>();
                        for (int k : nodes) {
                            Process p = current[k - 1];
                            if (p == null || !p.isAlive()) {
                                throw new IllegalStateException(nodeId(k) + " is not running"
                                        + (p == null ? "" : " (exit " + p.exitValue() + ")") + "; end of "
                                        + logFile(k) + ":\n" + logTail(k, 40));
                            }
                            int code = status(k, "/ready");
                            if (code == 200) {
                                notReady.remove(k);
                            } else {
                                notReady.add(k);
                            }
                            states.put(nodeId(k), code == 200 ? "ready" : code < 0 ? "no answer" : String.valueOf(code));
                        }
                        if (!notReady.isEmpty()) {
                            throw new AssertionError("not every node is ready: " + states);
                        }
                    });
        } catch (ConditionTimeoutException e) {
            // carry the logs in the failure itself: a TestWatcher never sees a failing @BeforeAll
            StringBuilder message = new StringBuilder(String.valueOf(e.getMessage()));
            for (int k : notReady) {
                message.append("\n----- end of ").append(logFile(k)).append(" -----\n").append(logTail(k, 30));
            }
            throw new AssertionError(message.toString(), e);
        }
    }

    /** GET {@code path} on node k (2 s timeout). */
    public HttpResponse<String> get(int k, String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(uri(k, path)).timeout(Duration.ofSeconds(2)).GET().build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** The status of GET {@code path} on node k, or -1 if it does not answer within 2 s. */
    public int status(int k, String path) {
        try {
            return get(k, path).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** The shared HTTP client (connect timeout 1 s). */
    public HttpClient http() {
        return http;
    }

    public URI uri(int k, String path) {
        return URI.create("http://127.0.0.1:" + httpPort(k) + (path.startsWith("/") ? path : "/" + path));
    }

    // ---- logs ---------------------------------------------------------------------------------

    /** Prints the last {@code lines} lines of every node's log to stdout (call it when a test failed). */
    public void dumpLogTails(int lines) {
        for (int k = 1; k <= size; k++) {
            System.out.printf("----- [NodeProcesses] last %d lines of %s (%s) -----%n", lines, nodeId(k), logFile(k));
            System.out.println(logTail(k, lines));
        }
        System.out.println("----- [NodeProcesses] end of node logs -----");
    }

    /** The last {@code lines} lines of node k's log (all of its starts), or a note if there is none. */
    public String logTail(int k, int lines) {
        Path file = logFile(k);
        if (!Files.exists(file)) {
            return "(no log)";
        }
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            long length = raf.length();
            long from = Math.max(0, length - Math.max(64 * 1024L, lines * 400L));
            byte[] bytes = new byte[(int) (length - from)];
            raf.seek(from);
            raf.readFully(bytes);
            List<String> all = new String(bytes, StandardCharsets.UTF_8).lines().collect(Collectors.toList());
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e + ")";
        }
    }

    // ---- addresses and state ------------------------------------------------------------------

    public int size() {
        return size;
    }

    public int basePort() {
        return basePort;
    }

    public String nodeId(int k) {
        check(k);
        return "n" + k;
    }

    public int httpPort(int k) {
        check(k);
        return basePort + k;
    }

    public int hazelcastPort(int k) {
        check(k);
        return basePort - 2380 + k;
    }

    public int eventBusPort(int k) {
        return hazelcastPort(k) + 1000;
    }

    /** {@code n1@127.0.0.1:<hz1>,n2@...}: the PAXCAST_CLUSTER_MEMBERS every node gets. */
    public String clusterMembers() {
        return IntStream.rangeClosed(1, size)
                .mapToObj(k -> nodeId(k) + "@127.0.0.1:" + hazelcastPort(k))
                .collect(Collectors.joining(","));
    }

    /** The pid of node k's current (or last) process. */
    public long pid(int k) {
        return process(k).pid();
    }

    public boolean isAlive(int k) {
        check(k);
        Process p = current[k - 1];
        return p != null && p.isAlive();
    }

    public boolean isPaused(int k) {
        check(k);
        return paused[k - 1];
    }

    public Path dataDir(int k) {
        return dataRoot.resolve(nodeId(k));
    }

    public Path logFile(int k) {
        return logDir.resolve(nodeId(k) + ".log");
    }

    public Path logDir() {
        return logDir;
    }

    // ---- internals ----------------------------------------------------------------------------

    /** The environment of node k, as bin/paxcast-local sets it (plus the builder's extra entries). */
    Map<String, String> environment(int k) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PAXCAST_NODE_ID", nodeId(k));
        env.put("PAXCAST_CLUSTER_MEMBERS", clusterMembers());
        env.put("PAXCAST_HTTP_HOST", "127.0.0.1");
        env.put("PAXCAST_HTTP_PORT", String.valueOf(httpPort(k)));
        env.put("PAXCAST_DATA_DIR", dataDir(k).toString());
        env.putAll(extraEnv);
        return env;
    }

    private List<String> command(int k) {
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.add("-Xmx" + heap);
        cmd.addAll(JVM_FLAGS);
        cmd.add("-Dpaxcast-it.node=" + nodeId(k));
        cmd.add("-cp");
        cmd.add(classpath());
        cmd.add(mainClass);
        return cmd;
    }

    /**
     * This JVM's classpath (surefire sets java.class.path to the test classpath even with its
     * manifest-only booter jar), without test classes when running the real node, so a test
     * logback configuration or test helper never changes the node.
     */
    private String classpath() {
        String sep = System.getProperty("path.separator");
        Stream<String> entries = Stream.of(System.getProperty("java.class.path").split(sep));
        if (mainClass.equals(MAIN_CLASS)) {
            entries = entries.filter(e -> !Path.of(e).endsWith(Path.of("target", "test-classes")));
        }
        return entries.collect(Collectors.joining(sep));
    }

    private void signal(int k, String signal) {
        Process p = process(k);
        if (!p.isAlive()) {
            throw new IllegalStateException(nodeId(k) + " is not running");
        }
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, String.valueOf(p.pid()))
                    .redirectErrorStream(true).start();
            String out = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (kill.waitFor() != 0) {
                throw new IllegalStateException("kill -" + signal + " " + p.pid() + " failed: " + out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private int awaitExit(int k, Process p) {
        try {
            if (!p.waitFor(EXIT_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException(nodeId(k) + " (pid " + p.pid() + ") did not exit within " + EXIT_WAIT);
            }
            return p.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private Process process(int k) {
        check(k);
        Process p = current[k - 1];
        if (p == null) {
            throw new IllegalStateException(nodeId(k) + " was never started");
        }
        return p;
    }

    private void check(int k) {
        if (k < 1 || k > size) {
            throw new IllegalArgumentException("node number must be in 1.." + size + ", got " + k);
        }
    }

    private static int checkedBase(int base, int nodes) {
        List<Integer> busy = ports(base, nodes).stream().filter(p -> !free(p)).toList();
        if (!busy.isEmpty()) {
            throw new IllegalStateException("base port " + base + ": ports " + busy
                    + " are in use (a leftover node? `ps aux | grep io.paxcast`)");
        }
        return base;
    }

    private static int freeBase(int nodes) {
        String fixed = System.getProperty("paxcast.it.basePort", System.getenv("PAXCAST_IT_BASE_PORT"));
        if (fixed != null && !fixed.isBlank()) {
            return checkedBase(Integer.parseInt(fixed.trim()), nodes);
        }
        for (int base = DEFAULT_BASE; base < DEFAULT_BASE + 2000; base += 100) {
            if (ports(base, nodes).stream().allMatch(NodeProcesses::free)) {
                return base;
            }
        }
        throw new IllegalStateException("no free base port in " + DEFAULT_BASE + ".." + (DEFAULT_BASE + 1900));
    }

    private static List<Integer> ports(int base, int nodes) {
        if (base - 2380 + 1 < 1024 || base + nodes > 65535) {
            throw new IllegalArgumentException("base port " + base + " puts node ports outside 1024..65535");
        }
        List<Integer> ports = new ArrayList<>();
        for (int k = 1; k <= nodes; k++) {
            ports.add(base + k);
            ports.add(base - 2380 + k);
            ports.add(base - 2380 + k + 1000);
        }
        return ports;
    }

    private static boolean free(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            System.out.println("[NodeProcesses] cannot delete " + root + ": " + e);
        }
    }

    /** Options; {@link #build()} creates the instance without starting anything. */
    public static final class Builder {
        private int nodes = 3;
        private Integer basePort;
        private String name = "cluster";
        private String heap = "384m";
        private String mainClass = MAIN_CLASS;
        private boolean keepData = Boolean.getBoolean("paxcast.it.keepData");
        private final Map<String, String> env = new LinkedHashMap<>();

        private Builder() {
        }

        public Builder nodes(int nodes) {
            this.nodes = nodes;
            return this;
        }

        /** A fixed base port (default: -Dpaxcast.it.basePort, PAXCAST_IT_BASE_PORT or the first free of 18080, 18180, ...). */
        public Builder basePort(int basePort) {
            this.basePort = basePort;
            return this;
        }

        /** Names the log directory target/it-logs/&lt;name&gt;-&lt;time&gt;/ (use the test's name). */
        public Builder name(String name) {
            this.name = name.replaceAll("[^A-Za-z0-9._-]", "_");
            return this;
        }

        /** -Xmx of each node (default 384m). */
        public Builder heap(String heap) {
            this.heap = heap;
            return this;
        }

        /** An extra environment entry for every node, e.g. {@code PAXCAST_PAXOS_TICKMILLIS}. */
        public Builder env(String key, String value) {
            env.put(key, value);
            return this;
        }

        public Builder keepData(boolean keepData) {
            this.keepData = keepData;
            return this;
        }

        /** Another main class, for the harness's own test; the node itself is {@link #MAIN_CLASS}. */
        Builder mainClass(String mainClass) {
            this.mainClass = mainClass;
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
}
