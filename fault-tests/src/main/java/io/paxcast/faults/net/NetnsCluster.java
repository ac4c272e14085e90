package io.paxcast.faults.net;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * N real Paxcast node processes, each in its own Linux network namespace, so that partitions cut
 * real packets between real processes.
 *
 * <h2>Topology</h2>
 * A Linux bridge {@code pxbr<run>} in the root namespace carries address {@code <subnet>.254/24};
 * node {@code k} (1-based) runs in namespace {@code px<run>n<k>} behind a veth pair (host end
 * {@code pxv<run>n<k>} on the bridge, namespace end {@code eth0} with {@code <subnet>.k/24}, plus
 * {@code lo} up). {@code <run>} is 4 random hex digits per instance; the subnet is {@code 10.213.77}
 * unless {@link Builder#subnet}, {@code -Dpaxcast.netns.subnet} or {@code PAXCAST_NETNS_SUBNET} names
 * another, and an automatically chosen subnet skips any /24 already present on the machine (so two
 * instances can run at the same time). The namespaces have no default route: nodes reach each other
 * and the host's bridge address, nothing else. The test JVM (root namespace) reaches node {@code k}
 * at {@code http://<subnet>.k:8080/}.
 *
 * <h2>Nodes</h2>
 * Node {@code k} is started as {@code ip netns exec <ns> <java> <flags> -cp <classpath>
 * io.paxcast.broadcast.Main} with {@code PAXCAST_NODE_ID=n<k>},
 * {@code PAXCAST_CLUSTER_MEMBERS=n1@<subnet>.1:5701,...}, {@code PAXCAST_CLUSTER_HOST=<subnet>.k},
 * {@code PAXCAST_HTTP_HOST=0.0.0.0}, {@code PAXCAST_HTTP_PORT=8080},
 * {@code PAXCAST_DATA_DIR=<tmp>/n<k>} plus the builder's extra environment (inherited
 * {@code PAXCAST_*} variables are removed). {@code ip netns exec} execs the command, so the
 * {@link Process} is the node JVM itself: {@link #start(int)} checks that {@code /proc/<pid>/exe} is
 * the java binary and that {@code /proc/<pid>/ns/net} is the node's namespace, and {@link #kill(int)}
 * checks the exit status is 137 (SIGKILL). Output goes to {@code target/fault-logs/<run>/n<k>.log}
 * (kept after {@link #close()}), data to a temporary directory (deleted by {@link #close()} unless
 * kept). The classpath is this JVM's {@code java.class.path} without {@code target/test-classes}, or
 * {@link Builder#classpath}; its mutable entries (directories, {@code -SNAPSHOT} jars) are first
 * copied into the run's temporary directory, so an {@code mvn install} running elsewhere cannot
 * replace classes under running nodes ({@link Builder#snapshotClasspath}).
 *
 * <h2>Faults ("nemesis")</h2>
 * Link faults are iptables rules in a dedicated chain {@value #CHAIN} of each namespace, jumped to
 * first from {@code INPUT}: a cut link {@code from -> to} is {@code -A PAXCAST -s <from's address> -j
 * DROP} in {@code to}'s namespace. Each namespace's chain is replaced atomically
 * ({@code iptables-restore --noflush}) and every control returns only after the rules are installed.
 * Link controls add to the cuts already in place ({@link #cuts()}); {@link #heal()} removes all of
 * them. Only node-to-node traffic is cut: the host ({@code <subnet>.254}) always reaches every node, so
 * a test can still ask an isolated node for /ready or make it publish. Every control prints one line
 * such as {@code [nemesis] t=12.345 partition {1} | {2,3}} (t in seconds since this instance was
 * built), also appended to {@code nemesis.log} in the log directory and kept in {@link #events()}.
 *
 * <p>Measured with the node's Hazelcast settings (heartbeat 1 s, member gone after 5 s without one,
 * default merge delays): a link cut for more than about 3 s (5 s heartbeat timeout, minus the TCP
 * retransmission backoff that delays traffic after the heal) splits the Hazelcast cluster, and the
 * sub-clusters merge only after Hazelcast's first merge run (300 s by default), so the event bus
 * between them stays dead that long after {@link #heal()}. Cuts of about 2 s heal within 1.5 s.
 *
 * <h2>Cleanup</h2>
 * {@link #close()} SIGKILLs every process this instance started (paused ones included: SIGKILL also
 * ends a stopped process), kills anything else still running in its namespaces, deletes the
 * namespaces, veths and bridge and the temporary data; it is idempotent. A JVM shutdown hook does the
 * same if the JVM exits without closing. Against a SIGKILLed test JVM, every instance records itself in
 * {@code /run/paxcast-netns/<run>.run} with its owner's pid and start time; building a new instance
 * first removes the leftovers of any run whose owner is gone ({@link #cleanupLeftovers()}).
 *
 * <h2>Requirements</h2>
 * Linux, root (CAP_NET_ADMIN and CAP_SYS_ADMIN), {@code ip} (Debian package {@code iproute2}) with
 * working {@code ip netns}, {@code iptables} and {@code iptables-restore} (package {@code iptables}),
 * {@code kill} (package {@code procps}). {@link #unavailableReason()} says why this machine cannot run
 * it; the builder fails with the same message.
 *
 * <p>Threading: controls are meant for one driving thread; they are serialized with each other and
 * with {@link #close()}, which (like the shutdown hook) may run from any thread.
 */
public final class NetnsCluster implements AutoCloseable {
    /** The node's entry point. */
    public static final String MAIN_CLASS = "io.paxcast.broadcast.Main";
    /** Every node's HTTP port (API, WebSocket, static pages), on every address of its namespace. */
    public static final int HTTP_PORT = 8080;
    /** Every node's Hazelcast port (each node has a namespace of its own, so all use the same). */
    public static final int HAZELCAST_PORT = 5701;
    /** The iptables chain holding the link faults in every namespace. */
    public static final String CHAIN = "PAXCAST";
    /** The default subnet (first three octets); node k is .k, the host end of the bridge .254. */
    public static final String DEFAULT_SUBNET = "10.213.77";

    /** As NodeProcesses/bin/paxcast-local: Hazelcast's module flags (without them it warns of a "modular environment" and reaches into JDK internals by reflection) and a small footprint. */
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

    private static final Path STATE_DIR = Path.of("/run/paxcast-netns");
    private static final ReentrantLock SETUP_LOCK = new ReentrantLock();
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int SIGKILL_EXIT = 128 + 9;
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration EXIT_WAIT = Duration.ofSeconds(15);
    private static final Duration EXEC_CHECK = Duration.ofSeconds(10);
    private static final int FIRST_AUTO_OCTET = 77;
    private static final int AUTO_OCTETS = 50;

    private final int size;
    private final String runId;
    private final String subnet;
    private final String bridge;
    private final Tools tools;
    private final String java;
    private final String classpath;
    private final String heap;
    private final List<String> jvmArgs;
    private final Map<String, String> extraEnv;
    private final boolean keepData;
    private final Path dataRoot;
    private final Path logDir;
    private final Path marker;
    private final long createdNanos = System.nanoTime();
    private final Process[] current;
    private final boolean[] paused;
    private final int[] starts;
    private final List<Process> everStarted = new CopyOnWriteArrayList<>();
    private final List<Event> events = new CopyOnWriteArrayList<>();
    private final Set<Link> cuts = new LinkedHashSet<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final AtomicBoolean tornDown = new AtomicBoolean();
    private final HttpClient http = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(1))
            .proxy(HttpClient.Builder.NO_PROXY)
            .build();
    private final Thread shutdownHook;
    private boolean forwardRuleAdded;
    private volatile boolean closed;

    /** A directed link fault: packets from node {@code from} no longer reach node {@code to}. */
    public record Link(int from, int to) {
        @Override
        public String toString() {
            return from + "->" + to;
        }
    }

    /** One control, as logged: {@code t} in seconds since the instance was built. */
    public record Event(Instant at, double t, String what) {
    }

    /** The outcome of a command run by {@link #exec(int, Duration, String...)}. */
    public record CommandResult(List<String> command, int exitCode, String output) {
        public boolean ok() {
            return exitCode == 0;
        }
    }

    @SuppressWarnings("try") // the FileLock is held for the try block, never referenced
    private NetnsCluster(Builder b) {
        if (b.nodes < 1 || b.nodes > 99) {
            throw new IllegalArgumentException("nodes must be in 1..99, got " + b.nodes);
        }
        this.tools = Tools.require();
        this.size = b.nodes;
        this.java = b.java != null ? b.java : defaultJava();
        String requestedClasspath = b.classpath != null ? b.classpath : defaultClasspath();
        this.heap = b.heap;
        this.jvmArgs = List.copyOf(b.jvmArgs);
        this.extraEnv = Collections.unmodifiableMap(new LinkedHashMap<>(b.env));
        this.keepData = b.keepData;
        this.current = new Process[size];
        this.paused = new boolean[size];
        this.starts = new int[size];

        try {
            this.dataRoot = Files.createTempDirectory("paxcast-netns-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary data directory", e);
        }
        try {
            this.classpath = b.snapshotClasspath
                    ? snapshotClasspath(requestedClasspath, dataRoot.resolve("classpath"))
                    : requestedClasspath;
        } catch (IOException | RuntimeException e) {
            deleteTree(dataRoot);
            throw new IllegalStateException("cannot snapshot the node classpath into " + dataRoot, e);
        }
        String stamp = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").format(LocalDateTime.now());
        // Names, subnet and the bridge (with its address) are chosen and created under a machine-wide
        // lock, so concurrent instances (in other JVMs too) never pick the same ones.
        SETUP_LOCK.lock();
        try (FileChannel lockFile = openLockFile(); FileLock ignored = lockFile.lock()) {
            cleanupLeftovers();
            this.runId = freeRunId();
            this.subnet = chooseSubnet(b.subnet);
            this.bridge = "pxbr" + runId;
            this.marker = STATE_DIR.resolve(runId + ".run");
            this.logDir = b.logRoot.resolve(b.name + "-" + stamp + "-" + runId);
            this.shutdownHook = new Thread(this::teardown, "netns-cluster-shutdown-" + runId);
            writeMarker();
            Runtime.getRuntime().addShutdownHook(shutdownHook);
            try {
                Files.createDirectories(logDir);
                createBridge();
            } catch (IOException e) {
                teardown();
                removeHook();
                throw new UncheckedIOException("cannot create " + logDir, e);
            } catch (RuntimeException | Error e) {
                teardown();
                removeHook();
                throw e;
            }
        } catch (IOException e) {
            deleteTree(dataRoot);
            throw new UncheckedIOException("cannot lock " + STATE_DIR.resolve(".lock"), e);
        } catch (RuntimeException | Error e) {
            if (!tornDown.get()) {
                deleteTree(dataRoot); // failed before anything of the network existed
            }
            throw e;
        } finally {
            SETUP_LOCK.unlock();
        }
        try {
            for (int k = 1; k <= size; k++) {
                createNamespace(k);
            }
            addForwardRuleIfNeeded();
        } catch (RuntimeException | Error e) {
            teardown();
            removeHook();
            throw e;
        }
        log(String.format("[NetnsCluster] run %s: %d namespaces %s on bridge %s (%s.254/24) in %d ms, logs in %s",
                runId, size, namespaces(), bridge, subnet, (System.nanoTime() - createdNanos) / 1_000_000, logDir));
    }

    public static Builder builder() {
        return new Builder();
    }

    // ---- availability -------------------------------------------------------------------------

    /**
     * Why this machine cannot run a NetnsCluster (not Linux, not root, no {@code ip}, or
     * {@code ip netns add} fails: probed by adding and deleting a namespace), or empty if it can.
     * A missing iptables is not a reason here: {@link Builder#build()} fails on it, so a machine that
     * has network namespaces but lacks iptables fails loudly instead of skipping.
     */
    public static Optional<String> unavailableReason() {
        if (!System.getProperty("os.name", "").toLowerCase().contains("linux")) {
            return Optional.of("NetnsCluster needs Linux network namespaces (os.name=" + System.getProperty("os.name") + ")");
        }
        long uid = effectiveUid();
        if (uid != 0) {
            return Optional.of("NetnsCluster needs root for ip netns and iptables (effective uid " + uid + ")");
        }
        Optional<Path> ip = findTool("ip");
        if (ip.isEmpty()) {
            return Optional.of("NetnsCluster needs `ip` (Debian package iproute2), not found on PATH or in /usr/sbin, /sbin");
        }
        String probe = "pxprobe" + hex(4);
        CommandResult add = runCommand(List.of(ip.get().toString(), "netns", "add", probe), COMMAND_TIMEOUT);
        if (!add.ok()) {
            return Optional.of("ip netns is unavailable here: `ip netns add " + probe + "` failed: " + add.output().strip());
        }
        CommandResult del = runCommand(List.of(ip.get().toString(), "netns", "del", probe), COMMAND_TIMEOUT);
        if (!del.ok()) {
            return Optional.of("ip netns is unavailable here: `ip netns del " + probe + "` failed: " + del.output().strip());
        }
        return Optional.empty();
    }

    /**
     * Removes what dead runs left behind: for every {@code /run/paxcast-netns/<run>.run} whose owner
     * process is gone (a SIGKILLed test JVM), SIGKILLs the processes in its namespaces and deletes
     * its namespaces, veths, bridge, forward rule and data. Runs of live JVMs are never touched.
     * Called by every build; public for command-line runners. Returns the runs removed.
     */
    public static List<String> cleanupLeftovers() {
        List<String> removed = new ArrayList<>();
        if (!Files.isDirectory(STATE_DIR)) {
            return removed;
        }
        Optional<Path> ipTool = findTool("ip");
        if (ipTool.isEmpty()) {
            return removed;
        }
        String ip = ipTool.get().toString();
        List<Path> markers;
        try (Stream<Path> files = Files.list(STATE_DIR)) {
            markers = files.filter(p -> p.getFileName().toString().endsWith(".run")).toList();
        } catch (IOException e) {
            return removed;
        }
        for (Path m : markers) {
            Properties props = new Properties();
            try (var in = Files.newInputStream(m)) {
                props.load(in);
            } catch (IOException e) {
                continue;
            }
            long ownerPid = Long.parseLong(props.getProperty("ownerPid", "-1"));
            String ownerStart = props.getProperty("ownerStart", "");
            boolean ownerAlive = ProcessHandle.of(ownerPid)
                    .filter(ProcessHandle::isAlive)
                    .map(h -> h.info().startInstant().map(Instant::toString).orElse("").equals(ownerStart))
                    .orElse(false);
            if (ownerAlive) {
                continue;
            }
            String run = m.getFileName().toString().replace(".run", "");
            List<String> namespaces = splitList(props.getProperty("namespaces", ""));
            List<String> veths = splitList(props.getProperty("veths", ""));
            String bridgeName = props.getProperty("bridge", "");
            for (String ns : namespaces) {
                killNamespacePids(ip, ns);
            }
            for (String veth : veths) {
                if (linkExists(ip, veth)) {
                    runCommand(List.of(ip, "link", "del", veth), COMMAND_TIMEOUT);
                }
            }
            for (String ns : namespaces) {
                runCommand(List.of(ip, "netns", "del", ns), COMMAND_TIMEOUT);
            }
            if (!bridgeName.isEmpty() && linkExists(ip, bridgeName)) {
                runCommand(List.of(ip, "link", "del", bridgeName), COMMAND_TIMEOUT);
            }
            if (Boolean.parseBoolean(props.getProperty("forwardRule", "false"))) {
                findTool("iptables").ifPresent(ipt -> runCommand(forwardRule(ipt.toString(), "-D", bridgeName), COMMAND_TIMEOUT));
            }
            String data = props.getProperty("dataRoot", "");
            if (!data.isEmpty() && !Boolean.parseBoolean(props.getProperty("keepData", "false"))) {
                deleteTree(Path.of(data));
            }
            try {
                Files.deleteIfExists(m);
            } catch (IOException ignored) {
                // best effort
            }
            System.out.printf("[NetnsCluster] removed leftovers of run %s (owner pid %d is gone): %s, %s%n",
                    run, ownerPid, namespaces, bridgeName);
            removed.add(run);
        }
        return removed;
    }

    // ---- node lifecycle -----------------------------------------------------------------------

    /** Starts every node that is not running; returns without waiting for /ready. */
    public NetnsCluster startAll() {
        for (int k = 1; k <= size; k++) {
            if (!isAlive(k)) {
                start(k);
            }
        }
        return this;
    }

    /**
     * Starts node k (which must not be running) in its namespace with its existing data directory,
     * and returns once {@code ip netns exec} has exec'd the JVM inside the namespace.
     */
    public void start(int k) {
        check(k);
        lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("closed");
            }
            if (isAlive(k)) {
                throw new IllegalStateException(nodeId(k) + " is already running as pid " + pid(k));
            }
            Files.createDirectories(dataDir(k));
            starts[k - 1]++;
            Files.writeString(logFile(k), "=== NetnsCluster: starting " + nodeId(k) + " (start #" + starts[k - 1]
                            + ") in " + namespace(k) + " at " + Instant.now() + "\n",
                    StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            ProcessBuilder pb = new ProcessBuilder(command(k))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile(k).toFile()));
            Map<String, String> env = pb.environment();
            env.keySet().removeIf(name -> name.startsWith("PAXCAST_"));
            env.putAll(environment(k));
            Process p = pb.start();
            everStarted.add(p);
            p.getOutputStream().close();
            current[k - 1] = p;
            paused[k - 1] = false;
            verifyExec(k, p);
            nemesis((starts[k - 1] == 1 ? "start " : "restart ") + nodeId(k) + " pid " + p.pid());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + nodeId(k), e);
        } finally {
            lock.unlock();
        }
    }

    /** SIGKILLs node k (also when paused) and waits until the process is gone; checks exit 137. */
    public void kill(int k) {
        lock.lock();
        try {
            Process p = process(k);
            if (!p.isAlive()) {
                nemesis("kill " + nodeId(k) + ": not running (exit " + p.exitValue() + ")");
                return;
            }
            p.destroyForcibly(); // SIGKILL on Linux
            int exit = awaitExit(k, p);
            paused[k - 1] = false;
            if (exit != SIGKILL_EXIT) {
                throw new IllegalStateException(nodeId(k) + " exited with " + exit + " after SIGKILL, not " + SIGKILL_EXIT);
            }
            nemesis("kill " + nodeId(k) + " pid " + p.pid());
        } finally {
            lock.unlock();
        }
    }

    /** SIGSTOPs node k ({@code kill -STOP <pid>}): its sockets stay open, it answers nothing. */
    public void pause(int k) {
        lock.lock();
        try {
            signal(k, "STOP");
            paused[k - 1] = true;
            nemesis("pause " + nodeId(k) + " pid " + pid(k));
        } finally {
            lock.unlock();
        }
    }

    /** SIGCONTs node k after {@link #pause(int)}. */
    public void resume(int k) {
        lock.lock();
        try {
            signal(k, "CONT");
            paused[k - 1] = false;
            nemesis("resume " + nodeId(k) + " pid " + pid(k));
        } finally {
            lock.unlock();
        }
    }

    /** SIGKILLs node k if it runs, then starts it again on its existing data (no wait for /ready). */
    public void restart(int k) {
        lock.lock();
        try {
            if (isAlive(k)) {
                kill(k);
            }
            start(k);
        } finally {
            lock.unlock();
        }
    }

    // ---- link faults --------------------------------------------------------------------------

    /** Cuts node k from every other node, both ways (the host still reaches it). */
    public void isolate(int k) {
        check(k);
        Set<Link> add = new LinkedHashSet<>();
        for (int j = 1; j <= size; j++) {
            if (j != k) {
                add.add(new Link(k, j));
                add.add(new Link(j, k));
            }
        }
        addCuts(add, "isolate " + k + " | " + setText(others(Set.of(k))));
    }

    /** Cuts every link between {@code sideA} and the other nodes, both ways. */
    public void partition(Set<Integer> sideA) {
        Set<Integer> a = new TreeSet<>(sideA);
        a.forEach(this::check);
        Set<Integer> b = others(a);
        if (a.isEmpty() || b.isEmpty()) {
            throw new IllegalArgumentException("a partition needs nodes on both sides, got " + setText(a) + " | " + setText(b));
        }
        Set<Link> add = new LinkedHashSet<>();
        for (int x : a) {
            for (int y : b) {
                add.add(new Link(x, y));
                add.add(new Link(y, x));
            }
        }
        addCuts(add, "partition " + setText(a) + " | " + setText(b));
    }

    /**
     * Packets from {@code from} no longer reach {@code to} (dropped in {@code to}'s INPUT by source
     * address); packets from {@code to} still reach {@code from}. What this does to TCP: every
     * segment {@code from} sends to {@code to} is lost, including the SYN-ACKs and ACKs of connections
     * {@code to} opened, so no new connection completes in either direction (connects time out).
     * On a connection established before the cut, bytes {@code to} sends still arrive at {@code from}
     * and are delivered to its application, but their ACKs never come back, so {@code to} retransmits
     * and soon stops sending once its window of unacknowledged bytes is full, and eventually times the
     * connection out (after about 15 minutes with Linux defaults, or earlier by TCP_USER_TIMEOUT or an
     * application heartbeat); bytes {@code from} sends are simply lost (and retransmitted forever
     * until that timeout). So a one-way cut looks to the applications like a mostly-dead link that
     * still lets a trickle through one way, not like a clean one-way channel.
     */
    public void cutOneWay(int from, int to) {
        check(from);
        check(to);
        if (from == to) {
            throw new IllegalArgumentException("cutOneWay needs two different nodes, got " + from);
        }
        addCuts(Set.of(new Link(from, to)), "cut-one-way " + from + " -> " + to);
    }

    /**
     * Cuts the link between {@code a} and {@code b} only, both ways; every other link stays as it
     * is. (Note: Jepsen's "bridge" nemesis is another thing, a partition into two halves that share
     * one node; build that with {@link #bridge(int, int)} on each cross pair but the shared node's.)
     */
    public void bridge(int a, int b) {
        check(a);
        check(b);
        if (a == b) {
            throw new IllegalArgumentException("bridge needs two different nodes, got " + a);
        }
        addCuts(Set.of(new Link(a, b), new Link(b, a)), "bridge " + a + " x " + b + " (cut both ways)");
    }

    /** Removes every link fault (flushes the chain in every namespace). */
    public void heal() {
        lock.lock();
        try {
            ensureOpen();
            cuts.clear();
            for (int k = 1; k <= size; k++) {
                installRules(k, List.of());
            }
            nemesis("heal");
        } finally {
            lock.unlock();
        }
    }

    /** The directed links cut now. */
    public Set<Link> cuts() {
        lock.lock();
        try {
            return Set.copyOf(cuts);
        } finally {
            lock.unlock();
        }
    }

    // ---- queries ------------------------------------------------------------------------------

    public int size() {
        return size;
    }

    /** 4 hex digits naming this instance's bridge, namespaces and veths. */
    public String runId() {
        return runId;
    }

    public String subnet() {
        return subnet;
    }

    public String bridgeName() {
        return bridge;
    }

    public String nodeId(int k) {
        check(k);
        return "n" + k;
    }

    /** Node k's address, {@code <subnet>.k}. */
    public String address(int k) {
        check(k);
        return subnet + "." + k;
    }

    /** The address of the host end (the bridge), {@code <subnet>.254}. */
    public String hostAddress() {
        return subnet + ".254";
    }

    public String namespace(int k) {
        check(k);
        return "px" + runId + "n" + k;
    }

    /** The host end of node k's veth pair (on the bridge). */
    public String hostVeth(int k) {
        check(k);
        return "pxv" + runId + "n" + k;
    }

    public List<String> namespaces() {
        return IntStream.rangeClosed(1, size).mapToObj(this::namespace).toList();
    }

    /** {@code n1@<subnet>.1:5701,...}: the PAXCAST_CLUSTER_MEMBERS every node gets. */
    public String clusterMembers() {
        return IntStream.rangeClosed(1, size)
                .mapToObj(k -> nodeId(k) + "@" + address(k) + ":" + HAZELCAST_PORT)
                .collect(Collectors.joining(","));
    }

    public URI uri(int k, String path) {
        return URI.create("http://" + address(k) + ":" + HTTP_PORT + (path.startsWith("/") ? path : "/" + path));
    }

    public URI wsUri(int k, String path) {
        return URI.create("ws://" + address(k) + ":" + HTTP_PORT + (path.startsWith("/") ? path : "/" + path));
    }

    /** The pid of node k's current (or last) process: the node JVM itself. */
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
        return paused[k - 1] && isAlive(k);
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

    /** Every control so far, in order. */
    public List<Event> events() {
        return List.copyOf(events);
    }

    /** The shared HTTP client (connect timeout 1 s, no proxy). */
    public HttpClient http() {
        return http;
    }

    /** GET {@code path} on node k (2 s timeout). */
    public HttpResponse<String> get(int k, String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri(k, path)).timeout(Duration.ofSeconds(2)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** POST a JSON body to {@code path} on node k. */
    public HttpResponse<String> postJson(int k, String path, String json, Duration timeout)
            throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri(k, path)).timeout(timeout)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
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

    /** Waits until /ready answers 200 on every node that is running and not paused. */
    public void awaitReady(Duration timeout) {
        int[] up = IntStream.rangeClosed(1, size).filter(k -> isAlive(k) && !paused[k - 1]).toArray();
        if (up.length == 0) {
            throw new IllegalStateException("no node is running");
        }
        awaitReady(timeout, up);
    }

    /**
     * Waits until /ready answers 200 on each listed node, polling every 100 ms until the deadline.
     * Fails at once, with the end of its log, if one of them is not running; on timeout the exception
     * holds the last states and the end of the logs of the nodes that were not ready.
     */
    public void awaitReady(Duration timeout, int... nodes) {
        for (int k : nodes) {
            check(k);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, String> states = new LinkedHashMap<>();
        while (true) {
            boolean all = true;
            states.clear();
            for (int k : nodes) {
                Process p = current[k - 1];
                if (p == null || !p.isAlive()) {
                    throw new IllegalStateException(nodeId(k) + " is not running"
                            + (p == null ? "" : " (exit " + p.exitValue() + ")") + "; end of " + logFile(k) + ":\n"
                            + logTail(k, 40));
                }
                int code = status(k, "/ready");
                states.put(nodeId(k), code == 200 ? "ready" : code < 0 ? "no answer" : String.valueOf(code));
                all &= code == 200;
            }
            if (all) {
                return;
            }
            if (System.nanoTime() - deadline >= 0) {
                StringBuilder message = new StringBuilder("not every node is ready after " + timeout + ": " + states);
                for (int k : nodes) {
                    if (!"ready".equals(states.get(nodeId(k)))) {
                        message.append("\n----- end of ").append(logFile(k)).append(" -----\n").append(logTail(k, 30));
                    }
                }
                throw new IllegalStateException(message.toString());
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
            if (Thread.interrupted()) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for /ready");
            }
        }
    }

    /** Runs {@code command} inside node k's namespace ({@code ip netns exec}), e.g. ping or ss. */
    public CommandResult exec(int k, Duration timeout, String... command) {
        List<String> cmd = new ArrayList<>(List.of(tools.ip, "netns", "exec", namespace(k)));
        cmd.addAll(List.of(command));
        return runCommand(cmd, timeout);
    }

    /** The last {@code lines} lines of node k's log (all of its starts). */
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
            List<String> all = new String(bytes, StandardCharsets.UTF_8).lines().toList();
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e + ")";
        }
    }

    /** Prints the last {@code lines} lines of every node's log (call it when a test failed). */
    public void dumpLogTails(int lines) {
        for (int k = 1; k <= size; k++) {
            System.out.printf("----- [NetnsCluster] last %d lines of %s (%s) -----%n", lines, nodeId(k), logFile(k));
            System.out.println(logTail(k, lines));
        }
    }

    // ---- close --------------------------------------------------------------------------------

    /**
     * SIGKILLs every process this instance started (and anything else left in its namespaces),
     * deletes the namespaces, veths, bridge and data (unless kept); idempotent.
     */
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
        removeHook();
    }

    // ---- internals: network -------------------------------------------------------------------

    private void createBridge() {
        run(tools.ip, "link", "add", bridge, "type", "bridge");
        run(tools.ip, "addr", "add", hostAddress() + "/24", "dev", bridge);
        run(tools.ip, "link", "set", bridge, "up");
    }

    private void createNamespace(int k) {
        String ns = namespace(k);
        String veth = hostVeth(k);
        run(tools.ip, "netns", "add", ns);
        run(tools.ip, "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", ns);
        run(tools.ip, "link", "set", veth, "master", bridge, "up");
        run(tools.ip, "-n", ns, "addr", "add", address(k) + "/24", "dev", "eth0");
        run(tools.ip, "-n", ns, "link", "set", "eth0", "up");
        run(tools.ip, "-n", ns, "link", "set", "lo", "up");
        run(tools.ip, "netns", "exec", ns, tools.iptables, "-w", "5", "-N", CHAIN);
        run(tools.ip, "netns", "exec", ns, tools.iptables, "-w", "5", "-I", "INPUT", "1", "-j", CHAIN);
    }

    /**
     * With br_netfilter loaded, bridged frames pass the root namespace's FORWARD chain; where its
     * policy drops (Docker hosts), let this bridge's traffic through (removed again by close).
     */
    private void addForwardRuleIfNeeded() {
        Path sysctl = Path.of("/proc/sys/net/bridge/bridge-nf-call-iptables");
        try {
            if (!Files.exists(sysctl) || !Files.readString(sysctl).strip().equals("1")) {
                return;
            }
        } catch (IOException e) {
            return;
        }
        CommandResult rules = runCommand(List.of(tools.iptables, "-w", "5", "-S", "FORWARD"), COMMAND_TIMEOUT);
        boolean permissive = rules.ok() && rules.output().lines().anyMatch(l -> l.strip().equals("-P FORWARD ACCEPT"))
                && rules.output().lines().noneMatch(l -> l.startsWith("-A FORWARD"));
        if (permissive) {
            return;
        }
        CommandResult add = runCommand(forwardRule(tools.iptables, "-I", bridge), COMMAND_TIMEOUT);
        if (!add.ok()) {
            throw new IllegalStateException("cannot let bridged traffic of " + bridge + " through FORWARD: " + add.output());
        }
        forwardRuleAdded = true;
        writeMarker();
        log("[NetnsCluster] root FORWARD chain is not permissive: inserted an ACCEPT for -i/-o " + bridge);
    }

    private static List<String> forwardRule(String iptables, String op, String bridgeName) {
        return List.of(iptables, "-w", "5", op, "FORWARD", "-i", bridgeName, "-o", bridgeName, "-j", "ACCEPT");
    }

    private void addCuts(Set<Link> add, String description) {
        lock.lock();
        try {
            ensureOpen();
            cuts.addAll(add);
            Set<Integer> touched = add.stream().map(Link::to).collect(Collectors.toCollection(TreeSet::new));
            for (int to : touched) {
                List<String> sources = cuts.stream().filter(l -> l.to() == to).map(l -> l.from())
                        .sorted().map(this::address).toList();
                installRules(to, sources);
            }
            nemesis(description);
        } finally {
            lock.unlock();
        }
    }

    /** Atomically replaces the chain of node k's namespace with one DROP per source address. */
    private void installRules(int k, List<String> dropSources) {
        StringBuilder rules = new StringBuilder("*filter\n:" + CHAIN + " - [0:0]\n");
        for (String source : dropSources) {
            rules.append("-A ").append(CHAIN).append(" -s ").append(source).append("/32 -j DROP\n");
        }
        rules.append("COMMIT\n");
        List<String> cmd = List.of(tools.ip, "netns", "exec", namespace(k), tools.iptablesRestore, "-w", "5", "--noflush");
        CommandResult result = runCommand(cmd, COMMAND_TIMEOUT, rules.toString());
        if (!result.ok()) {
            throw new IllegalStateException("cannot install rules in " + namespace(k) + " (" + String.join(" ", cmd)
                    + ", exit " + result.exitCode() + "): " + result.output() + "\nrules:\n" + rules);
        }
    }

    private void teardown() {
        if (!tornDown.compareAndSet(false, true)) {
            return;
        }
        long started = System.nanoTime();
        for (Process p : everStarted) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly(); // SIGKILL: also ends a SIGSTOPped process
        }
        for (Process p : everStarted) {
            try {
                if (!p.waitFor(EXIT_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                    log("[NetnsCluster] pid " + p.pid() + " still alive " + EXIT_WAIT + " after SIGKILL");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        List<String> problems = new ArrayList<>();
        if (namespacesCreatedAny()) {
            for (int k = 1; k <= size; k++) {
                killNamespacePids(tools.ip, namespace(k));
            }
            // Delete each veth pair from its host end first: that is synchronous, while the kernel
            // destroys a deleted namespace's devices asynchronously (seconds under load).
            for (int k = 1; k <= size; k++) {
                if (linkExists(tools.ip, hostVeth(k))) {
                    CommandResult r = runCommand(List.of(tools.ip, "link", "del", hostVeth(k)), COMMAND_TIMEOUT);
                    if (!r.ok() && linkExists(tools.ip, hostVeth(k))) {
                        problems.add("ip link del " + hostVeth(k) + ": " + r.output().strip());
                    }
                }
            }
            for (int k = 1; k <= size; k++) {
                if (Files.exists(Path.of("/run/netns", namespace(k)))) {
                    CommandResult r = runCommand(List.of(tools.ip, "netns", "del", namespace(k)), COMMAND_TIMEOUT);
                    if (!r.ok()) {
                        problems.add("ip netns del " + namespace(k) + ": " + r.output().strip());
                    }
                }
            }
        }
        if (bridge != null && linkExists(tools.ip, bridge)) {
            CommandResult r = runCommand(List.of(tools.ip, "link", "del", bridge), COMMAND_TIMEOUT);
            if (!r.ok()) {
                problems.add("ip link del " + bridge + ": " + r.output().strip());
            }
        }
        if (forwardRuleAdded) {
            CommandResult r = runCommand(forwardRule(tools.iptables, "-D", bridge), COMMAND_TIMEOUT);
            if (!r.ok()) {
                problems.add("iptables -D FORWARD (bridge " + bridge + "): " + r.output().strip());
            }
        }
        if (keepData) {
            log("[NetnsCluster] data kept in " + dataRoot);
        } else {
            deleteTree(dataRoot);
        }
        if (problems.isEmpty()) {
            try {
                if (marker != null) {
                    Files.deleteIfExists(marker);
                }
            } catch (IOException ignored) {
                // a stale marker is cleaned by the next run
            }
            log("[NetnsCluster] run " + runId + " torn down in " + (System.nanoTime() - started) / 1_000_000
                    + " ms (processes killed; namespaces, veths, bridge removed); logs in " + logDir);
        } else {
            log("[NetnsCluster] run " + runId + " teardown problems (marker " + marker + " kept): " + problems);
        }
    }

    private boolean namespacesCreatedAny() {
        return runId != null;
    }

    private void removeHook() {
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook runs or ran
        }
    }

    private static void killNamespacePids(String ip, String ns) {
        if (!Files.exists(Path.of("/run/netns", ns))) {
            return;
        }
        CommandResult pids = runCommand(List.of(ip, "netns", "pids", ns), COMMAND_TIMEOUT);
        if (!pids.ok()) {
            return;
        }
        List<ProcessHandle> handles = pids.output().lines().map(String::strip).filter(s -> s.matches("\\d+"))
                .map(Long::parseLong).map(ProcessHandle::of).flatMap(Optional::stream).toList();
        for (ProcessHandle h : handles) {
            System.out.printf("[NetnsCluster] SIGKILL pid %d left in %s (%s)%n", h.pid(), ns, h.info().command().orElse("?"));
            h.destroyForcibly();
        }
        for (ProcessHandle h : handles) {
            try {
                h.onExit().get(EXIT_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                System.out.printf("[NetnsCluster] pid %d in %s did not exit: %s%n", h.pid(), ns, e);
            }
        }
    }

    private static boolean linkExists(String ip, String name) {
        return Files.exists(Path.of("/sys/class/net", name))
                || runCommand(List.of(ip, "link", "show", "dev", name), COMMAND_TIMEOUT).ok();
    }

    private String freeRunId() {
        for (int attempt = 0; attempt < 100; attempt++) {
            String id = hex(4);
            boolean taken = Files.exists(STATE_DIR.resolve(id + ".run"))
                    || Files.exists(Path.of("/run/netns", "px" + id + "n1"))
                    || Files.exists(Path.of("/sys/class/net", "pxbr" + id));
            if (!taken) {
                return id;
            }
        }
        throw new IllegalStateException("no free run id after 100 attempts");
    }

    private String chooseSubnet(String requested) {
        String wanted = requested;
        if (wanted == null) {
            wanted = System.getProperty("paxcast.netns.subnet", System.getenv("PAXCAST_NETNS_SUBNET"));
        }
        String inUse = runCommand(List.of(tools.ip, "-o", "-4", "addr", "show"), COMMAND_TIMEOUT).output()
                + runCommand(List.of(tools.ip, "-4", "route", "show"), COMMAND_TIMEOUT).output();
        if (wanted != null && !wanted.isBlank()) {
            String s = wanted.strip();
            if (!s.matches("\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}")) {
                throw new IllegalArgumentException("subnet must be the first three octets, like 10.213.77, got " + s);
            }
            if (usesSubnet(inUse, s)) {
                throw new IllegalStateException("subnet " + s + ".0/24 is already in use on this machine (another"
                        + " NetnsCluster? see `ip -4 addr`); choose another with -Dpaxcast.netns.subnet");
            }
            return s;
        }
        for (int octet = FIRST_AUTO_OCTET; octet < FIRST_AUTO_OCTET + AUTO_OCTETS; octet++) {
            String s = "10.213." + octet;
            if (!usesSubnet(inUse, s)) {
                return s;
            }
        }
        throw new IllegalStateException("no free subnet in 10.213." + FIRST_AUTO_OCTET + "-"
                + (FIRST_AUTO_OCTET + AUTO_OCTETS - 1) + ".0/24");
    }

    private static boolean usesSubnet(String ipOutput, String subnet) {
        return ipOutput.contains(" " + subnet + ".") || ipOutput.lines().anyMatch(l -> l.startsWith(subnet + "."));
    }

    private void writeMarker() {
        Properties props = new Properties();
        ProcessHandle self = ProcessHandle.current();
        props.setProperty("ownerPid", String.valueOf(self.pid()));
        props.setProperty("ownerStart", self.info().startInstant().map(Instant::toString).orElse(""));
        props.setProperty("bridge", bridge);
        props.setProperty("subnet", subnet);
        props.setProperty("namespaces", String.join(",", IntStream.rangeClosed(1, size)
                .mapToObj(k -> "px" + runId + "n" + k).toList()));
        props.setProperty("veths", String.join(",", IntStream.rangeClosed(1, size)
                .mapToObj(k -> "pxv" + runId + "n" + k).toList()));
        props.setProperty("forwardRule", String.valueOf(forwardRuleAdded));
        props.setProperty("dataRoot", dataRoot.toString());
        props.setProperty("keepData", String.valueOf(keepData));
        try {
            Files.createDirectories(STATE_DIR);
            Path tmp = STATE_DIR.resolve(runId + ".tmp");
            try (var out = Files.newOutputStream(tmp)) {
                props.store(out, "NetnsCluster run " + runId);
            }
            Files.move(tmp, marker, StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + marker, e);
        }
    }

    private static FileChannel openLockFile() throws IOException {
        Files.createDirectories(STATE_DIR);
        return FileChannel.open(STATE_DIR.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    }

    // ---- internals: processes -----------------------------------------------------------------

    /** The environment of node k (plus the builder's extra entries). */
    Map<String, String> environment(int k) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PAXCAST_NODE_ID", nodeId(k));
        env.put("PAXCAST_CLUSTER_MEMBERS", clusterMembers());
        env.put("PAXCAST_CLUSTER_HOST", address(k));
        env.put("PAXCAST_HTTP_HOST", "0.0.0.0");
        env.put("PAXCAST_HTTP_PORT", String.valueOf(HTTP_PORT));
        env.put("PAXCAST_DATA_DIR", dataDir(k).toString());
        env.putAll(extraEnv);
        return env;
    }

    private List<String> command(int k) {
        List<String> cmd = new ArrayList<>(List.of(tools.ip, "netns", "exec", namespace(k), java, "-Xmx" + heap));
        cmd.addAll(JVM_FLAGS);
        cmd.addAll(jvmArgs);
        // not -Dpaxcast.*: the node reads those as configuration keys
        cmd.add("-Dpaxcast-netns.run=" + runId);
        cmd.add("-Dpaxcast-netns.node=" + nodeId(k));
        cmd.add("-cp");
        cmd.add(classpath);
        cmd.add(MAIN_CLASS);
        return cmd;
    }

    /**
     * Waits until {@code ip netns exec} has exec'd java (same pid), and checks that the JVM is in
     * node k's network namespace. Fails with the log's end if the process exits first.
     */
    private void verifyExec(int k, Process p) throws IOException {
        Path javaReal = Path.of(java).toRealPath();
        Path exe = Path.of("/proc", String.valueOf(p.pid()), "exe");
        long deadline = System.nanoTime() + EXEC_CHECK.toNanos();
        while (true) {
            if (!p.isAlive()) {
                throw new IllegalStateException(nodeId(k) + " (pid " + p.pid() + ") exited with " + p.exitValue()
                        + " at start; end of " + logFile(k) + ":\n" + logTail(k, 30));
            }
            Path target = null;
            try {
                target = Files.readSymbolicLink(exe);
            } catch (IOException racing) {
                // the process is exec'ing or exiting: look again
            }
            if (target != null && target.equals(javaReal)) {
                break;
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new IllegalStateException(nodeId(k) + ": pid " + p.pid() + " runs " + target + ", not " + javaReal
                        + " after " + EXEC_CHECK + " (did `ip netns exec` fork instead of exec?)");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
        }
        String procNs = Files.readSymbolicLink(Path.of("/proc", String.valueOf(p.pid()), "ns", "net")).toString();
        Object inode = Files.getAttribute(Path.of("/run/netns", namespace(k)), "unix:ino");
        if (!procNs.equals("net:[" + inode + "]")) {
            throw new IllegalStateException(nodeId(k) + ": pid " + p.pid() + " is in network namespace " + procNs
                    + ", not " + namespace(k) + " (net:[" + inode + "])");
        }
    }

    private void signal(int k, String signal) {
        Process p = process(k);
        if (!p.isAlive()) {
            throw new IllegalStateException(nodeId(k) + " is not running");
        }
        CommandResult r = runCommand(List.of(tools.kill, "-" + signal, String.valueOf(p.pid())), COMMAND_TIMEOUT);
        if (!r.ok()) {
            throw new IllegalStateException("kill -" + signal + " " + p.pid() + " failed: " + r.output());
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

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("closed");
        }
    }

    private Set<Integer> others(Set<Integer> side) {
        Set<Integer> rest = new TreeSet<>();
        for (int k = 1; k <= size; k++) {
            if (!side.contains(k)) {
                rest.add(k);
            }
        }
        return rest;
    }

    private static String setText(Collection<Integer> nodes) {
        return new TreeSet<>(nodes).stream().map(String::valueOf).collect(Collectors.joining(",", "{", "}"));
    }

    private void nemesis(String what) {
        double t = (System.nanoTime() - createdNanos) / 1e9;
        Event e = new Event(Instant.now(), t, what);
        events.add(e);
        String line = String.format("[nemesis] t=%.3f %s", t, what);
        log(line);
    }

    private void log(String line) {
        System.out.println(line);
        if (logDir != null) {
            try {
                Files.writeString(logDir.resolve("nemesis.log"), Instant.now() + " " + line + "\n", StandardCharsets.UTF_8,
                        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            } catch (IOException ignored) {
                // stdout has it
            }
        }
    }

    private void run(String... command) {
        CommandResult r = runCommand(List.of(command), COMMAND_TIMEOUT);
        if (!r.ok()) {
            throw new IllegalStateException("`" + String.join(" ", command) + "` failed (exit " + r.exitCode() + "): "
                    + r.output().strip());
        }
    }

    static CommandResult runCommand(List<String> command, Duration timeout) {
        return runCommand(command, timeout, null);
    }

    static CommandResult runCommand(List<String> command, Duration timeout, String input) {
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
            pb.environment().keySet().removeIf(name -> name.startsWith("PAXCAST_"));
            Process p = pb.start();
            try (var stdin = p.getOutputStream()) {
                if (input != null) {
                    stdin.write(input.getBytes(StandardCharsets.UTF_8));
                }
            }
            // the commands used here print little: a reader thread collects it while we wait
            var output = new StringBuilder();
            Thread reader = startReader(p, output);
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
                reader.join(1000);
                return new CommandResult(command, -1, "timed out after " + timeout + ": " + output);
            }
            reader.join(5000);
            return new CommandResult(command, p.exitValue(), output.toString());
        } catch (IOException e) {
            return new CommandResult(command, -1, "cannot run: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new CommandResult(command, -1, "interrupted");
        }
    }

    private static Thread startReader(Process p, StringBuilder into) {
        Thread t = new Thread(() -> {
            try {
                into.append(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException ignored) {
                // the process was killed
            }
        }, "netns-cluster-cmd-output");
        t.setDaemon(true);
        t.start();
        return t;
    }

    // ---- internals: environment ---------------------------------------------------------------

    /** Absolute paths of the tools, resolved once. */
    private record Tools(String ip, String iptables, String iptablesRestore, String kill) {
        static Tools require() {
            List<String> problems = new ArrayList<>();
            long uid = effectiveUid();
            if (uid != 0) {
                problems.add("not root (effective uid " + uid + "): ip netns, veths and iptables need root");
            }
            Optional<Path> ip = findTool("ip");
            Optional<Path> iptables = findTool("iptables");
            Optional<Path> restore = findTool("iptables-restore");
            Optional<Path> kill = findTool("kill");
            if (ip.isEmpty()) {
                problems.add("`ip` not found (Debian package iproute2)");
            }
            if (iptables.isEmpty() || restore.isEmpty()) {
                problems.add("`iptables`/`iptables-restore` not found (Debian package iptables)");
            }
            if (kill.isEmpty()) {
                problems.add("`kill` not found (Debian package procps)");
            }
            if (!problems.isEmpty()) {
                throw new IllegalStateException("NetnsCluster cannot run here: " + String.join("; ", problems)
                        + ". Needs: root, apt-get install iproute2 iptables procps");
            }
            return new Tools(ip.get().toString(), iptables.get().toString(), restore.get().toString(), kill.get().toString());
        }
    }

    private static Optional<Path> findTool(String name) {
        Set<String> dirs = new LinkedHashSet<>();
        String path = System.getenv("PATH");
        if (path != null) {
            dirs.addAll(List.of(path.split(":")));
        }
        dirs.addAll(List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin"));
        for (String dir : dirs) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    private static long effectiveUid() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return Long.parseLong(line.substring(4).trim().split("\\s+")[1]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        return "root".equals(System.getProperty("user.name")) ? 0 : -1;
    }

    private static String defaultJava() {
        return ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    /**
     * This JVM's classpath (surefire sets java.class.path to the test classpath) without test-classes
     * directories, so a test logback configuration or test helper never changes the node.
     */
    private static String defaultClasspath() {
        String sep = System.getProperty("path.separator");
        return Stream.of(System.getProperty("java.class.path").split(sep))
                .filter(e -> !e.isBlank())
                .filter(e -> !Path.of(e).endsWith(Path.of("target", "test-classes")))
                .collect(Collectors.joining(sep));
    }

    /**
     * Copies the classpath entries that a build may rewrite while the nodes run (directories, and
     * jars outside the local repository or of -SNAPSHOT versions) into {@code into}; released jars
     * of the local repository are used in place. Without this, an {@code mvn install} elsewhere
     * replaces a jar under a running node, which then fails on its next class load
     * (NoClassDefFoundError, seen here).
     */
    private static String snapshotClasspath(String classpath, Path into) throws IOException {
        String sep = System.getProperty("path.separator");
        Path repository = Path.of(System.getProperty("user.home"), ".m2", "repository").toAbsolutePath().normalize();
        List<String> out = new ArrayList<>();
        int i = 0;
        for (String entry : classpath.split(sep)) {
            if (entry.isBlank()) {
                continue;
            }
            Path source = Path.of(entry).toAbsolutePath().normalize();
            boolean stable = Files.isRegularFile(source) && source.startsWith(repository)
                    && !source.toString().contains("-SNAPSHOT");
            if (stable || !Files.exists(source)) {
                out.add(entry);
                continue;
            }
            Files.createDirectories(into);
            Path target = into.resolve((i++) + "-" + source.getFileName());
            if (Files.isDirectory(source)) {
                try (Stream<Path> tree = Files.walk(source)) {
                    for (Path p : (Iterable<Path>) tree::iterator) {
                        Path t = target.resolve(source.relativize(p).toString());
                        if (Files.isDirectory(p)) {
                            Files.createDirectories(t);
                        } else {
                            Files.copy(p, t, StandardCopyOption.COPY_ATTRIBUTES);
                        }
                    }
                }
            } else {
                Files.copy(source, target, StandardCopyOption.COPY_ATTRIBUTES);
            }
            out.add(target.toString());
        }
        return String.join(sep, out);
    }

    private static String hex(int digits) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < digits; i++) {
            s.append(Character.forDigit(RANDOM.nextInt(16), 16));
        }
        return s.toString();
    }

    private static List<String> splitList(String s) {
        return Stream.of(s.split(",")).map(String::strip).filter(x -> !x.isEmpty()).toList();
    }

    private static void deleteTree(Path root) {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            System.out.println("[NetnsCluster] cannot delete " + root + ": " + e);
        }
    }

    /** Options; {@link #build()} creates the network (no node yet), {@link #start()} also starts the nodes. */
    public static final class Builder {
        private int nodes = 3;
        private String name = "netns";
        private String subnet;
        private String heap = "384m";
        private String java;
        private String classpath;
        private Path logRoot = Path.of(System.getProperty("basedir", System.getProperty("user.dir")), "target", "fault-logs");
        private boolean keepData = Boolean.getBoolean("paxcast.netns.keepData");
        private boolean snapshotClasspath = true;
        private final List<String> jvmArgs = new ArrayList<>();
        private final Map<String, String> env = new LinkedHashMap<>();

        private Builder() {
        }

        public Builder nodes(int nodes) {
            this.nodes = nodes;
            return this;
        }

        /** Names the log directory target/fault-logs/&lt;name&gt;-&lt;time&gt;-&lt;run&gt;/ (use the test's name). */
        public Builder name(String name) {
            this.name = name.replaceAll("[^A-Za-z0-9._-]", "_");
            return this;
        }

        /**
         * The first three octets of the /24 to use, e.g. {@code 10.213.78} (default: the first of
         * 10.213.77, 10.213.78, ... not present on this machine; or -Dpaxcast.netns.subnet /
         * PAXCAST_NETNS_SUBNET).
         */
        public Builder subnet(String subnet) {
            this.subnet = subnet;
            return this;
        }

        /** -Xmx of each node (default 384m). */
        public Builder heap(String heap) {
            this.heap = heap;
            return this;
        }

        /** The java binary (default: this JVM's). */
        public Builder java(String java) {
            this.java = java;
            return this;
        }

        /** The nodes' classpath (default: this JVM's java.class.path without test-classes). */
        public Builder classpath(String classpath) {
            this.classpath = classpath;
            return this;
        }

        /** An extra JVM argument for every node (after the defaults). */
        public Builder jvmArg(String arg) {
            this.jvmArgs.add(arg);
            return this;
        }

        /** An extra environment entry for every node, e.g. {@code PAXCAST_PUBLISH_TIMEOUTMILLIS}. */
        public Builder env(String key, String value) {
            env.put(key, value);
            return this;
        }

        /** Where run log directories go (default: ${basedir}/target/fault-logs). */
        public Builder logRoot(Path logRoot) {
            this.logRoot = logRoot;
            return this;
        }

        /**
         * Copy the mutable classpath entries (directories, SNAPSHOT jars) to a private directory
         * first, so a concurrent build cannot replace classes under running nodes (default true).
         */
        public Builder snapshotClasspath(boolean snapshot) {
            this.snapshotClasspath = snapshot;
            return this;
        }

        /** Keep the data directories after close (default -Dpaxcast.netns.keepData). */
        public Builder keepData(boolean keepData) {
            this.keepData = keepData;
            return this;
        }

        /** Creates the bridge, namespaces, veths and chains; starts no node. */
        public NetnsCluster build() {
            return new NetnsCluster(this);
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
}
