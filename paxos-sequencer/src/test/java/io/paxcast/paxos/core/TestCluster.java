package io.paxcast.paxos.core;

import io.paxcast.paxos.core.Message.SlotEntry;
import io.paxcast.paxos.storage.InMemoryStorage;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;

/**
 * A tiny synchronous cluster for scenario tests (etcd-raft's in-memory network, dslabs' "the test
 * picks the schedule"): N {@link PaxosNode}s, each with its own {@link InMemoryStorage} and applied
 * log, and one message queue that nothing drains on its own. The test decides which message arrives
 * when: {@link #deliverFirst}, {@link #deliver}, {@link #drop}, {@link #hold}, {@link #runUntilQuiet};
 * a node moves in time only when the test {@link #tick}s it.
 *
 * <p>After every input the node's output is drained and handled as the {@link Ready} contract says:
 * the writes go to storage first, then the messages enter the network, then the deliveries are
 * applied (and checked to be contiguous: hold-back). Every Ready is recorded together with what was
 * durable just before it, so tests can check "persist before you answer" on the Ready objects.
 */
final class TestCluster {

    /** The leader's wall clock, set by the test: it only stamps batches (DESIGN.md P15). */
    static final class ManualClock implements Clock {
        private long millis;

        @Override
        public long nowMillis() {
            return millis;
        }

        void set(long millis) {
            this.millis = millis;
        }
    }

    /** What the node's storage held just before a Ready's writes were applied. */
    record Durable(Ballot promised, long chosenPrefix, Map<Long, SlotEntry> slots) {}

    /** One drained Ready of one node incarnation, with the durable state it started from. */
    record Drained(String nodeId, int incarnation, Durable before, Ready ready) {}

    static final class Member {
        final String id;
        final PaxosConfig config;
        final InMemoryStorage storage = new InMemoryStorage();
        /** What the application applied in this run (a restart replays the log from slot 1). */
        final List<Delivery> applied = new ArrayList<>();
        final List<Drained> drained = new ArrayList<>();
        final List<Message> sent = new ArrayList<>();
        PaxosNode node;
        int incarnation;

        Member(String id, PaxosConfig config) {
            this.id = id;
            this.config = config;
        }
    }

    static final class Builder {
        private final int size;
        private int pipelineWindow = 8;
        private int maxBatchCommands = 8;
        private int maxBatchBytes = 1 << 20;
        private int catchupBatchSlots = 64;
        private Set<InjectedBug> bugs = Set.of();
        private Set<String> nonVoting = Set.of();
        private Set<String> blank = Set.of();
        private boolean stickiness;
        private boolean preVote;
        private int promiseBytes = 1 << 20;
        private long forwardWindow = 1L << 20;
        private long queuedBytes = 1L << 30;
        private long seed;

        private Builder(int size) {
            this.size = size;
        }

        Builder pipeline(int window, int batchCommands) {
            this.pipelineWindow = window;
            this.maxBatchCommands = batchCommands;
            return this;
        }

        Builder maxBatchBytes(int bytes) {
            this.maxBatchBytes = bytes;
            return this;
        }

        Builder catchupBatchSlots(int slots) {
            this.catchupBatchSlots = slots;
            return this;
        }

        /** Followers that hear a live leader ignore other candidates (off by default here). */
        Builder stickiness(boolean on) {
            this.stickiness = on;
            return this;
        }

        /** Nodes ask for pre-votes before they campaign (off by default here: the scenarios campaign directly). */
        Builder preVote(boolean on) {
            this.preVote = on;
            return this;
        }

        /** Seeds the nodes' randomness (election timeouts), so a test can try several schedules. */
        Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        Builder forwardWindowBytes(long bytes) {
            this.forwardWindow = bytes;
            return this;
        }

        Builder maxQueuedBytes(long bytes) {
            this.queuedBytes = bytes;
            return this;
        }

        Builder maxPromiseBytes(int bytes) {
            this.promiseBytes = bytes;
            return this;
        }

        /** These nodes run as configured learners: they never vote. */
        Builder nonVoting(String... ids) {
            this.nonVoting = Set.of(ids);
            return this;
        }

        /** These nodes start on blank stores (a new member, or a lost disk): they must rejoin before voting. */
        Builder blankStores(String... ids) {
            this.blank = Set.of(ids);
            return this;
        }

        Builder bugs(Set<InjectedBug> injected) {
            this.bugs = injected;
            return this;
        }

        TestCluster build() {
            return new TestCluster(this);
        }
    }

    static final int HEARTBEAT_TICKS = 2;
    static final int ELECTION_TICKS = 10;
    static final int RETRANSMIT_TICKS = 4;
    /** Large: a test that wants a re-submission ticks for it explicitly. */
    static final int RESUBMIT_TICKS = 1_000;
    private static final int MAX_STEPS = 100_000;

    final ManualClock clock = new ManualClock();
    private final Map<String, Member> members = new LinkedHashMap<>();
    private final List<Message> network = new ArrayList<>();
    private final List<Predicate<Message>> holds = new ArrayList<>();
    private final Set<String> isolated = new HashSet<>();
    private final Set<String> blank;
    private final long seed;
    /** Planted in every node of this cluster (the checks-can-fail tests); empty otherwise. */
    private final Set<InjectedBug> bugs;
    private final List<Consumer<Drained>> observers = new ArrayList<>();

    static Builder builder(int size) {
        return new Builder(size);
    }

    static TestCluster of(int size) {
        return builder(size).build();
    }

    private TestCluster(Builder b) {
        this.blank = b.blank;
        this.seed = b.seed;
        this.bugs = b.bugs;
        List<String> ids = new ArrayList<>();
        for (int i = 1; i <= b.size; i++) {
            ids.add("n" + i);
        }
        clock.set(1_000);
        for (String id : ids) {
            // Start the cluster as a brand-new one: every store intact and empty (the rejoin of a blank
            // store is tested on its own, with blankStores()).
            // the papers' scenarios script leader changes directly; stickiness and pre-vote are tested on their own
            PaxosConfig config = PaxosConfig.builder(id, ids)
                    .batching(b.pipelineWindow, b.maxBatchCommands, b.maxBatchBytes)
                    .timeouts(HEARTBEAT_TICKS, ELECTION_TICKS, RETRANSMIT_TICKS, RESUBMIT_TICKS)
                    .catchup(b.catchupBatchSlots, 1 << 24)
                    .millisPerTick(1)
                    .pending(10_000, 1L << 30)
                    .maxPromiseBytes(b.promiseBytes)
                    .forwardWindowBytes(b.forwardWindow)
                    .maxQueuedBytes(b.queuedBytes)
                    .voting(!b.nonVoting.contains(id))
                    .leaderStickiness(b.stickiness)
                    .preVote(b.preVote)
                    .build();
            Member m = new Member(id, config);
            members.put(id, m);
            start(m);
        }
    }

    // ---------------------------------------------------------------- nodes

    List<String> ids() {
        return List.copyOf(members.keySet());
    }

    Member member(String id) {
        Member m = members.get(id);
        if (m == null) {
            throw new IllegalArgumentException("no node " + id);
        }
        return m;
    }

    PaxosNode node(String id) {
        PaxosNode node = member(id).node;
        if (node == null) {
            throw new IllegalStateException(id + " is down");
        }
        return node;
    }

    NodeStatus status(String id) {
        return node(id).status();
    }

    boolean isUp(String id) {
        return member(id).node != null;
    }

    InMemoryStorage storage(String id) {
        return member(id).storage;
    }

    /** Every delivery the node's application applied, in order, across restarts. */
    List<Delivery> delivered(String id) {
        return List.copyOf(member(id).applied);
    }

    /** Every Ready the node produced, across incarnations, in order. */
    List<Drained> drained(String id) {
        return List.copyOf(member(id).drained);
    }

    /** Every message the node handed to the network (delivered, queued or lost). */
    List<Message> sent(String id) {
        return List.copyOf(member(id).sent);
    }

    /** Messages the node sent after the first {@code mark} ones (take a mark with {@code sent(id).size()}). */
    List<Message> sentSince(String id, int mark) {
        List<Message> all = member(id).sent;
        return List.copyOf(all.subList(mark, all.size()));
    }

    void tick(String id) {
        node(id).tick();
        process(member(id));
    }

    void tick(String id, int times) {
        for (int i = 0; i < times; i++) {
            tick(id);
        }
    }

    /** A client publishes {@code label} through node {@code id}; returns the command's id (null: refused). */
    CommandId submit(String id, String label) {
        CommandId command = node(id).submit(label.getBytes(StandardCharsets.UTF_8));
        process(member(id));
        return command;
    }

    void flush(String id) {
        node(id).flush();
        process(member(id));
    }

    /**
     * Several messages the test wrote arrive at {@code to} before its output is drained: their
     * answers leave together after one group commit.
     */
    void injectAll(String to, List<Message> messages) {
        PaxosNode node = node(to);
        for (Message message : messages) {
            node.step(message);
        }
        process(member(to));
    }

    /** Called after each Ready of any node was handled (persisted, sent, applied). */
    void onEveryReady(Consumer<Drained> observer) {
        observers.add(observer);
    }

    /** A message the test wrote arrives at its addressee (as if from the network). */
    void inject(Message message) {
        Member target = member(message.to());
        if (target.node == null) {
            return; // lost
        }
        target.node.step(message);
        process(target);
    }

    /** The process dies: everything not in storage is gone. */
    void crash(String id) {
        member(id).node = null;
    }

    /** The process dies and its disk is lost: it restarts on a blank store. */
    void wipe(String id) {
        member(id).node = null;
        member(id).storage.wipe();
    }

    /** A new incarnation from the node's storage; its application replays the log from slot 1. */
    void restart(String id) {
        Member m = member(id);
        if (m.node != null) {
            throw new IllegalStateException(id + " is up");
        }
        start(m);
    }

    /**
     * Ticks {@code id} (and no one else) until it campaigns, then lets every message through that is
     * not held. Fails unless it ends up leader.
     */
    Ballot elect(String id) {
        campaign(id);
        runUntilQuiet();
        NodeStatus status = status(id);
        if (!"leader".equals(status.role())) {
            throw new AssertionError(id + " did not become leader: " + status);
        }
        return status.ballot();
    }

    /** Ticks {@code id} (and no one else) until it starts phase 1; returns the ballot of its Prepares. */
    Ballot campaign(String id) {
        int mark = sent(id).size();
        for (int i = 0; i < 4 * ELECTION_TICKS && "follower".equals(status(id).role()); i++) {
            tick(id);
        }
        for (Message m : sentSince(id, mark)) {
            if (m instanceof Message.Prepare p) {
                return p.ballot();
            }
        }
        throw new AssertionError(id + " did not campaign: " + status(id));
    }

    // ---------------------------------------------------------------- network

    /** The matching messages in the network, oldest first. */
    List<Message> queued(Predicate<Message> which) {
        return network.stream().filter(which).toList();
    }

    /** From now on every message to or from {@code id} is lost. */
    void isolate(String id) {
        isolated.add(id);
    }

    void heal() {
        isolated.clear();
    }

    /** Matching messages stay in the network (not delivered by {@link #runUntilQuiet}) until released. */
    void hold(Predicate<Message> which) {
        holds.add(which);
    }

    void releaseHolds() {
        holds.clear();
    }

    /** Loses every matching message now in the network; returns how many. */
    int drop(Predicate<Message> which) {
        int n = 0;
        for (Iterator<Message> it = network.iterator(); it.hasNext(); ) {
            Message m = it.next();
            if (which.test(m)) {
                it.remove();
                n++;
            }
        }
        return n;
    }

    /** Delivers the oldest matching message (holds do not apply); fails if there is none. */
    Message deliverFirst(Predicate<Message> which) {
        for (Iterator<Message> it = network.iterator(); it.hasNext(); ) {
            Message m = it.next();
            if (which.test(m)) {
                it.remove();
                arrive(m);
                return m;
            }
        }
        throw new AssertionError("no such message in the network: " + network);
    }

    /** Delivers the matching messages now in the network, oldest first (not what they cause). */
    int deliver(Predicate<Message> which) {
        List<Message> batch = new ArrayList<>();
        for (Iterator<Message> it = network.iterator(); it.hasNext(); ) {
            Message m = it.next();
            if (which.test(m)) {
                it.remove();
                batch.add(m);
            }
        }
        batch.forEach(this::arrive);
        return batch.size();
    }

    /** Delivers messages, oldest first, until only held ones remain. */
    void runUntilQuiet() {
        for (int steps = 0; ; steps++) {
            if (steps > MAX_STEPS) {
                throw new AssertionError("the cluster does not settle: " + network.size() + " messages queued");
            }
            Message next = null;
            for (Iterator<Message> it = network.iterator(); it.hasNext(); ) {
                Message m = it.next();
                if (holds.stream().noneMatch(h -> h.test(m))) {
                    it.remove();
                    next = m;
                    break;
                }
            }
            if (next == null) {
                return;
            }
            arrive(next);
        }
    }

    // ---------------------------------------------------------------- plumbing

    private void start(Member m) {
        m.incarnation++;
        RandomGenerator random = RandomGeneratorFactory.<RandomGenerator>of("L64X128MixRandom")
                .create(m.id.hashCode() * 31L + m.incarnation + seed * 1_000_003L);
        if (m.incarnation == 1 && !blank.contains(m.id)) {
            m.storage.write(List.of(new StorageWrite.Intact(java.util.Map.of()))); // a new cluster's voter
        }
        m.applied.clear();
        m.node = PlantedBugs.node(bugs, m.config, m.storage.load(), m.storage, clock, random);
        process(m);
    }

    private void arrive(Message m) {
        Member target = members.get(m.to());
        if (target == null || target.node == null || isolated.contains(m.to())) {
            return; // lost: the addressee is down or cut off
        }
        target.node.step(m);
        process(target);
    }

    /** Persist, then send, then apply: the order {@link Ready} demands. */
    private void process(Member m) {
        for (int rounds = 0; m.node != null; rounds++) {
            if (rounds > 1_000) {
                throw new AssertionError(m.id + " never runs out of output");
            }
            Ready ready = m.node.drain();
            if (ready.isEmpty()) {
                return;
            }
            Drained drained = new Drained(m.id, m.incarnation, durable(m.storage), ready);
            m.drained.add(drained);
            m.storage.write(ready.writes());
            for (Message message : ready.messages()) {
                m.sent.add(message);
                if (!isolated.contains(message.from()) && !isolated.contains(message.to())) {
                    network.add(message);
                }
            }
            for (Delivery delivery : ready.deliveries()) {
                long expected = m.applied.size() + 1;
                if (delivery.slot() != expected) {
                    throw new AssertionError(m.id + " delivered slot " + delivery.slot() + ", expected " + expected
                            + " (hold-back: slot n only after n-1)");
                }
                m.applied.add(delivery);
            }
            for (var observer : observers) {
                observer.accept(drained);
            }
        }
    }

    private static Durable durable(InMemoryStorage storage) {
        DurableState state = storage.load();
        Map<Long, SlotEntry> slots = new TreeMap<>();
        for (SlotEntry e : state.slots()) {
            slots.put(e.slot(), e);
        }
        return new Durable(state.promised(), state.chosenPrefix(), slots);
    }

    // ---------------------------------------------------------------- helpers for tests

    private static final java.util.concurrent.atomic.AtomicLong COUNTER = new java.util.concurrent.atomic.AtomicLong();

    /** A command written by a test (not submitted through a node): a fresh id, payload {@code label}. */
    static Command command(String label) {
        return new Command(new CommandId("test", 1, COUNTER.incrementAndGet()), 0,
                label.getBytes(StandardCharsets.UTF_8));
    }

    /** A batch of fresh commands written by a test. */
    static Value batch(long timestampMillis, String... labels) {
        List<Command> commands = new ArrayList<>();
        for (String label : labels) {
            commands.add(command(label));
        }
        return Value.batch(timestampMillis, 0, commands);
    }

    static String label(Command command) {
        return new String(command.payload(), StandardCharsets.UTF_8);
    }

    /** The payload labels of {@code commands}, in order. */
    static List<String> labels(List<Command> commands) {
        return commands.stream().map(TestCluster::label).toList();
    }

    /** The labels a node applied, in order (commands chosen a second time are left out by the learner). */
    static List<String> appliedIds(List<Delivery> deliveries) {
        List<String> ids = new ArrayList<>();
        for (Delivery d : deliveries) {
            ids.addAll(labels(d.commands()));
        }
        return ids;
    }

    static <T extends Message> Predicate<Message> is(Class<T> type) {
        return type::isInstance;
    }

    static Predicate<Message> from(String id) {
        return m -> m.from().equals(id);
    }

    static Predicate<Message> to(String id) {
        return m -> m.to().equals(id);
    }

    static Predicate<Message> acceptFor(long slot) {
        return m -> m instanceof Message.Accept a && a.slot() == slot;
    }

    static Predicate<Message> acceptedFor(long slot) {
        return m -> m instanceof Message.Accepted a && a.slot() == slot;
    }
}
