package io.paxcast.paxos.vertx;

import io.paxcast.paxos.apply.DeliveryApplier;
import io.paxcast.paxos.apply.ReadyLoop;
import io.paxcast.paxos.core.Checkpoint;
import io.paxcast.paxos.core.Clock;
import io.paxcast.paxos.core.CommandId;
import io.paxcast.paxos.core.Delivery;
import io.paxcast.paxos.core.Message;
import io.paxcast.paxos.core.MemberChange;
import io.paxcast.paxos.core.NodeStatus;
import io.paxcast.paxos.core.PaxosConfig;
import io.paxcast.paxos.core.PaxosNode;
import io.paxcast.paxos.storage.PaxosStorage;
import io.paxcast.paxos.transport.Transport;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;

/**
 * Drives one {@link PaxosNode}: the caller's loop of etcd-raft, made asynchronous, on a context of its
 * own.
 *
 * <p>Why its own thread: consensus traffic must never queue behind bulk work. Heartbeats, Accepts and
 * Accepteds are stepped on the sequencer's {@link DedicatedEventLoop}, a thread that runs nothing else;
 * HTTP parsing, WebSocket fan-out and history reads run on the application's context (the one
 * {@link #start} was called on). Measured before: with both on one context, 4,200 publishing
 * connections starved the heartbeats and leadership changed 20 times in 30 s; on a context of its own
 * that Vert.x handed out round-robin, the two could still share a thread. A worker context on a
 * one-thread pool is not the way out: the clustered event bus resolves a destination with a blocking
 * cluster-manager lookup on the sending context's worker pool, and under a partition that blocked the
 * sequencer's only thread for 110 s (fault suite).
 *
 * <p>Inputs (peer messages, ticks, client submissions) are stepped into the node on the sequencer's
 * context. Output is taken one Ready at a time by a {@link ReadyLoop} (the loop the simulator runs
 * too): its writes go to storage on a dedicated single worker thread, and only when they are durable
 * are its messages sent and its deliveries handed to the application, on the application's context,
 * in order. At most {@link #MAX_UNAPPLIED_SLOTS} slots and about {@link #MAX_UNAPPLIED_BYTES} bytes of
 * values are handed over and not yet applied; past either the chosen slots wait in storage (bounded
 * memory whatever the application's pace and the size of its messages). The storage
 * thread is {@link StorageThread}; the leader it follows, logged and counted, {@link LeaderWatch}.
 *
 * <p>Threading: the public methods are called on the application's context; {@link #status()} and
 * {@link #failure()} on any thread.
 */
public final class SequencerDriver {
    private static final Logger log = LoggerFactory.getLogger(SequencerDriver.class);
    /** Delivered slots handed to the application's context and not yet applied there, at most. */
    static final int MAX_UNAPPLIED_SLOTS = 2048;
    /**
     * Bytes of delivered values ({@link io.paxcast.paxos.core.Value#weight}) handed over and not yet
     * applied, at most (plus the one slot that crossed it): 2048 slots of 128 KiB would be 256 MiB.
     */
    static final long MAX_UNAPPLIED_BYTES = 16L << 20;

    private final Vertx vertx;
    private final PaxosConfig config;
    private final PaxosStorage storage;
    private final Transport transport;
    private final long tickMillis;
    private final DeliveryApplier applier;
    private final Runnable onFailure;
    private final RandomGenerator random;
    private final Clock clock;
    private final StorageThread storageThread;
    private final LeaderWatch leaders;
    private final AtomicInteger unapplied = new AtomicInteger();
    private final AtomicLong unappliedBytes = new AtomicLong();
    private final Checkpoint resumeFrom;

    private Context appContext;
    private Context context;
    private DedicatedEventLoop loopThread;
    private PaxosNode node;
    private ReadyLoop loop;
    private boolean pumpScheduled;
    private long timerId = -1;
    private long flushTimerId = -1;
    private long flushMillis;
    private volatile String failure;
    private volatile NodeStatus status;

    /**
     * @param onDelivery applies one delivery, on the application's context; if it throws, the node stops
     *                   ({@link DeliveryApplier})
     * @param onFailure  called once, on the application's context, when the node stopped for good (a
     *                   storage failure, a safety check, a delivery it could not apply): the caller stops serving
     */
    public SequencerDriver(Vertx vertx, PaxosConfig config, PaxosStorage storage, Transport transport,
                           long tickMillis, Consumer<Delivery> onDelivery, Runnable onFailure, RandomGenerator random,
                           Clock clock) {
        this(vertx, config, storage, transport, tickMillis, onDelivery, onFailure, random, clock, null);
    }

    /**
     * @param resumeFrom the checkpoint of the snapshot the application restored its state from: the
     *                   node delivers from the slot after it (null: from slot 1)
     */
    public SequencerDriver(Vertx vertx, PaxosConfig config, PaxosStorage storage, Transport transport,
                           long tickMillis, Consumer<Delivery> onDelivery, Runnable onFailure, RandomGenerator random,
                           Clock clock, Checkpoint resumeFrom) {
        this.resumeFrom = resumeFrom;
        this.vertx = vertx;
        this.applier = new DeliveryApplier(onDelivery);
        this.onFailure = onFailure;
        this.config = config;
        this.storage = storage;
        this.transport = transport;
        this.tickMillis = tickMillis;
        this.random = random;
        this.clock = clock;
        this.storageThread = new StorageThread(vertx, config.nodeId(), storage);
        this.leaders = new LeaderWatch(config.nodeId(), log);
    }

    /**
     * Loads the durable state (off the event loop), builds the node on a context of its own, starts
     * ticking and receiving. Every chosen slot is delivered again from slot 1, or from the slot after the
     * checkpoint the application resumed from: the application state is a function of the log. Fails
     * if the store belongs to another node.
     */
    public Future<Void> start() {
        appContext = vertx.getOrCreateContext();
        loopThread = new DedicatedEventLoop(vertx, "paxcast-sequencer-" + config.nodeId());
        context = loopThread.context();
        Promise<Void> started = Promise.promise();
        context.runOnContext(v -> storageThread.load().map(state -> {
            node = new PaxosNode(config, state, storage, clock, random, resumeFrom);
            loop = new ReadyLoop(node, storageThread::write, transport::send, new DeliveryApplier(this::handOver),
                    this::schedulePump, this::fail, this::deliveryAllowance);
            transport.receive(config.nodeId(), this::onMessage);
            scheduleTick();
            startFlushTimer();
            log.info("event=sequencer_started node={} voters={} promised={} chosenPrefix={} deliversFrom={} pendingSlots={}"
                    + " votes={}{}", config.nodeId(), config.voters(), state.promised(), state.chosenPrefix(),
                    resumeFrom == null ? 1 : resumeFrom.slot() + 1,
                    state.slots().size(), node.votes(), node.votes() ? "" : " note=\"" + (config.voting()
                            ? "blank store: a learner until every voter answered and rejoining is proven safe"
                            + " (docs/FAULTS.md)" : "configured learner") + "\"");
            pump();
            return (Void) null;
        }).onComplete(ar -> appContext.runOnContext(x -> {
            if (ar.failed()) {
                context = null; // nothing runs on it: stop() has only the storage thread to close
                loopThread.close();
            }
            started.handle(ar);
        })));
        return started.future();
    }

    /**
     * Submits a command with this node as its origin. Completes (on the application's context) with its
     * id, or null if refused (back-pressure, or the node stopped). Its delivery always comes after.
     */
    public Future<CommandId> submit(byte[] payload) {
        if (context == null || failure != null) {
            return Future.succeededFuture(null);
        }
        Promise<CommandId> promise = Promise.promise();
        context.runOnContext(v -> {
            CommandId[] id = new CommandId[1];
            if (node != null && failure == null && guard(() -> id[0] = node.submit(payload))) {
                pump();
            }
            appContext.runOnContext(x -> promise.complete(id[0]));
        });
        return promise.future();
    }

    /**
     * Asks the node to propose a membership change ({@link PaxosNode#changeMembership}); completes on the
     * application's context with the node's answer, or with {@link MemberChange.Outcome#NOT_LEADER} if
     * the node is not running.
     */
    public Future<MemberChange.Answer> changeMembership(MemberChange change) {
        MemberChange.Answer stopped = new MemberChange.Answer(MemberChange.Outcome.NOT_LEADER, "the node is not running",
                null, null);
        if (context == null || failure != null) {
            return Future.succeededFuture(stopped);
        }
        Promise<MemberChange.Answer> promise = Promise.promise();
        context.runOnContext(v -> {
            MemberChange.Answer[] answer = {stopped};
            if (node != null && failure == null && guard(() -> answer[0] = node.changeMembership(change))) {
                pump();
            }
            appContext.runOnContext(x -> promise.complete(answer[0]));
        });
        return promise.future();
    }

    /** The client of {@code id} gave up: stop handing it to leaders. */
    public void abandon(CommandId id) {
        if (context != null) {
            context.runOnContext(v -> {
                if (node != null && failure == null) {
                    guard(() -> node.abandon(id));
                }
            });
        }
    }

    /**
     * The application holds a durable snapshot past {@code belowSlot - 1} and keeps no history below
     * {@code belowSlot}: the node may forget (and its storage reclaim) the slots below it
     * ({@link PaxosNode#compact}).
     */
    public void compact(long belowSlot) {
        if (context != null) {
            context.runOnContext(v -> {
                if (node != null && failure == null && guard(() -> node.compact(belowSlot))) {
                    pump();
                }
            });
        }
    }

    /**
     * The application replaced its state by a snapshot installed from a peer ({@link NodeStatus#installFrom}
     * asked for it), on the application's context: deliveries up to it that are on their way here are
     * dropped, and the node goes on from the slot after it ({@link PaxosNode#install}).
     */
    public void install(Checkpoint checkpoint) {
        applier.installedThrough(checkpoint.slot());
        if (context != null) {
            context.runOnContext(v -> {
                if (node != null && failure == null && guard(() -> node.install(checkpoint))) {
                    pump();
                }
            });
        }
    }

    /**
     * The sequencer's own context (null before {@link #start()}): for tests and diagnostics that must
     * run beside the protocol. Whatever runs here delays every heartbeat and vote of this node.
     */
    public io.vertx.core.Context context() {
        return context;
    }

    /** The node's view as of its last step (any thread). */
    public NodeStatus status() {
        return status;
    }

    /** Non-null once the node stopped for good: it no longer votes, leads or delivers. */
    public String failure() {
        return failure;
    }

    public long groupsWritten() {
        ReadyLoop l = loop;
        return l == null ? 0 : l.groupsWritten();
    }

    public long writesWritten() {
        ReadyLoop l = loop;
        return l == null ? 0 : l.writesWritten();
    }

    public long messagesSent() {
        ReadyLoop l = loop;
        return l == null ? 0 : l.messagesSent();
    }

    /**
     * How often this node saw a new ballot lead after the first leader it saw: elections since it started
     * (a busy leader deposed counts here). Any thread.
     */
    public long leaderChanges() {
        return leaders.leaderChanges();
    }

    /** Paxos messages refused because their sender is outside the membership this node knows. Any thread. */
    public long refusedFromOutsiders() {
        PaxosNode n = node;
        return n == null ? 0 : n.refusedFromOutsiders();
    }

    /** How often this node lost touch with the leader it had (its view went to "no leader"). Any thread. */
    public long leaderLosses() {
        return leaders.leaderLosses();
    }

    /** Slots delivered and handed to the application, not applied yet. */
    public int unappliedSlots() {
        return unapplied.get();
    }

    /** Bytes of the values of {@link #unappliedSlots()} (their weight). Any thread. */
    public long unappliedBytes() {
        return unappliedBytes.get();
    }

    /**
     * How many more slots the application can be handed now: none while either bound is reached, and
     * no more than the byte room left holds slots of the largest batch (one Ready may hand over many).
     */
    private int deliveryAllowance() {
        long room = MAX_UNAPPLIED_BYTES - unappliedBytes.get();
        if (room <= 0) {
            return 0;
        }
        long largestSlot = 48 + config.maxBatchBytes() + 64L * config.maxBatchCommands();
        return (int) Math.min(MAX_UNAPPLIED_SLOTS - unapplied.get(), Math.max(1, room / largestSlot));
    }

    /**
     * The loop's application, on the sequencer's context: hands the delivery to the application's
     * context, where it is applied in order (tasks posted from one thread run in the order posted).
     */
    private void handOver(Delivery delivery) {
        long weight = delivery.value().weight();
        unapplied.incrementAndGet();
        unappliedBytes.addAndGet(weight);
        appContext.runOnContext(v -> {
            boolean ok = failure == null && applier.apply(List.of(delivery));
            long bytesLeft = unappliedBytes.addAndGet(-weight);
            boolean bytesHalved = bytesLeft < MAX_UNAPPLIED_BYTES / 2 && bytesLeft + weight >= MAX_UNAPPLIED_BYTES / 2;
            if (unapplied.decrementAndGet() == MAX_UNAPPLIED_SLOTS / 2 || bytesHalved) {
                context.runOnContext(x -> pump()); // the application caught up: deliver more
            }
            if (!ok && applier.failure() != null) {
                String why = applier.failure();
                context.runOnContext(x -> fail(why));
            }
        });
    }

    /**
     * Under an interval fsync policy: forces pending groups every {@code millis}, on the storage thread.
     * Call before {@link #start}.
     */
    public void flushEvery(long millis) {
        this.flushMillis = millis;
    }

    private void startFlushTimer() {
        if (flushMillis > 0) {
            flushTimerId = vertx.setPeriodic(flushMillis, id -> {
                if (loop != null && !loop.persisting() && failure == null) {
                    storageThread.flush();
                }
            });
        }
    }

    /** Stops ticking and receiving; completes once the sequencer's thread took its last step. */
    public Future<Void> stop() {
        if (context == null) {
            storageThread.close();
            return Future.succeededFuture();
        }
        // completed on the caller's context: the sequencer's thread is gone by then
        Context caller = vertx.getOrCreateContext();
        Promise<Void> stopped = Promise.promise();
        context.runOnContext(v -> {
            stopOnContext();
            caller.runOnContext(x -> {
                loopThread.close(); // after the last step: nothing is handed to the thread after this
                storageThread.close();
                stopped.complete();
            });
        });
        return stopped.future();
    }

    /** On the sequencer's context: no more ticks, messages or steps. */
    private void stopOnContext() {
        if (timerId >= 0) {
            vertx.cancelTimer(timerId);
        }
        if (flushTimerId >= 0) {
            vertx.cancelTimer(flushTimerId);
        }
        transport.close(); // the event bus must not hand the sequencer more messages
        node = null;
    }

    private void onMessage(Message message) {
        if (node == null || failure != null) {
            return;
        }
        if (guard(() -> node.step(message))) {
            schedulePump();
        }
    }

    /**
     * One tick {@code tickMillis} after the previous one was handled, re-armed each time (not a periodic
     * timer). A loop that stalled (a GC pause, a starved CPU) gets one late tick, not the burst of missed
     * ones a periodic timer fires back to back afterwards, which would count out an election timeout before
     * the heartbeats waiting behind it are read; and a loaded node's ticks slow down with its load, so
     * its patience with a leader as loaded as itself grows too. Measured under the overload test: with
     * a periodic timer 20 to 37 leader changes in 30 s; with a periodic timer that skips the burst, 3 in
     * 26 s; re-armed, none.
     */
    private void scheduleTick() {
        timerId = vertx.setTimer(tickMillis, id -> {
            onTick();
            if (node != null) {
                scheduleTick();
            }
        });
    }

    private void onTick() {
        if (node == null || failure != null) {
            return;
        }
        if (guard(node::tick)) {
            pump();
            leaders.observe(status);
        }
    }

    /**
     * Runs a step of the core. A storage that cannot read what it wrote, or a safety check that
     * fires, stops this node for good: it no longer votes, leads or delivers (DESIGN.md P4).
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
        if (loop != null) {
            loop.fail(why);
        }
        appContext.runOnContext(v -> onFailure.run());
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
        if (node != null) {
            status = node.status();
        }
    }
}
