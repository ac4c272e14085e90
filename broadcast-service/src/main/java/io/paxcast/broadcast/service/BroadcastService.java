package io.paxcast.broadcast.service;

import io.paxcast.broadcast.api.ApiException;
import io.paxcast.broadcast.config.NodeConfig;
import io.paxcast.broadcast.log.BroadcastLog;
import io.paxcast.broadcast.log.PublishCodec;
import io.paxcast.broadcast.publish.PublishValidator;
import io.paxcast.broadcast.log.PublishItem;
import io.paxcast.broadcast.log.PublishResult;
import io.paxcast.paxos.core.Delivery;
import io.paxcast.paxos.core.NodeStatus;
import io.paxcast.paxos.vertx.SequencerDriver;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The total-order multicast layer of one node: it turns publishes into sequencer commands, applies
 * the decided log in slot order into the {@link BroadcastLog}, answers each publisher once its
 * message is applied here (so the {@code seq} it returns is the one every node computes), and
 * multicasts every applied message to this node's {@link Subscribers}.
 *
 * <p>Wiring goes one way: the service makes its sequencer ({@link SequencerFactory}), handing it the
 * delivery and failure callbacks at construction, and names none of the edges (HTTP, WebSocket,
 * Kafka), which depend on it. The publishes waiting here and the bounds they count in are
 * {@link PublishWaiters}; the {@code /v1/cluster} body is {@link ClusterView}.
 *
 * <p>Threading: every method runs on the node's single context.
 */
public final class BroadcastService {
    private static final Logger log = LoggerFactory.getLogger(BroadcastService.class);

    /**
     * Makes the node's sequencer with the service's callbacks, which it calls only once started:
     * {@code onDelivery} for each delivered slot and {@code onFailure} once it stopped for good, both on
     * the application's context ({@link SequencerDriver}'s constructor).
     */
    @FunctionalInterface
    public interface SequencerFactory {
        SequencerDriver create(Consumer<Delivery> onDelivery, Runnable onFailure);
    }

    private final NodeConfig config;
    private final BroadcastLog broadcastLog;
    private final Subscribers subscribers;
    private final List<Runnable> appliedListeners = new ArrayList<>();
    private final List<Consumer<Delivery>> slotListeners = new ArrayList<>();
    private final PublishMetrics metrics;
    private final PublishValidator validator;
    private final SequencerDriver driver;
    private final PublishWaiters waiters;
    private final ClusterView clusterView;
    private final AppliedSeqWaits reads;
    private String failure;

    public BroadcastService(Vertx vertx, NodeConfig config, BroadcastLog broadcastLog, Subscribers subscribers,
                            PublishMetrics metrics, SequencerFactory sequencer) {
        this.config = config;
        this.broadcastLog = broadcastLog;
        this.subscribers = subscribers;
        this.metrics = metrics;
        this.validator = new PublishValidator(config.maxPayloadBytes());
        // The callbacks run only after driver.start(), so never on a half-built service.
        this.driver = sequencer.create(this::onDelivery, this::onNodeFailed);
        this.waiters = new PublishWaiters(vertx, config, broadcastLog, metrics, driver);
        this.clusterView = new ClusterView(this);
        this.reads = new AppliedSeqWaits(vertx, broadcastLog::headSeq, config.limits().readMaxWaitMillis(),
                config.limits().readMaxWaiting());
    }

    public BroadcastLog log() {
        return broadcastLog;
    }

    public NodeConfig config() {
        return config;
    }

    /** The rules every entrance applies to a message before {@link #publish}. */
    public PublishValidator validator() {
        return validator;
    }

    // ---------------------------------------------------------------- publish

    /**
     * Orders {@code items} together (one command, so one slot, contiguous {@code seq}s). Completes
     * with one result per item once the command is applied on this node. Fails with
     * {@link ApiException}: {@code overloaded}, {@code key_store_full} or {@code channel_limit} (429)
     * when a bound would be passed (nothing is submitted then), {@code no_quorum} (503) after
     * {@code publish.timeoutMillis}, {@code node_failed} (503) on a node that stopped.
     */
    public Future<List<PublishResult>> publish(List<PublishItem> items) {
        if (failure != null) {
            return Future.failedFuture(nodeFailed());
        }
        if (items.size() == 1 && items.get(0).key() != null) {
            Optional<PublishResult> earlier = broadcastLog.lookupKey(items.get(0).channel(), items.get(0).key());
            if (earlier.isPresent()) {
                return Future.succeededFuture(List.of(earlier.get()));
            }
        }
        ApiException refused = waiters.admit(items);
        if (refused != null) {
            metrics.refused(refused.code);
            return Future.failedFuture(refused);
        }
        byte[] payload = PublishCodec.encode(items);
        long started = System.nanoTime();
        int count = items.size(); // not the items: the request's bodies are garbage once encoded
        long[] expected = items.stream().anyMatch(PublishItem::conditional)
                ? items.stream().mapToLong(PublishItem::expectOffset).toArray() : null;
        // Counted at once, so the admission of the next request sees this one even before the sequencer
        // (on its own context) has taken it.
        PublishWaiters.Waiter waiter = waiters.reserve(items, payload.length);
        return driver.submit(payload).compose(id -> {
            if (id == null) {
                waiters.release(waiter);
                String why = driver.failure();
                ApiException e = why != null ? nodeFailed()
                        : new ApiException(429, "overloaded", "the sequencer holds as much as it may; retry later", 1);
                metrics.refused(e.code);
                return Future.failedFuture(e);
            }
            return waiters.await(id, waiter).compose(results -> {
                ApiException mismatch = expected == null ? null : offsetMismatch(expected, results);
                if (mismatch != null) {
                    metrics.conditionFailed(); // ordered and decided, not refused at admission
                    return Future.failedFuture(mismatch);
                }
                if (count > 0) { // a read barrier publishes nothing
                    metrics.published(count, System.nanoTime() - started);
                }
                return Future.succeededFuture(results);
            });
        });
    }

    /**
     * {@code 409 offset_mismatch} for a conditional publish the log did not order (its first item whose
     * expected offset was not its channel's, with that offset), or null.
     */
    private static ApiException offsetMismatch(long[] expected, List<PublishResult> results) {
        if (results.isEmpty() || !results.get(0).mismatch()) {
            return null;
        }
        for (int i = 0; i < expected.length; i++) {
            PublishResult r = results.get(i);
            if (expected[i] != PublishItem.UNCONDITIONAL && expected[i] != r.offset()) {
                ApiException e = new ApiException(409, "offset_mismatch", "channel " + r.channel() + " was at offset "
                        + r.offset() + ", not " + expected[i] + ", where this publish was ordered; nothing was"
                        + " appended" + (expected.length > 1 ? " of the batch (item " + i + ")" : ""))
                        .withDetail("offset", r.offset()).withDetail("expected", expected[i]);
                return expected.length > 1 ? e.withDetail("index", i) : e;
            }
        }
        throw new IllegalStateException("a rejected conditional publish with every condition met");
    }

    /**
     * Read-your-writes: completes once this node has applied {@code seq} of the global log
     * ({@link AppliedSeqWaits}: bounded in count and time).
     */
    public Future<Void> appliedAtLeast(long seq) {
        return reads.await(seq);
    }

    /**
     * A linearizable read of the head: orders a command with no message through the leader and a
     * quorum, like any publish, and completes once this node applied it, with the seq of the last
     * message ordered before it. Every publish acknowledged before this call is at or below that seq.
     * Bounded and refused as publishes are (429 overloaded, 503 no_quorum).
     */
    public Future<Long> linearizableHead() {
        return publish(List.of()).map(none -> broadcastLog.headSeq());
    }

    /** Reads waiting for a {@code minSeq} now. */
    public int waitingReads() {
        return reads.waiting();
    }

    /** Null if a publish may be read now; else the 429 to answer before its body is even read. */
    public ApiException overloaded() {
        return waiters.overloaded();
    }

    // ---------------------------------------------------------------- apply

    /**
     * The sequencer delivered the next slot (durable on a majority, in order): apply and multicast it.
     * An exception here stops the node ({@link io.paxcast.paxos.apply.DeliveryApplier}): a half-applied
     * slot is never served.
     */
    private void onDelivery(Delivery delivery) {
        BroadcastLog.Applied applied = broadcastLog.apply(delivery);
        waiters.complete(applied.results());
        subscribers.onApplied(applied.messages());
        if (!applied.messages().isEmpty()) {
            reads.onApplied();
            for (Runnable listener : appliedListeners) {
                listener.run();
            }
        }
        for (Consumer<Delivery> listener : slotListeners) {
            listener.accept(delivery);
        }
    }

    /** Runs {@code listener} (on the node's context) after each slot is applied, with its delivery. */
    public void afterEachSlot(Consumer<Delivery> listener) {
        slotListeners.add(listener);
    }

    /** Runs {@code listener} (on the node's context) after each slot that appended messages. */
    public void onApplied(Runnable listener) {
        appliedListeners.add(listener);
    }

    /**
     * The sequencer stopped for good (it could not apply a slot, write its storage, or a safety check
     * fired): stop serving, visibly. Every waiting publish fails, every subscriber is closed with
     * {@code node_failed}, and the API answers 503 until the node is restarted.
     */
    private void onNodeFailed() {
        String why = driver.failure();
        failure = why == null ? "stopped" : why;
        waiters.failAll(this::nodeFailed);
        reads.failAll(failure);
        subscribers.closeAll("node_failed", "this node stopped: " + failure + "; resume on another node with after=<last seq>");
    }

    /** Non-null once the node stopped serving. */
    public String failure() {
        return failure;
    }

    private ApiException nodeFailed() {
        return new ApiException(503, "node_failed", "this node stopped: " + failure + "; use another node", 5);
    }

    // ---------------------------------------------------------------- status

    /** In a quorum (a leader is in touch) and caught up with the leader's commit point. */
    public boolean isReady() {
        if (driver.failure() != null || failure != null) {
            return false;
        }
        NodeStatus status = driver.status();
        if (status == null || !status.leaderInTouch()) {
            return false;
        }
        return status.deliveredUpTo() + config.paxos().pipelineWindow() >= status.leaderCommit();
    }

    public NodeStatus status() {
        return driver.status();
    }

    public int pendingPublishes() {
        return waiters.reserved();
    }

    public long pendingPublishBytes() {
        return waiters.bytes();
    }

    public SequencerDriver driver() {
        return driver;
    }

    public JsonObject clusterView(Map<String, JsonObject> peers) {
        return clusterView.render(peers);
    }

    /** Adds a {@code kafka} section to {@link #clusterView} (when the Kafka bridge is on). */
    public void kafkaView(java.util.function.Supplier<JsonObject> view) {
        clusterView.kafkaView(view);
    }

    public void logStartup() {
        log.info("event=node_ready node={} commitSeq={}", config.nodeId(), broadcastLog.headSeq());
    }
}
