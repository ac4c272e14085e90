package io.paxcast.paxos.vertx;

import io.paxcast.paxos.apply.DeliveryApplier;
import io.paxcast.paxos.apply.ReadyLoop;
import io.paxcast.paxos.core.StorageWrite;
import io.paxcast.paxos.core.Clock;
import io.paxcast.paxos.core.CommandId;
import io.paxcast.paxos.core.Delivery;
import io.paxcast.paxos.core.DurableState;
import io.paxcast.paxos.core.Message;
import io.paxcast.paxos.core.NodeStatus;
import io.paxcast.paxos.core.PaxosConfig;
import io.paxcast.paxos.core.PaxosNode;
import io.paxcast.paxos.storage.PaxosStorage;
import io.paxcast.paxos.transport.Transport;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;

/**
 * Drives one {@link PaxosNode} on a Vert.x context: the caller's loop of etcd-raft, made
 * asynchronous.
 *
 * <p>Inputs (peer messages, ticks from a periodic timer, client submissions) are stepped into the
 * node on its context. Output is taken one Ready at a time by a {@link ReadyLoop} (the loop the
 * simulator runs too): its writes go to the storage on a dedicated single worker thread (never the
 * event loop), and only when they are durable are its messages sent and its deliveries applied. While a group is being written, new inputs accumulate in
 * the node, so the next group carries all of them: group commit and batching come from the same
 * mechanism, with no timer.
 *
 * <p>Threading: every public method must be called on the context {@link #start} ran on.
 */
public final class SequencerDriver {
    private static final Logger log = LoggerFactory.getLogger(SequencerDriver.class);

    private final Vertx vertx;
    private final PaxosConfig config;
    private final PaxosStorage storage;
    private final Transport transport;
    private final long tickMillis;
    private final DeliveryApplier applier;
    private final Runnable onFailure;
    private final RandomGenerator random;
    private final Clock clock;
    private final WorkerExecutor storageThread;

    private Context context;
    private PaxosNode node;
    private ReadyLoop loop;
    private boolean pumpScheduled;
    private long timerId = -1;
    private long flushTimerId = -1;
    private volatile String failure;

    /**
     * @param onDelivery applies one delivery; if it throws, the node stops ({@link DeliveryApplier})
     * @param onFailure  called once, on the node's context, when the node stopped for good (a storage
     *                   failure, a safety check, a delivery it could not apply): the caller stops serving
     */
    public SequencerDriver(Vertx vertx, PaxosConfig config, PaxosStorage storage, Transport transport,
                           long tickMillis, Consumer<Delivery> onDelivery, Runnable onFailure, RandomGenerator random,
                           Clock clock) {
        this.vertx = vertx;
        this.applier = new DeliveryApplier(onDelivery);
        this.onFailure = onFailure;
        this.config = config;
        this.storage = storage;
        this.transport = transport;
        this.tickMillis = tickMillis;
        this.random = random;
        this.clock = clock;
        this.storageThread = vertx.createSharedWorkerExecutor("paxcast-storage-" + config.nodeId(), 1);
    }

    /**
     * Loads the durable state (off the event loop), builds the node, starts ticking and receiving.
     * Every chosen slot is delivered again from slot 1: the application state is a function of the log.
     * Fails if the store belongs to another node.
     */
    public Future<Void> start() {
        context = vertx.getOrCreateContext();
        return storageThread.<DurableState>executeBlocking(storage::load, true).map(state -> {
            node = new PaxosNode(config, state, storage, clock, random);
            loop = new ReadyLoop(node, this::write, transport::send, applier, this::schedulePump, this::fail);
            transport.receive(config.nodeId(), this::onMessage);
            timerId = vertx.setPeriodic(tickMillis, id -> onTick());
            log.info("event=sequencer_started node={} voters={} promised={} chosenPrefix={} pendingSlots={} votes={}{}",
                    config.nodeId(), config.voters(), state.promised(), state.chosenPrefix(), state.slots().size(),
                    node.votes(), node.votes() ? "" : " note=\"" + (config.voting() ? "blank store: a learner until every"
                            + " voter answered and rejoining is proven safe (docs/FAULTS.md)" : "configured learner") + "\"");
            pump();
            return null;
        });
    }

    /** Submits a command with this node as its origin; null if refused (back-pressure, or stopped). */
    public CommandId submit(byte[] payload) {
        if (node == null || failure != null) {
            return null;
        }
        CommandId[] id = new CommandId[1];
        if (!guard(() -> id[0] = node.submit(payload))) {
            return null;
        }
        pump();
        return id[0];
    }

    /** The client of {@code id} gave up: stop handing it to leaders. */
    public void abandon(CommandId id) {
        if (node != null && failure == null) {
            guard(() -> node.abandon(id));
        }
    }

    public NodeStatus status() {
        return node == null ? null : node.status();
    }

    /** Non-null once the storage failed: the node stopped voting and leading. */
    public String failure() {
        return failure;
    }

    public long groupsWritten() {
        return loop == null ? 0 : loop.groupsWritten();
    }

    public long writesWritten() {
        return loop == null ? 0 : loop.writesWritten();
    }

    public long messagesSent() {
        return loop == null ? 0 : loop.messagesSent();
    }

    /** The loop's storage: each group on the storage thread (never the event loop), completed on the context. */
    private void write(List<StorageWrite> writes, java.util.function.Consumer<Throwable> done) {
        storageThread.<Void>executeBlocking(() -> {
            storage.write(writes);
            return null;
        }, true).onComplete(ar -> done.accept(ar.failed() ? ar.cause() : null));
    }

    /** Under an interval fsync policy: forces pending groups every {@code millis}, on the storage thread. */
    public void flushEvery(long millis) {
        flushTimerId = vertx.setPeriodic(millis, id -> {
            if (loop != null && !loop.persisting() && failure == null) {
                storageThread.executeBlocking(() -> {
                    storage.flush();
                    return null;
                }, true);
            }
        });
    }

    public void stop() {
        if (timerId >= 0) {
            vertx.cancelTimer(timerId);
        }
        if (flushTimerId >= 0) {
            vertx.cancelTimer(flushTimerId);
        }
        transport.close();
        node = null;
        storageThread.close();
    }

    private void onMessage(Message message) {
        if (node == null || failure != null) {
            return;
        }
        if (guard(() -> node.step(message))) {
            schedulePump();
        }
    }

    private void onTick() {
        if (node == null || failure != null) {
            return;
        }
        if (guard(node::tick)) {
            pump();
            logLeaderChange();
        }
    }

    private String lastLeader;

    /** One log line per change of the leader this node believes in (checked once per tick). */
    private void logLeaderChange() {
        NodeStatus status = node == null ? null : node.status();
        String leader = status == null || !status.leaderInTouch() ? null : status.leaderId();
        if (!java.util.Objects.equals(leader, lastLeader)) {
            log.info("event=leader_changed node={} leader={} ballot={} role={} chosenPrefix={}", config.nodeId(),
                    leader == null ? "none" : leader, status == null ? "-" : status.ballot(),
                    status == null ? "-" : status.role(), status == null ? 0 : status.chosenPrefix());
            lastLeader = leader;
        }
    }

    /**
     * Runs a step of the core. A storage that cannot read what it wrote, or a safety check that
     * fires, stops this node for good: it no longer votes, leads or delivers (PAXOS-NOTES 4).
     */
    private boolean guard(Runnable step) {
        try {
            step.run();
            return true;
        } catch (RuntimeException e) {
            fail(e.getClass().getSimpleName() + ": " + e.getMessage());
            return false;
        }
    }

    /** Stops the node for good: no more votes, leadership, deliveries or messages. */
    private void fail(String why) {
        if (failure != null) {
            return;
        }
        failure = why;
        log.error("event=node_stopped node={} error=\"{}\" action=\"no more votes, leadership, deliveries or answers;"
                + " restart the node (it replays its log; a store found corrupt restarts blank and rejoins)\"",
                config.nodeId(), failure);
        onFailure.run();
    }

    /**
     * Coalesces the pumps of a burst of incoming messages into one, run after the burst: more of
     * them share one write group.
     */
    private void schedulePump() {
        if (!pumpScheduled) {
            pumpScheduled = true;
            context.runOnContext(v -> {
                pumpScheduled = false;
                pump();
            });
        }
    }

    private void pump() {
        if (loop != null && failure == null) {
            loop.pump();
        }
    }
}
