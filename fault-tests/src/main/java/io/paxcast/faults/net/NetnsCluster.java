package io.paxcast.faults.net;

import io.paxcast.testkit.node.NodeJvm;
import io.paxcast.testkit.node.NodeProcesses;
import io.paxcast.testkit.node.NodeProcessesBuilder;
import io.paxcast.testkit.process.CommandResult;
import io.paxcast.testkit.process.Commands;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * N real Paxcast node processes, each in its own Linux network namespace, so that partitions cut
 * real packets between real processes: the test kit's launcher ({@link NodeProcesses}) on a
 * {@link NetnsNetwork}, with {@link LinkFaults} and a {@link NemesisLog}.
 *
 * <h2>Topology and nodes</h2>
 * See {@link NetnsNetwork}: a bridge {@code pxbr<run>} with {@code <subnet>.254/24}, node {@code k} in
 * namespace {@code px<run>n<k>} at {@code <subnet>.k}, reached from this JVM at
 * {@code http://<subnet>.k:8080/}. {@code <run>} is 4 random hex digits per instance; the subnet is
 * {@code 10.213.77} unless {@link NetnsClusterBuilder#subnet}, {@code -Dpaxcast.netns.subnet} or
 * {@code PAXCAST_NETNS_SUBNET} names another, and an automatically chosen subnet skips any /24
 * already present on the machine (so two instances can run at the same time). Node {@code k} gets
 * {@code PAXCAST_CLUSTER_HOST=<subnet>.k}, {@code PAXCAST_HTTP_HOST=0.0.0.0}, {@code PAXCAST_HTTP_PORT=8080},
 * the members {@code n1@<subnet>.1:5701,...} and the builder's environment. {@link #start(int)} checks
 * that {@code /proc/<pid>/exe} is the java binary and that {@code /proc/<pid>/ns/net} is the node's
 * namespace; {@link #kill(int)} checks the exit status is 137. Output goes to
 * {@code target/fault-logs/<name>-<time>-<run>/n<k>.log} (kept), data to a temporary directory
 * (deleted by {@link #close()} unless kept); the classpath's mutable entries are first copied into
 * it ({@link NetnsClusterBuilder#snapshotClasspath}), so an {@code mvn install} elsewhere cannot replace classes
 * under running nodes.
 *
 * <h2>Faults ("nemesis")</h2>
 * Process controls (kill, pause, resume, restart) act on the node's pid; link controls are
 * {@link LinkFaults}; each prints and records one {@link NemesisLog} line.
 *
 * <p>Measured with the node's Hazelcast settings (heartbeat 1 s, member gone after 5 s without one,
 * default merge delays): a link cut for more than about 3 s (5 s heartbeat timeout, minus the TCP
 * retransmission backoff that delays traffic after the heal) splits the Hazelcast cluster, and the
 * sub-clusters merge only after Hazelcast's first merge run (300 s by default), so the event bus
 * between them stays dead that long after {@link #heal()}. Cuts of about 2 s heal within 1.5 s.
 *
 * <h2>Cleanup</h2>
 * {@link #close()} SIGKILLs every process this instance started (paused ones included), kills
 * anything else left in its namespaces, deletes the namespaces, veths and bridge and the temporary
 * data; idempotent, and a JVM shutdown hook does the same. Against a SIGKILLed test JVM, see
 * {@link RunRegistry} ({@link #cleanupLeftovers()}).
 *
 * <h2>Requirements</h2>
 * Linux, root, {@code ip} (iproute2) with working {@code ip netns}, {@code iptables} and
 * {@code iptables-restore}, {@code kill} (procps). {@link #unavailableReason()} says why this machine
 * cannot run it; the builder fails with the same message.
 *
 * <p>Threading: controls are meant for one driving thread; they are serialized with each other and
 * with {@link #close()}, which may run from any thread.
 */
public final class NetnsCluster implements AutoCloseable {
    public static final String MAIN_CLASS = NodeProcesses.MAIN_CLASS;
    /** Every node's HTTP port (API, WebSocket, static pages), on every address of its namespace. */
    public static final int HTTP_PORT = NetnsNetwork.HTTP_PORT;
    /** Every node's Hazelcast port (each node has a namespace of its own, so all use the same). */
    public static final int HAZELCAST_PORT = NetnsNetwork.HAZELCAST_PORT;
    /** The iptables chain holding the link faults in every namespace. */
    public static final String CHAIN = NetnsNetwork.CHAIN;
    /** The default subnet (first three octets); node k is .k, the host end of the bridge .254. */
    public static final String DEFAULT_SUBNET = "10.213.77";
    public static final List<String> JVM_FLAGS = NodeJvm.FLAGS;

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

    private final NetnsNetwork network;
    private final NemesisLog nemesis;
    private final NodeProcesses nodes;
    private final LinkFaults links;
    private volatile boolean closed;

    NetnsCluster(NodeProcessesBuilder launcher, String subnet) {
        this.network = new NetnsNetwork(NetTools.require(), subnet);
        this.nemesis = new NemesisLog();
        this.nodes = launcher.network(network).events(nemesis).build();
        this.links = new LinkFaults(nodes.size(), network, nemesis, () -> closed);
        nemesis.logTo(nodes.logDir());
        if (network.forwardRuleAdded()) {
            nemesis.log("[NetnsCluster] root FORWARD chain is not permissive: inserted an ACCEPT for -i/-o " + bridgeName());
        }
        nemesis.log(String.format("[NetnsCluster] run %s: %d namespaces %s on bridge %s (%s.254/24) in %d ms, logs in %s",
                runId(), size(), namespaces(), bridgeName(), subnet(), nemesis.millisSinceCreated(), logDir()));
    }

    public static NetnsClusterBuilder builder() {
        return new NetnsClusterBuilder();
    }

    /** Why this machine cannot run a NetnsCluster, or empty if it can (a missing iptables fails the build instead). */
    public static Optional<String> unavailableReason() {
        return NetTools.unavailableReason();
    }

    /** Removes what runs of dead JVMs left behind ({@link RunRegistry}); every build calls it. Returns the runs removed. */
    public static List<String> cleanupLeftovers() {
        return RunRegistry.cleanupLeftovers();
    }

    // ---- node lifecycle: the launcher's, recorded by the nemesis log ----------------------------

    public NetnsCluster startAll() {
        nodes.startAll();
        return this;
    }

    /** Starts node k in its namespace; returns once {@code ip netns exec} has exec'd the JVM there. */
    public void start(int k) {
        nodes.start(k);
    }

    /** SIGKILLs node k (also when paused) and waits until the process is gone; checks exit 137. */
    public void kill(int k) {
        nodes.kill(k);
    }

    /** SIGSTOPs node k: its sockets stay open, it answers nothing. */
    public void pause(int k) {
        nodes.pause(k);
    }

    public void resume(int k) {
        nodes.resume(k);
    }

    /** SIGKILLs node k if it runs, then starts it again on its existing data (no wait for /ready). */
    public void restart(int k) {
        nodes.restart(k);
    }

    // ---- link faults (see LinkFaults) ------------------------------------------------------------

    /** Cuts node k from every other node, both ways (the host still reaches it). */
    public void isolate(int k) {
        links.isolate(check(k));
    }

    /** Cuts every link between {@code sideA} and the other nodes, both ways. */
    public void partition(Set<Integer> sideA) {
        sideA.forEach(this::check);
        links.partition(sideA);
    }

    /**
     * Packets from {@code from} no longer reach {@code to} (dropped in {@code to}'s INPUT by source
     * address); packets from {@code to} still reach {@code from}. To TCP that is a mostly-dead link:
     * every segment {@code from} sends is lost, SYN-ACKs and ACKs included, so no new connection
     * completes either way; on an established connection bytes from {@code to} still arrive but are
     * never acknowledged, so {@code to} soon stops sending and eventually times out (about 15 minutes
     * with Linux defaults, or earlier by TCP_USER_TIMEOUT or an application heartbeat).
     */
    public void cutOneWay(int from, int to) {
        links.cutOneWay(check(from), check(to));
    }

    /**
     * Cuts the link between {@code a} and {@code b} only, both ways. (Jepsen's "bridge" nemesis is
     * another thing, two halves that share one node: build it from this on each cross pair.)
     */
    public void bridge(int a, int b) {
        links.bridge(check(a), check(b));
    }

    /** Removes every link fault (flushes the chain in every namespace). */
    public void heal() {
        links.heal();
    }

    /** The directed links cut now. */
    public Set<Link> cuts() {
        return links.cuts();
    }

    /** Every control so far, in order. */
    public List<Event> events() {
        return nemesis.events();
    }

    // ---- queries --------------------------------------------------------------------------------

    public int size() {
        return nodes.size();
    }

    /** 4 hex digits naming this instance's bridge, namespaces and veths. */
    public String runId() {
        return network.runId();
    }

    public String subnet() {
        return network.subnet();
    }

    public String bridgeName() {
        return network.bridgeName();
    }

    public String nodeId(int k) {
        return nodes.nodeId(k);
    }

    /** Node k's address, {@code <subnet>.k}. */
    public String address(int k) {
        return network.host(check(k));
    }

    /** The address of the host end (the bridge), {@code <subnet>.254}. */
    public String hostAddress() {
        return network.hostAddress();
    }

    public String namespace(int k) {
        return network.namespace(check(k));
    }

    /** The host end of node k's veth pair (on the bridge). */
    public String hostVeth(int k) {
        return network.hostVeth(check(k));
    }

    public List<String> namespaces() {
        return network.namespaces();
    }

    public String clusterMembers() {
        return nodes.clusterMembers();
    }

    public URI uri(int k, String path) {
        return nodes.uri(k, path);
    }

    public URI wsUri(int k, String path) {
        return nodes.wsUri(k, path);
    }

    /** The pid of node k's current (or last) process: the node JVM itself. */
    public long pid(int k) {
        return nodes.pid(k);
    }

    public boolean isAlive(int k) {
        return nodes.isAlive(k);
    }

    public boolean isPaused(int k) {
        return nodes.isPaused(k);
    }

    public Path dataDir(int k) {
        return nodes.dataDir(k);
    }

    public Path logFile(int k) {
        return nodes.logFile(k);
    }

    public Path logDir() {
        return nodes.logDir();
    }

    /** The shared HTTP client (connect timeout 1 s, no proxy). */
    public HttpClient http() {
        return nodes.http();
    }

    public HttpResponse<String> get(int k, String path) throws IOException, InterruptedException {
        return nodes.get(k, path);
    }

    public HttpResponse<String> postJson(int k, String path, String json, Duration timeout)
            throws IOException, InterruptedException {
        return nodes.postJson(k, path, json, timeout);
    }

    public int status(int k, String path) {
        return nodes.status(k, path);
    }

    /** Waits until /ready answers 200 on every node that is running and not paused (see below). */
    public void awaitReady(Duration timeout) {
        try {
            nodes.awaitReady(timeout);
        } catch (AssertionError notReady) {
            throw new IllegalStateException(notReady.getMessage(), notReady);
        }
    }

    /**
     * Waits until /ready answers 200 on each listed node (polling every 100 ms). A timeout is an
     * IllegalStateException here, not the launcher's AssertionError: the fault suite catches
     * RuntimeException around it to dump the nodes' threads.
     */
    public void awaitReady(Duration timeout, int... which) {
        try {
            nodes.awaitReady(timeout, which);
        } catch (AssertionError notReady) {
            throw new IllegalStateException(notReady.getMessage(), notReady);
        }
    }

    /** Runs {@code command} inside node k's namespace ({@code ip netns exec}), e.g. ping or ss. */
    public CommandResult exec(int k, Duration timeout, String... command) {
        return network.exec(check(k), timeout, command);
    }

    public String logTail(int k, int lines) {
        return nodes.logTail(k, lines);
    }

    public void dumpLogTails(int lines) {
        nodes.dumpLogTails(lines);
    }

    static CommandResult runCommand(List<String> command, Duration timeout) {
        return Commands.run(command, timeout);
    }

    /** SIGKILLs every process (and anything left in the namespaces), deletes namespaces, veths, bridge and data; idempotent. */
    @Override
    public void close() {
        closed = true;
        nodes.close();
    }

    private int check(int k) {
        nodes.nodeId(k); // fails on a number outside 1..size
        return k;
    }
}
