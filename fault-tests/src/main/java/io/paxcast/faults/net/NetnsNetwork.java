package io.paxcast.faults.net;

import io.paxcast.testkit.node.Network;
import io.paxcast.testkit.node.NodeProcesses;
import io.paxcast.testkit.process.CommandResult;
import io.paxcast.testkit.process.Commands;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.IntStream;

/**
 * The test kit's {@link Network} for the fault suite: a Linux bridge {@code pxbr<run>} in the root
 * namespace with {@code <subnet>.254/24}, and node {@code k} in namespace {@code px<run>n<k>} behind a
 * veth pair (host end {@code pxv<run>n<k>} on the bridge, namespace end {@code eth0} with
 * {@code <subnet>.k/24}, plus {@code lo} up), each namespace with the empty iptables chain
 * {@value #CHAIN} jumped to first from INPUT ({@link LinkFaults} fills it). No default route: nodes
 * reach each other and the bridge address, nothing else. Every node listens on {@value #HTTP_PORT}
 * and {@value #HAZELCAST_PORT} of its own address, and runs under {@code ip netns exec <ns>}, which
 * execs the JVM, so the launcher's process is the node itself ({@link #started} checks it).
 */
final class NetnsNetwork implements Network {
    static final int HTTP_PORT = 8080;
    static final int HAZELCAST_PORT = 5701;
    static final String CHAIN = "PAXCAST";
    private static final Duration EXEC_CHECK = Duration.ofSeconds(10);
    private static final int FIRST_AUTO_OCTET = 77;
    private static final int AUTO_OCTETS = 50;

    private final NetTools tools;
    private final String requestedSubnet;
    private int size;
    private Path dataRoot;
    private boolean keepData;
    private String runId;
    private String subnet;
    private String bridge;
    private boolean forwardRuleAdded;

    NetnsNetwork(NetTools tools, String requestedSubnet) {
        this.tools = tools;
        this.requestedSubnet = requestedSubnet;
    }

    @Override
    public void open(int size, Path dataRoot, boolean keepData) {
        this.size = size;
        this.dataRoot = dataRoot;
        this.keepData = keepData;
        RunRegistry.underMachineLock(() -> {
            RunRegistry.cleanupLeftovers();
            this.runId = RunRegistry.freeRunId();
            this.subnet = chooseSubnet(requestedSubnet);
            this.bridge = "pxbr" + runId;
            writeMarker();
            run(tools.ip(), "link", "add", bridge, "type", "bridge");
            run(tools.ip(), "addr", "add", hostAddress() + "/24", "dev", bridge);
            run(tools.ip(), "link", "set", bridge, "up");
            return null;
        });
        for (int k = 1; k <= size; k++) {
            createNamespace(k);
        }
        forwardRuleAdded = BridgeForwarding.allowIfNeeded(tools.iptables(), bridge);
        if (forwardRuleAdded) {
            writeMarker();
        }
    }

    private void createNamespace(int k) {
        String ns = namespace(k);
        String veth = hostVeth(k);
        run(tools.ip(), "netns", "add", ns);
        run(tools.ip(), "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", ns);
        run(tools.ip(), "link", "set", veth, "master", bridge, "up");
        run(tools.ip(), "-n", ns, "addr", "add", host(k) + "/24", "dev", "eth0");
        run(tools.ip(), "-n", ns, "link", "set", "eth0", "up");
        run(tools.ip(), "-n", ns, "link", "set", "lo", "up");
        run(tools.ip(), "netns", "exec", ns, tools.iptables(), "-w", "5", "-N", CHAIN);
        run(tools.ip(), "netns", "exec", ns, tools.iptables(), "-w", "5", "-I", "INPUT", "1", "-j", CHAIN);
    }

    // ---- names and addresses ------------------------------------------------------------------

    String runId() {
        return runId;
    }

    String subnet() {
        return subnet;
    }

    String bridgeName() {
        return bridge;
    }

    boolean forwardRuleAdded() {
        return forwardRuleAdded;
    }

    NetTools tools() {
        return tools;
    }

    /** Node k's address, {@code <subnet>.k}. */
    @Override
    public String host(int k) {
        return subnet + "." + k;
    }

    /** The address of the host end (the bridge), {@code <subnet>.254}. */
    String hostAddress() {
        return subnet + ".254";
    }

    String namespace(int k) {
        return "px" + runId + "n" + k;
    }

    /** The host end of node k's veth pair (on the bridge). */
    String hostVeth(int k) {
        return "pxv" + runId + "n" + k;
    }

    List<String> namespaces() {
        return IntStream.rangeClosed(1, size).mapToObj(this::namespace).toList();
    }

    @Override
    public int httpPort(int k) {
        return HTTP_PORT;
    }

    @Override
    public int hazelcastPort(int k) {
        return HAZELCAST_PORT;
    }

    @Override
    public Map<String, String> environment(int k) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PAXCAST_CLUSTER_HOST", host(k));
        env.put("PAXCAST_HTTP_HOST", "0.0.0.0");
        return env;
    }

    @Override
    public List<String> markers(int k) {
        return List.of("-Dpaxcast-netns.run=" + runId, "-Dpaxcast-netns.node=n" + k);
    }

    @Override
    public List<String> commandPrefix(int k) {
        return List.of(tools.ip(), "netns", "exec", namespace(k));
    }

    @Override
    public String where(int k) {
        return " in " + namespace(k);
    }

    @Override
    public String logDirSuffix() {
        return "-" + runId;
    }

    // ---- launching ----------------------------------------------------------------------------

    /**
     * Waits until {@code ip netns exec} has exec'd java (same pid), and checks that the JVM is in
     * node k's network namespace. Fails with the log's end if the process exits first.
     */
    @Override
    public void started(NodeProcesses nodes, int k, Process p) throws IOException {
        Path javaReal = Path.of(nodes.java()).toRealPath();
        Path exe = Path.of("/proc", String.valueOf(p.pid()), "exe");
        long deadline = System.nanoTime() + EXEC_CHECK.toNanos();
        while (true) {
            if (!p.isAlive()) {
                throw new IllegalStateException(nodes.nodeId(k) + " (pid " + p.pid() + ") exited with " + p.exitValue()
                        + " at start; end of " + nodes.logFile(k) + ":\n" + nodes.logTail(k, 30));
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
                throw new IllegalStateException(nodes.nodeId(k) + ": pid " + p.pid() + " runs " + target + ", not "
                        + javaReal + " after " + EXEC_CHECK + " (did `ip netns exec` fork instead of exec?)");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2)); // poll interval of the exec check
        }
        String procNs = Files.readSymbolicLink(Path.of("/proc", String.valueOf(p.pid()), "ns", "net")).toString();
        Object inode = Files.getAttribute(Path.of("/run/netns", namespace(k)), "unix:ino");
        if (!procNs.equals("net:[" + inode + "]")) {
            throw new IllegalStateException(nodes.nodeId(k) + ": pid " + p.pid() + " is in network namespace " + procNs
                    + ", not " + namespace(k) + " (net:[" + inode + "])");
        }
    }

    /** Runs {@code command} inside node k's namespace ({@code ip netns exec}), e.g. ping or ss. */
    CommandResult exec(int k, Duration timeout, String... command) {
        List<String> cmd = new ArrayList<>(List.of(tools.ip(), "netns", "exec", namespace(k)));
        cmd.addAll(List.of(command));
        return Commands.run(cmd, timeout);
    }

    // ---- teardown -----------------------------------------------------------------------------

    /** Kills what is left in the namespaces, deletes veths, namespaces, bridge and forward rule; safe on a partial open. */
    @Override
    public List<String> close() {
        List<String> problems = new ArrayList<>();
        if (runId != null) {
            for (int k = 1; k <= size; k++) {
                NetTools.killNamespacePids(tools.ip(), namespace(k));
            }
            // Delete each veth pair from its host end first: that is synchronous, while the kernel
            // destroys a deleted namespace's devices asynchronously (seconds under load).
            for (int k = 1; k <= size; k++) {
                if (NetTools.linkExists(tools.ip(), hostVeth(k))) {
                    CommandResult r = Commands.run(List.of(tools.ip(), "link", "del", hostVeth(k)), NetTools.COMMAND_TIMEOUT);
                    if (!r.ok() && NetTools.linkExists(tools.ip(), hostVeth(k))) {
                        problems.add("ip link del " + hostVeth(k) + ": " + r.output().strip());
                    }
                }
            }
            for (int k = 1; k <= size; k++) {
                if (Files.exists(Path.of("/run/netns", namespace(k)))) {
                    CommandResult r = Commands.run(List.of(tools.ip(), "netns", "del", namespace(k)), NetTools.COMMAND_TIMEOUT);
                    if (!r.ok()) {
                        problems.add("ip netns del " + namespace(k) + ": " + r.output().strip());
                    }
                }
            }
        }
        if (bridge != null && NetTools.linkExists(tools.ip(), bridge)) {
            CommandResult r = Commands.run(List.of(tools.ip(), "link", "del", bridge), NetTools.COMMAND_TIMEOUT);
            if (!r.ok()) {
                problems.add("ip link del " + bridge + ": " + r.output().strip());
            }
        }
        if (forwardRuleAdded) {
            CommandResult r = Commands.run(BridgeForwarding.rule(tools.iptables(), "-D", bridge), NetTools.COMMAND_TIMEOUT);
            if (!r.ok()) {
                problems.add("iptables -D FORWARD (bridge " + bridge + "): " + r.output().strip());
            }
        }
        return problems;
    }

    /** Forgets the run once nothing of it is left; otherwise keeps its marker, so the next run cleans it. */
    @Override
    public void closed(List<String> problems, long teardownMillis) {
        if (runId == null) {
            return;
        }
        if (problems.isEmpty()) {
            RunRegistry.delete(runId);
            System.out.println("[NetnsCluster] run " + runId + " torn down in " + teardownMillis
                    + " ms (processes killed; namespaces, veths, bridge removed)");
        } else {
            System.out.println("[NetnsCluster] run " + runId + " teardown problems (marker "
                    + RunRegistry.markerOf(runId) + " kept): " + problems);
        }
    }

    // ---- internals ----------------------------------------------------------------------------

    private void writeMarker() {
        RunRegistry.write(new RunRegistry.Marker(runId, bridge, subnet, namespaces(),
                IntStream.rangeClosed(1, size).mapToObj(this::hostVeth).toList(), forwardRuleAdded, dataRoot, keepData));
    }

    private String chooseSubnet(String requested) {
        String wanted = requested;
        if (wanted == null) {
            wanted = System.getProperty("paxcast.netns.subnet", System.getenv("PAXCAST_NETNS_SUBNET"));
        }
        String inUse = Commands.run(List.of(tools.ip(), "-o", "-4", "addr", "show"), NetTools.COMMAND_TIMEOUT).output()
                + Commands.run(List.of(tools.ip(), "-4", "route", "show"), NetTools.COMMAND_TIMEOUT).output();
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

    private static void run(String... command) {
        CommandResult r = Commands.run(List.of(command), NetTools.COMMAND_TIMEOUT);
        if (!r.ok()) {
            throw new IllegalStateException("`" + String.join(" ", command) + "` failed (exit " + r.exitCode() + "): "
                    + r.output().strip());
        }
    }
}
