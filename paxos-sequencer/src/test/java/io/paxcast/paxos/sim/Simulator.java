package io.paxcast.paxos.sim;

import io.paxcast.paxos.core.Command;
import io.paxcast.paxos.core.InjectedBug;
import io.paxcast.paxos.core.Message;
import io.paxcast.paxos.core.PaxosConfig;
import io.paxcast.paxos.core.Ready;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;

/**
 * A deterministic, seeded simulation of a Paxcast cluster: nodes, clients, a faulty network,
 * crashes and restarts from durable storage, all in simulated ticks on one thread. The
 * {@link History} checks the invariants after every delivery; at the end, once faults have stopped,
 * every submitted command must be delivered on every node within {@link #RECOVERY_TICKS} (liveness).
 *
 * <p>Everything random comes from the seed, so {@code new Simulator(seed, bugs).run()} replays a run
 * exactly.
 */
public final class Simulator {
    static final int FAULT_TICKS = 600;
    static final int RECOVERY_TICKS = 1500;
    static final int MAX_COMMANDS = 200;
    static final int CLIENT_RETRY_TICKS = 40;

    public record Result(long seed, Scenario scenario, List<String> violations, long ticks, int submitted,
                         int acked, long messages, long groupCommits, List<String> trace) {
        public boolean ok() {
            return violations.isEmpty();
        }
    }

    private final long seed;
    private final Scenario scenario;
    private final RandomGenerator random;
    private final SimNetwork network;
    private final List<SimNode> nodes = new ArrayList<>();
    private final List<String> ids = new ArrayList<>();
    private final History history = new History();
    private final Map<String, Long> restartAt = new HashMap<>();
    private long healLinksAt = -1;
    private final LinkedHashMap<String, Command> unacked = new LinkedHashMap<>();
    private final Map<String, Long> lastClientSend = new HashMap<>();
    private final boolean verbose;
    private final List<String> trace = new ArrayList<>();
    private long now;
    private int commandCounter;

    public Simulator(long seed, Set<InjectedBug> bugs) {
        this(seed, bugs, false);
    }

    public Simulator(long seed, Set<InjectedBug> bugs, boolean verbose) {
        this.seed = seed;
        this.verbose = verbose;
        this.scenario = Scenario.forSeed(seed);
        this.random = RandomGeneratorFactory.<RandomGenerator>of("L64X128MixRandom").create(seed);
        this.network = new SimNetwork(random, scenario.dropRate, scenario.duplicateRate, scenario.maxDelay);
        for (int i = 1; i <= scenario.nodes; i++) {
            ids.add("n" + i);
        }
        for (String id : ids) {
            PaxosConfig config = PaxosConfig.defaults(id, ids)
                    .withTimeouts(2, scenario.electionTicks, 4, 25)
                    .withBatching(8, 8, 4096)
                    .withBugs(bugs);
            long skew = scenario.clockSkew == 0 ? 0 : random.nextLong(-scenario.clockSkew, scenario.clockSkew + 1);
            nodes.add(new SimNode(id, config, skew, random.nextLong()));
        }
    }

    long now() {
        return now;
    }

    public Result run() {
        for (SimNode node : nodes) {
            node.start(this);
        }
        boolean live = false;
        for (now = 1; now <= FAULT_TICKS + RECOVERY_TICKS; now++) {
            boolean faulty = now <= FAULT_TICKS;
            if (faulty) {
                injectFaults();
            } else if (now == FAULT_TICKS + 1) {
                stopFaults();
            }
            if (faulty) {
                clients();
            }
            retryClients();
            deliverMessages();
            tickNodes();
            if (!history.violations().isEmpty()) {
                break;
            }
            if (!faulty && everythingDelivered()) {
                live = true;
                break;
            }
        }
        if (history.violations().isEmpty() && !live) {
            history.fail("liveness: " + undeliveredSummary() + " " + RECOVERY_TICKS
                    + " ticks after faults stopped");
        }
        if (history.violations().isEmpty()) {
            history.checkAllHold(nodes);
        }
        long groups = 0;
        for (SimNode node : nodes) {
            groups += node.storage.groupsWritten();
        }
        return new Result(seed, scenario, List.copyOf(history.violations()), now, history.submitted().size(),
                history.ackedCount(), network.sent, groups, trace);
    }

    // ---------------------------------------------------------------- faults

    private void injectFaults() {
        for (var it = restartAt.entrySet().iterator(); it.hasNext(); ) {
            var entry = it.next();
            if (entry.getValue() <= now) {
                node(entry.getKey()).start(this);
                log("restart " + entry.getKey());
                it.remove();
            }
        }
        if (healLinksAt >= 0 && healLinksAt <= now) {
            network.heal();
            healLinksAt = -1;
            log("heal links");
        }
        if (random.nextDouble() < scenario.crashRate) {
            SimNode victim = nodes.get(random.nextInt(nodes.size()));
            if (victim.isUp()) {
                victim.crash();
                restartAt.put(victim.id, now + restartDelay());
                log("crash " + victim.id);
            }
        }
        if (!network.hasCuts() && random.nextDouble() < scenario.partitionRate) {
            Set<String> side = new HashSet<>();
            int size = 1 + random.nextInt(nodes.size() / 2);
            while (side.size() < size) {
                side.add(ids.get(random.nextInt(ids.size())));
            }
            network.partition(side, ids);
            healLinksAt = now + 30 + random.nextInt(170);
            log("partition " + side + " from the rest");
        }
        if (random.nextDouble() < scenario.bridgeRate) {
            String a = ids.get(random.nextInt(ids.size()));
            String b = ids.get(random.nextInt(ids.size()));
            if (!a.equals(b)) {
                network.cut(a, b);
                network.cut(b, a);
                if (healLinksAt < 0) {
                    healLinksAt = now + 30 + random.nextInt(170);
                }
                log("bridge: cut " + a + "<->" + b);
            }
        }
        if (random.nextDouble() < scenario.oneWayRate) {
            String from = ids.get(random.nextInt(ids.size()));
            String to = ids.get(random.nextInt(ids.size()));
            if (!from.equals(to)) {
                network.cut(from, to);
                if (healLinksAt < 0) {
                    healLinksAt = now + 30 + random.nextInt(170);
                }
                log("cut " + from + "->" + to);
            }
        }
    }

    /** Down for a moment (a quick process restart) or for many election timeouts. */
    private long restartDelay() {
        return 2 + random.nextInt(scenario.electionTicks * 10);
    }

    private void stopFaults() {
        network.heal();
        network.dropRate = 0;
        network.duplicateRate = 0;
        for (SimNode node : nodes) {
            if (!node.isUp()) {
                node.start(this);
            }
        }
        restartAt.clear();
        log("faults stop");
    }

    // ---------------------------------------------------------------- clients

    private void clients() {
        if (commandCounter >= MAX_COMMANDS || random.nextDouble() >= 0.5) {
            return;
        }
        byte[] payload = new byte[8 + random.nextInt(56)];
        random.nextBytes(payload);
        Command command = new Command("c" + (++commandCounter), payload);
        history.onSubmit(command, now);
        unacked.put(command.id(), command);
        sendFromClient(command);
    }

    /** A client whose command was not acknowledged retries it, same id, through any node. */
    private void retryClients() {
        Iterator<Command> it = unacked.values().iterator();
        while (it.hasNext()) {
            Command command = it.next();
            if (history.isAcked(command.id())) {
                it.remove();
            } else if (now - lastClientSend.getOrDefault(command.id(), 0L) >= CLIENT_RETRY_TICKS) {
                sendFromClient(command);
            }
        }
    }

    private void sendFromClient(Command command) {
        lastClientSend.put(command.id(), now);
        SimNode target = nodes.get(random.nextInt(nodes.size()));
        if (target.isUp()) {
            guarded(target, () -> target.node.submit(command));
        }
    }

    // ---------------------------------------------------------------- nodes

    private void deliverMessages() {
        for (Message message : network.due(now)) {
            SimNode target = node(message.to());
            if (target.isUp()) {
                guarded(target, () -> target.node.step(message));
            }
        }
    }

    private void tickNodes() {
        for (SimNode node : nodes) {
            if (!node.isUp()) {
                continue;
            }
            guarded(node, () -> {
                node.node.tick();
                node.node.flush();
            });
            // A crash may strike between persisting a group and sending its messages.
            boolean crashMidway = now <= FAULT_TICKS && random.nextDouble() < scenario.crashRate / 4;
            for (int rounds = 0; node.isUp() && rounds < 64; rounds++) {
                Ready ready = node.node.drain();
                if (ready.isEmpty()) {
                    break;
                }
                node.process(ready, network, now, history, crashMidway);
                if (crashMidway) {
                    restartAt.put(node.id, now + restartDelay());
                    log("crash " + node.id + " after persisting, before sending");
                }
            }
        }
    }

    private void guarded(SimNode node, Runnable action) {
        try {
            action.run();
        } catch (RuntimeException e) {
            history.fail("node " + node.id + " failed: " + e);
        }
    }

    private boolean everythingDelivered() {
        for (SimNode node : nodes) {
            if (!node.isUp() || !node.appliedIds.containsAll(history.submitted().keySet())) {
                return false;
            }
        }
        return true;
    }

    private String undeliveredSummary() {
        StringBuilder sb = new StringBuilder();
        for (SimNode node : nodes) {
            int missing = 0;
            for (String id : history.submitted().keySet()) {
                if (!node.appliedIds.contains(id)) {
                    missing++;
                }
            }
            sb.append(node.id).append(" misses ").append(missing).append(" (")
                    .append(node.isUp() ? node.node.status() : "down").append("); ");
        }
        return sb.toString();
    }

    private SimNode node(String id) {
        return nodes.get(Integer.parseInt(id.substring(1)) - 1);
    }

    private void log(String event) {
        if (verbose) {
            trace.add("t=" + now + " " + event);
        }
    }
}
