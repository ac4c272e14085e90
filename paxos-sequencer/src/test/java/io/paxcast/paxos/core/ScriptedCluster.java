package io.paxcast.paxos.core;

import io.paxcast.paxos.core.Message.SlotEntry;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * {@link TestCluster} as the scenario scripts ({@code io.paxcast.paxos.core.script}) see it: the same
 * cluster, reached through a public face in terms of the core's public types, so the script runner can
 * live in a package of its own without TestCluster changing. Every method hands straight through; the
 * semantics (synchronous, nothing moves unless asked, persist, then send, then apply) are TestCluster's.
 */
public final class ScriptedCluster {

    public static final int HEARTBEAT_TICKS = TestCluster.HEARTBEAT_TICKS;
    public static final int ELECTION_TICKS = TestCluster.ELECTION_TICKS;
    public static final int RETRANSMIT_TICKS = TestCluster.RETRANSMIT_TICKS;
    public static final int RESUBMIT_TICKS = TestCluster.RESUBMIT_TICKS;

    /** How a script's {@code cluster} line configures the cluster (TestCluster's defaults where unset). */
    public record Options(int size, Integer pipelineWindow, Integer batchCommands, Integer catchupBatchSlots,
                          long seed, Set<InjectedBug> bugs, boolean stickiness, boolean preVote) {

        public static Options of(int size) {
            return new Options(size, null, null, null, 0, Set.of(), false, false);
        }
    }

    /** One Ready a node produced, with what its store held just before the Ready's writes. */
    public record ReadyEvent(String nodeId, Ballot promisedBefore, Map<Long, SlotEntry> slotsBefore, Ready ready) {}

    private final TestCluster cluster;

    private ScriptedCluster(TestCluster cluster) {
        this.cluster = cluster;
    }

    public static ScriptedCluster create(Options o) {
        TestCluster.Builder b = TestCluster.builder(o.size())
                .seed(o.seed())
                .bugs(o.bugs())
                .stickiness(o.stickiness())
                .preVote(o.preVote());
        if (o.pipelineWindow() != null) {
            b.pipeline(o.pipelineWindow(), o.batchCommands());
        }
        if (o.catchupBatchSlots() != null) {
            b.catchupBatchSlots(o.catchupBatchSlots());
        }
        return new ScriptedCluster(b.build());
    }

    // ---------------------------------------------------------------- nodes

    public List<String> ids() {
        return cluster.ids();
    }

    public boolean isUp(String id) {
        return cluster.isUp(id);
    }

    public NodeStatus status(String id) {
        return cluster.status(id);
    }

    public CommandId submit(String id, String label) {
        return cluster.submit(id, label);
    }

    public void flush(String id) {
        cluster.flush(id);
    }

    public void tick(String id, int times) {
        cluster.tick(id, times);
    }

    public Ballot campaign(String id) {
        return cluster.campaign(id);
    }

    public Ballot elect(String id) {
        return cluster.elect(id);
    }

    public void crash(String id) {
        cluster.crash(id);
    }

    public void wipe(String id) {
        cluster.wipe(id);
    }

    public void restart(String id) {
        cluster.restart(id);
    }

    // ---------------------------------------------------------------- what a node holds

    /** What the node's application applied in its current run, in order. */
    public List<Delivery> delivered(String id) {
        return cluster.delivered(id);
    }

    /** Every message the node handed to the network so far, across incarnations. */
    public List<Message> sent(String id) {
        return cluster.sent(id);
    }

    /** The node's disk, as a restart would find it. */
    public DurableState durable(String id) {
        return cluster.storage(id).load();
    }

    public Optional<Value> chosenOnDisk(String id, long slot) {
        return cluster.storage(id).chosen(slot);
    }

    public void onEveryReady(Consumer<ReadyEvent> observer) {
        cluster.onEveryReady(d -> observer.accept(new ReadyEvent(d.nodeId(), d.before().promised(),
                d.before().slots(), d.ready())));
    }

    // ---------------------------------------------------------------- network

    public void inject(Message message) {
        cluster.inject(message);
    }

    public List<Message> queued(Predicate<Message> which) {
        return cluster.queued(which);
    }

    public Message deliverFirst(Predicate<Message> which) {
        return cluster.deliverFirst(which);
    }

    public int deliver(Predicate<Message> which) {
        return cluster.deliver(which);
    }

    public int drop(Predicate<Message> which) {
        return cluster.drop(which);
    }

    public void hold(Predicate<Message> which) {
        cluster.hold(which);
    }

    public void releaseHolds() {
        cluster.releaseHolds();
    }

    public void runUntilQuiet() {
        cluster.runUntilQuiet();
    }

    // ---------------------------------------------------------------- values written by a script

    /** A batch of fresh commands (new ids) with these payload labels, as TestCluster's tests write them. */
    public static Value batch(long timestampMillis, List<String> labels) {
        return TestCluster.batch(timestampMillis, labels.toArray(String[]::new));
    }

    public static String label(Command command) {
        return TestCluster.label(command);
    }
}
