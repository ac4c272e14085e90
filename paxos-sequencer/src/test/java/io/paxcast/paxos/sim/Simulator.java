package io.paxcast.paxos.sim;

import io.paxcast.paxos.core.Ballot;
import io.paxcast.paxos.core.InjectedBug;
import io.paxcast.paxos.core.Message;
import io.paxcast.paxos.core.MemberChange;
import io.paxcast.paxos.core.Membership;
import io.paxcast.paxos.core.PaxosConfig;

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
    /** Per applied delivery, the chance that a client submits from inside it (see {@link #afterApply}). */
    static final double PIPELINED_SUBMIT_RATE = 0.05;
    /** How long after a heal the leader must still be the same, for the HEAL scenarios. */
    private static final int HEAL_CHECK_ELECTIONS = 4;

    public record Result(long seed, Scenario scenario, List<String> violations, long ticks, int submitted,
                         int acked, long messages, long groupCommits, List<String> trace, int heals,
                         int snapshotsTaken, int resumedFromSnapshot, int snapshotInstalls, int reconfigurations,
                         long finalEpoch) {
        public boolean ok() {
            return violations.isEmpty();
        }
    }

    private final long seed;
    private final Scenario scenario;
    private final RandomGenerator random;
    private final SimNetwork network;
    private final List<SimNode> nodes = new ArrayList<>();
    /** Strays outside the membership (the OUTSIDER scenarios); their own deliveries go to a history no one checks. */
    private final List<SimNode> outsiders = new ArrayList<>();
    private final History outsiderHistory;
    private final List<String> ids = new ArrayList<>();
    private final long windowMillis;
    private final History history;
    private final Map<String, Long> restartAt = new HashMap<>();
    private long healLinksAt = -1;
    private final LinkedHashMap<String, byte[]> unacked = new LinkedHashMap<>();
    private final Map<String, Long> lastClientSend = new HashMap<>();
    private final boolean verbose;
    private final List<String> trace = new ArrayList<>();
    private long now;
    private int commandCounter;
    /** Membership changes the operator got proposed. */
    private int reconfigurations;
    /** For the HEAL scenarios: the leader and ballot that must survive the current cut, and when to check. */
    private String healLeader;
    private Ballot healBallot;
    private long healCheckAt = -1;
    private int healsChecked;

    public Simulator(long seed, Set<InjectedBug> bugs) {
        this(seed, bugs, false);
    }

    public Simulator(long seed, Set<InjectedBug> bugs, boolean verbose) {
        this.seed = seed;
        this.verbose = verbose;
        this.scenario = Scenario.forSeed(seed);
        this.random = RandomGeneratorFactory.<RandomGenerator>of("L64X128MixRandom").create(seed);
        this.network = new SimNetwork(random, scenario.dropRate, scenario.duplicateRate, scenario.maxDelay);
        // Short idempotency windows (one tick is one millisecond of log time here), so keys expire
        // during a run, and restarts, which replay the log, must expire them identically.
        this.windowMillis = 50 + random.nextInt(151);
        this.history = new History(windowMillis);
        this.outsiderHistory = new History(windowMillis);
        for (int i = 1; i <= scenario.nodes + scenario.spares; i++) {
            ids.add("n" + i);
        }
        List<String> bootstrap = List.copyOf(ids.subList(0, scenario.nodes));
        // α is part of the protocol (one value for the run); small here, so that changes take effect while
        // slots are in flight and phase 1 spans two configurations
        int activationDelay = scenario.spares > 0 ? 2 + random.nextInt(14) : 256;
        for (String id : ids) {
            PaxosConfig config = config(id, bootstrap, activationDelay);
            long skew = scenario.clockSkew == 0 ? 0 : random.nextLong(-scenario.clockSkew, scenario.clockSkew + 1);
            nodes.add(new SimNode(id, config, bugs, skew, random.nextLong(), windowMillis));
        }
        for (int i = 1; i <= scenario.outsiders; i++) {
            // a stray that believes it is one more voter of the bootstrap configuration
            String id = "x" + i;
            List<String> believed = new ArrayList<>(bootstrap);
            believed.add(id);
            outsiders.add(new SimNode(id, config(id, believed, activationDelay), bugs, 0, random.nextLong(), windowMillis));
        }
    }

    /** Every simulated node's configuration: {@code voters} is the bootstrap configuration it believes in. */
    private PaxosConfig config(String id, List<String> voters, int activationDelay) {
        return PaxosConfig.builder(id, voters)
                .activationDelay(activationDelay)
                .timeouts(2, scenario.electionTicks, 4, 25)
                .batching(8, 8, 4096)
                .millisPerTick(1)
                .catchup(16, 2048)
                .checkpointEverySlots(8) // snapshots, and restarts from them, in every run
                .maxPromiseBytes(4096)
                .maxDeliveriesPerReady(4) // backlogs then come in Readies without writes, as under load
                .forwardWindowBytes(512) // a few commands: the forward window is exercised all the time
                .build();
    }

    long now() {
        return now;
    }

    public Result run() {
        for (SimNode node : nodes) {
            start(node);
        }
        for (SimNode stray : outsiders) {
            guarded(stray, () -> stray.start(this, outsiderHistory, network)); // its own log is not checked
        }
        boolean live = false;
        for (now = 1; now <= FAULT_TICKS + RECOVERY_TICKS; now++) {
            boolean faulty = now <= FAULT_TICKS;
            if (faulty) {
                injectFaults();
            } else if (now == FAULT_TICKS + 1) {
                stopFaults();
            }
            checkHeal();
            traceStatus();
            if (faulty) {
                clients();
            } else if (scenario.reconfigureRate > 0 && now % 20 == 0) {
                repairMembership(); // an operator replaces the members that lost their vote
            }
            retryClients();
            deliverMessages();
            tickNodes();
            tickOutsiders();
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
            history.checkAllHold(members());
        }
        long groups = 0;
        int snapshots = 0;
        int resumed = 0;
        int installs = 0;
        for (SimNode node : nodes) {
            groups += node.storage.groupsWritten();
            snapshots += node.snapshotsTaken;
            resumed += node.resumedFromSnapshot;
            installs += node.installs;
        }
        return new Result(seed, scenario, List.copyOf(history.violations()), now, history.submitted().size(),
                history.ackedCount(), network.sent, groups, trace, healsChecked, snapshots, resumed, installs,
                reconfigurations, newestMembership() == null ? 0 : newestMembership().epoch());
    }

    private void start(SimNode node) {
        guarded(node, () -> node.start(this, history, network));
    }

    /** The node's loop persisted a group and the node died before sending (a crash fault). */
    void crashedAfterPersisting(SimNode node) {
        node.crash();
        restartAt.put(node.id, now + restartDelay());
        log("crash " + node.id + " after persisting, before sending");
    }

    /** The node's loop stopped for good (it could not apply a delivery): a supervisor restarts it. */
    void stopped(SimNode node, String why) {
        node.crash();
        restartAt.put(node.id, now + (now <= FAULT_TICKS ? restartDelay() : 1));
        log(node.id + " stopped: " + why);
    }

    /**
     * Called from inside a delivery: sometimes a client submits right then, through this node, as an
     * HTTP response that ends lets the next pipelined request in. Production's loop must not run the
     * next Ready inside the current one (a gap in the applied log).
     */
    void afterApply(SimNode node) {
        if (outsiders.contains(node)) {
            return; // a stray's application publishes nothing: its log is not the cluster's
        }
        if (now <= FAULT_TICKS && commandCounter < MAX_COMMANDS && random.nextDouble() < PIPELINED_SUBMIT_RATE) {
            byte[] body = new byte[8 + random.nextInt(24)];
            random.nextBytes(body);
            String key = "c" + (++commandCounter);
            history.onSubmit(key, body, now);
            unacked.put(key, body);
            lastClientSend.put(key, now);
            node.node.submit(SimApp.payload(key, body));
            node.pump();
        }
    }

    // ---------------------------------------------------------------- faults

    /**
     * The nodes of the newest configuration any node applied: what liveness and durability are owed to
     * (a removed node keeps what it had and learns no more).
     */
    private List<SimNode> members() {
        Membership newest = newestMembership();
        if (newest == null) {
            return nodes;
        }
        List<SimNode> out = new ArrayList<>();
        for (SimNode n : nodes) {
            if (newest.isMember(n.id)) {
                out.add(n);
            }
        }
        return out;
    }

    /** The configuration of the highest epoch a running node applied, or null if none runs. */
    private Membership newestMembership() {
        Membership newest = null;
        for (SimNode n : nodes) {
            if (n.isUp()) {
                Membership m = n.node.status().membership();
                if (newest == null || m.epoch() > newest.epoch()) {
                    newest = m;
                }
            }
        }
        return newest;
    }

    /**
     * An operator asks the leader for one membership change: add a spare as a learner, promote a
     * learner, or remove a member (the leader included), while at least three voters stay. The leader
     * may refuse (one change at a time, a learner not caught up): the operator asks again later.
     */
    private void reconfigure() {
        SimNode leader = null;
        for (SimNode n : nodes) {
            if (n.isUp() && "leader".equals(n.node.status().role())) {
                leader = n;
            }
        }
        if (leader == null) {
            return;
        }
        Membership m = leader.node.status().membership();
        List<MemberChange> options = new ArrayList<>();
        for (String id : ids) {
            if (!m.isMember(id) && node(id).isUp() && node(id).node.status().storeToken() != 0) {
                options.add(new MemberChange.AddLearner(id));
            }
        }
        for (String id : m.learners()) {
            options.add(new MemberChange.Promote(id));
            options.add(new MemberChange.Remove(id));
        }
        for (String id : m.voters()) {
            // a voter that lost its disk after a change never votes again: replace it (remove, add again)
            boolean lostItsVote = node(id).isUp() && !node(id).node.votes();
            if (m.voters().size() > 3 || lostItsVote) {
                options.add(new MemberChange.Remove(id));
            }
        }
        if (options.isEmpty()) {
            return;
        }
        MemberChange change = options.get(random.nextInt(options.size()));
        SimNode target = leader;
        guarded(target, () -> {
            MemberChange.Answer answer = target.node.changeMembership(change);
            if (answer.outcome() == MemberChange.Outcome.PROPOSED) {
                reconfigurations++;
            }
            log("operator asks " + target.id + " to " + change + ": " + answer.outcome()
                    + (answer.detail() == null ? "" : " (" + answer.detail() + ")"));
        });
    }

    /**
     * After the faults: the operator only repairs. A voter that lost its disk after a change is removed,
     * then added again (as a learner, then promoted once caught up), until every voter votes.
     */
    private void repairMembership() {
        SimNode leader = leader();
        if (leader == null) {
            return;
        }
        Membership m = leader.node.status().membership();
        MemberChange change = null;
        for (String id : m.voters()) {
            if (node(id).isUp() && !node(id).node.votes() && m.voters().size() > 1) {
                change = new MemberChange.Remove(id);
            }
        }
        if (change == null && m.voters().size() < scenario.nodes) {
            for (String id : m.learners()) {
                change = new MemberChange.Promote(id);
            }
            for (String id : ids) {
                if (change == null && !m.isMember(id) && node(id).isUp() && node(id).node.status().storeToken() != 0) {
                    change = new MemberChange.AddLearner(id);
                }
            }
        }
        if (change != null) {
            MemberChange asked = change;
            guarded(leader, () -> log("operator repairs: asks " + leader.id + " to " + asked + ": "
                    + leader.node.changeMembership(asked).outcome()));
        }
    }

    private SimNode leader() {
        for (SimNode n : nodes) {
            if (n.isUp() && "leader".equals(n.node.status().role())) {
                return n;
            }
        }
        return null;
    }

    private void injectFaults() {
        if (scenario.reconfigureRate > 0 && random.nextDouble() < scenario.reconfigureRate) {
            reconfigure();
        }
        for (var it = restartAt.entrySet().iterator(); it.hasNext(); ) {
            var entry = it.next();
            if (entry.getValue() <= now) {
                start(node(entry.getKey()));
                log("restart " + entry.getKey() + (node(entry.getKey()).isUp() && !node(entry.getKey()).node.votes()
                        ? " (blank store)" : ""));
                it.remove();
            }
        }
        if (healLinksAt >= 0 && healLinksAt <= now) {
            network.heal();
            healLinksAt = -1;
            log("heal links");
            if (healLeader != null) {
                healCheckAt = now + (long) HEAL_CHECK_ELECTIONS * scenario.electionTicks;
            }
        }
        if (random.nextDouble() < scenario.crashRate) {
            SimNode victim = nodes.get(random.nextInt(nodes.size()));
            if (victim.isUp()) {
                victim.crash();
                restartAt.put(victim.id, now + restartDelay());
                log("crash " + victim.id);
            }
        }
        if (random.nextDouble() < scenario.wipeRate) {
            SimNode victim = nodes.get(random.nextInt(nodes.size()));
            // One lost disk at a time: two at once in three nodes is a lost majority, which no protocol survives.
            if (victim.isUp() && othersUpAndVoting(victim)) {
                victim.wipe();
                restartAt.put(victim.id, now + restartDelay());
                log("crash " + victim.id + " and lose its disk");
            }
        }
        if (random.nextDouble() < scenario.clockJumpRate) {
            SimNode victim = nodes.get(random.nextInt(nodes.size()));
            long jump = (random.nextBoolean() ? 1 : -1) * (60_000L + random.nextLong(540_001));
            victim.clockOffset += jump;
            log("wall clock of " + victim.id + " jumps " + jump + " ms");
        }
        if (random.nextDouble() < scenario.applyFailRate) {
            SimNode victim = nodes.get(random.nextInt(nodes.size()));
            if (victim.isUp() && victim.failOnSlot < 0) {
                victim.failOnSlot = victim.lastApplied + 1 + random.nextInt(4);
                log("the application of " + victim.id + " will fail on slot " + victim.failOnSlot);
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
        if (!network.hasCuts() && healCheckAt < 0 && random.nextDouble() < scenario.isolateFollowerRate) {
            isolateFollowers();
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

    private boolean othersUpAndVoting(SimNode victim) {
        for (SimNode other : nodes) {
            if (other != victim && (!other.isUp() || !other.node.votes())) {
                return false;
            }
        }
        return true;
    }

    /**
     * Cuts off a minority of followers (never the leader) while a leader is established; on the heal,
     * {@link #checkHeal} demands the same leader at the same ballot some elections later.
     */
    private void isolateFollowers() {
        SimNode leader = null;
        for (SimNode n : nodes) {
            if (n.isUp() && "leader".equals(n.node.status().role())) {
                leader = n;
            }
        }
        if (leader == null || !leaderFollowedByAll(leader)) {
            return;
        }
        List<String> followers = new ArrayList<>(ids);
        followers.remove(leader.id);
        Set<String> side = new HashSet<>();
        int size = 1 + random.nextInt((nodes.size() - 1) / 2);
        while (side.size() < size) {
            side.add(followers.get(random.nextInt(followers.size())));
        }
        network.partition(side, ids);
        healLinksAt = now + 30 + random.nextInt(170);
        healLeader = leader.id;
        healBallot = leader.node.status().ballot();
        log("cut followers " + side + " off from leader " + healLeader + " at ballot " + healBallot);
    }

    private boolean leaderFollowedByAll(SimNode leader) {
        Ballot ballot = leader.node.status().ballot();
        for (SimNode n : nodes) {
            if (!n.isUp() || !ballot.equals(n.node.status().ballot()) || !n.node.status().leaderInTouch()) {
                return false;
            }
        }
        return true;
    }

    private void checkHeal() {
        if (healCheckAt < 0 || now < healCheckAt) {
            return;
        }
        healCheckAt = -1;
        SimNode leader = node(healLeader);
        var status = leader.isUp() ? leader.node.status() : null;
        if (status == null || !"leader".equals(status.role()) || !healBallot.equals(status.ballot())) {
            history.fail("needless leader change: " + healLeader + " led at ballot " + healBallot
                    + " while a minority of followers was cut off; " + HEAL_CHECK_ELECTIONS + " election timeouts"
                    + " after the heal it is " + status);
        }
        healsChecked++;
        healLeader = null;
    }

    /** Down for a moment (a quick process restart) or for many election timeouts. */
    private long restartDelay() {
        return 2 + random.nextInt(scenario.electionTicks * 10);
    }

    private void stopFaults() {
        network.heal();
        network.dropRate = 0;
        network.duplicateRate = 0;
        if (healLeader != null && healCheckAt < 0) {
            healCheckAt = now + (long) HEAL_CHECK_ELECTIONS * scenario.electionTicks;
        }
        for (SimNode node : nodes) {
            node.failOnSlot = -1;
            if (!node.isUp()) {
                start(node);
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
        byte[] body = new byte[8 + random.nextInt(56)];
        random.nextBytes(body);
        String key = "c" + (++commandCounter);
        history.onSubmit(key, body, now);
        unacked.put(key, body);
        sendFromClient(key, body);
    }

    /**
     * A client whose publish was not acknowledged retries it with the same key through any node: a new
     * command, which the application recognises as a retry by its key.
     */
    private void retryClients() {
        Iterator<Map.Entry<String, byte[]>> it = unacked.entrySet().iterator();
        while (it.hasNext()) {
            var entry = it.next();
            if (history.isAcked(entry.getKey())) {
                it.remove();
            } else if (now - lastClientSend.getOrDefault(entry.getKey(), 0L) >= CLIENT_RETRY_TICKS) {
                sendFromClient(entry.getKey(), entry.getValue());
            }
        }
    }

    private void sendFromClient(String key, byte[] body) {
        lastClientSend.put(key, now);
        SimNode target = nodes.get(random.nextInt(nodes.size()));
        if (target.isUp()) {
            guarded(target, () -> target.node.submit(SimApp.payload(key, body)));
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
            if (!node.isUp() && now > FAULT_TICKS) {
                start(node); // faults have stopped: whatever went down comes back
                restartAt.remove(node.id);
            }
            if (!node.isUp()) {
                continue;
            }
            guarded(node, node::completeWrite); // last turn's group is durable now: send and apply it
            if (!node.isUp()) {
                continue;
            }
            guarded(node, () -> {
                node.node.tick();
                node.node.flush();
                node.maintain(this);
            });
            // A crash may strike between persisting a group and sending its messages.
            node.crashAfterNextWrite = now <= FAULT_TICKS && random.nextDouble() < scenario.crashRate / 4;
            guarded(node, node::pump);
            for (int rounds = 0; node.isUp() && node.pumpLater && rounds < 64; rounds++) {
                guarded(node, node::pump); // a long replay yields between Readies; within a tick it goes on
            }
            if (node.isUp()) {
                node.crashAfterNextWrite = false;
            }
            if (!node.isUp() && now > FAULT_TICKS) {
                start(node);
                restartAt.remove(node.id);
            }
        }
    }

    /**
     * The strays run like any node (they campaign, time out, campaign again); a real node that promised
     * one of their ballots heard a sender outside the membership (DESIGN.md P19).
     */
    private void tickOutsiders() {
        if (outsiders.isEmpty()) {
            return;
        }
        for (SimNode stray : outsiders) {
            guarded(stray, stray::completeWrite);
            guarded(stray, () -> {
                stray.node.tick();
                stray.node.flush();
            });
            guarded(stray, stray::pump);
        }
        for (SimNode node : nodes) {
            if (node.isUp() && node.node.status().promised().nodeId().startsWith("x")) {
                history.fail("node " + node.id + " promised ballot " + node.node.status().promised()
                        + " of a node outside the membership");
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
        Membership newest = newestMembership();
        for (SimNode node : members()) {
            boolean voter = newest == null || newest.isVoter(node.id);
            if (!node.isUp() || (voter && !node.node.votes())
                    || !node.appliedKeys.containsAll(history.submitted().keySet())) {
                return false;
            }
        }
        return true;
    }

    private String undeliveredSummary() {
        StringBuilder sb = new StringBuilder();
        for (SimNode node : nodes) {
            int missing = 0;
            for (String key : history.submitted().keySet()) {
                if (!node.appliedKeys.contains(key)) {
                    missing++;
                }
            }
            sb.append(node.id).append(" misses ").append(missing).append(" (")
                    .append(node.isUp() ? node.node.status() : "down").append("); ");
        }
        return sb.toString();
    }

    SimNode node(String id) {
        int k = Integer.parseInt(id.substring(1)) - 1;
        return id.charAt(0) == 'x' ? outsiders.get(k) : nodes.get(k);
    }

    private final Map<String, String> lastStatus = new HashMap<>();

    /** In verbose runs: a line whenever a node's role, leader, ballot, promise or vote changes. */
    private void traceStatus() {
        if (!verbose) {
            return;
        }
        for (SimNode n : nodes) {
            String status = !n.isUp() ? "down" : describe(n.node.status());
            if (!status.equals(lastStatus.put(n.id, status))) {
                log(n.id + ": " + status);
            }
        }
    }

    private static String describe(io.paxcast.paxos.core.NodeStatus s) {
        return s.role() + " leader=" + s.leaderId() + "@" + s.ballot() + " promised=" + s.promised()
                + (s.votes() ? "" : " BLANK " + s.rejoin());
    }

    private void log(String event) {
        if (verbose) {
            trace.add("t=" + now + " " + event);
        }
    }
}
