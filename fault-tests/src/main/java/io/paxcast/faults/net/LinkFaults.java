package io.paxcast.faults.net;

import io.paxcast.faults.net.NetnsCluster.Link;
import io.paxcast.testkit.process.CommandResult;
import io.paxcast.testkit.process.Commands;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

/**
 * Link faults as iptables rules in the chain {@value NetnsNetwork#CHAIN} of each namespace: a cut link
 * {@code from -> to} is {@code -A PAXCAST -s <from's address> -j DROP} in {@code to}'s namespace. Each
 * namespace's chain is replaced atomically ({@code iptables-restore --noflush}) and every control
 * returns only after the rules are installed. Controls add to the cuts in place ({@link #cuts()});
 * {@link #heal()} removes them all. Only node-to-node traffic is cut: the host ({@code <subnet>.254})
 * always reaches every node. Every control is recorded in the {@link NemesisLog}.
 *
 * <p>Threading: controls are serialized with each other; they fail once the cluster is closed.
 */
final class LinkFaults {
    private final int size;
    private final NetnsNetwork network;
    private final NemesisLog nemesis;
    private final BooleanSupplier closed;
    private final Set<Link> cuts = new LinkedHashSet<>();
    private final ReentrantLock lock = new ReentrantLock();

    LinkFaults(int size, NetnsNetwork network, NemesisLog nemesis, BooleanSupplier closed) {
        this.size = size;
        this.network = network;
        this.nemesis = nemesis;
        this.closed = closed;
    }

    void isolate(int k) {
        Set<Link> add = new LinkedHashSet<>();
        for (int j = 1; j <= size; j++) {
            if (j != k) {
                add.add(new Link(k, j));
                add.add(new Link(j, k));
            }
        }
        addCuts(add, "isolate " + k + " | " + setText(others(Set.of(k))));
    }

    void partition(Set<Integer> sideA) {
        Set<Integer> a = new TreeSet<>(sideA);
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

    void cutOneWay(int from, int to) {
        if (from == to) {
            throw new IllegalArgumentException("cutOneWay needs two different nodes, got " + from);
        }
        addCuts(Set.of(new Link(from, to)), "cut-one-way " + from + " -> " + to);
    }

    void bridge(int a, int b) {
        if (a == b) {
            throw new IllegalArgumentException("bridge needs two different nodes, got " + a);
        }
        addCuts(Set.of(new Link(a, b), new Link(b, a)), "bridge " + a + " x " + b + " (cut both ways)");
    }

    void heal() {
        lock.lock();
        try {
            ensureOpen();
            cuts.clear();
            for (int k = 1; k <= size; k++) {
                installRules(k, List.of());
            }
            nemesis.nemesis("heal");
        } finally {
            lock.unlock();
        }
    }

    Set<Link> cuts() {
        lock.lock();
        try {
            return Set.copyOf(cuts);
        } finally {
            lock.unlock();
        }
    }

    private void addCuts(Set<Link> add, String description) {
        lock.lock();
        try {
            ensureOpen();
            cuts.addAll(add);
            Set<Integer> touched = add.stream().map(Link::to).collect(Collectors.toCollection(TreeSet::new));
            for (int to : touched) {
                List<String> sources = cuts.stream().filter(l -> l.to() == to).map(Link::from)
                        .sorted().map(network::host).toList();
                installRules(to, sources);
            }
            nemesis.nemesis(description);
        } finally {
            lock.unlock();
        }
    }

    /** Atomically replaces the chain of node k's namespace with one DROP per source address. */
    private void installRules(int k, List<String> dropSources) {
        String chain = NetnsNetwork.CHAIN;
        StringBuilder rules = new StringBuilder("*filter\n:" + chain + " - [0:0]\n");
        for (String source : dropSources) {
            rules.append("-A ").append(chain).append(" -s ").append(source).append("/32 -j DROP\n");
        }
        rules.append("COMMIT\n");
        NetTools tools = network.tools();
        List<String> cmd = List.of(tools.ip(), "netns", "exec", network.namespace(k), tools.iptablesRestore(), "-w", "5",
                "--noflush");
        CommandResult result = Commands.run(cmd, NetTools.COMMAND_TIMEOUT, rules.toString());
        if (!result.ok()) {
            throw new IllegalStateException("cannot install rules in " + network.namespace(k) + " (" + String.join(" ", cmd)
                    + ", exit " + result.exitCode() + "): " + result.output() + "\nrules:\n" + rules);
        }
    }

    private void ensureOpen() {
        if (closed.getAsBoolean()) {
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
}
