package io.paxcast.broadcast;

import io.paxcast.broadcast.api.ApiException;
import io.paxcast.broadcast.config.NodeConfig;
import io.paxcast.broadcast.log.BroadcastLog;
import io.paxcast.broadcast.log.PublishCodec;
import io.paxcast.broadcast.publish.PublishValidator;
import io.paxcast.broadcast.log.PublishItem;
import io.paxcast.broadcast.log.PublishResult;
import io.paxcast.broadcast.ws.SubscriptionHub;
import io.paxcast.paxos.core.CommandId;
import io.paxcast.paxos.core.Delivery;
import io.paxcast.paxos.core.NodeStatus;
import io.paxcast.paxos.vertx.SequencerDriver;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The total-order multicast layer of one node: it turns publishes into sequencer commands, applies
 * the decided log in slot order into the {@link BroadcastLog}, answers each publisher once its
 * message is applied here (so the {@code seq} it returns is the one every node computes), and
 * multicasts every applied message to this node's subscribers.
 *
 * <p>Threading: every method runs on the node's single context.
 */
public final class BroadcastService {
    private static final Logger log = LoggerFactory.getLogger(BroadcastService.class);

    /**
     * A publish request waiting for its command to be applied here. It holds no message bodies (the
     * sequencer's submission holds the bytes, once): only what the answer and the bounds need.
     */
    private static final class Waiter {
        final Promise<List<PublishResult>> promise = Promise.promise();
        long deadlineNanos;
        final long bytes;
        final int keyed;
        final int newChannels;

        Waiter(long bytes, int keyed, int newChannels) {
            this.bytes = bytes;
            this.keyed = keyed;
            this.newChannels = newChannels;
        }
    }

    private final Vertx vertx;
    private final NodeConfig config;
    private final BroadcastLog broadcastLog;
    private final SubscriptionHub hub;
    /**
     * Publishes in flight here: at most {@code publish.maxPending} of them, {@code publish.maxPendingBytes}
     * in all. In the order they were submitted, which is the order of their deadlines (one timeout for
     * all): one sweep expires the oldest, instead of a Vert.x timer set and cancelled per publish (a
     * profile of a saturated leader found 3% of its CPU in {@code cancelTimer}).
     */
    private final LinkedHashMap<CommandId, Waiter> waiters = new LinkedHashMap<>();
    private long sweepTimer = -1;
    private long waitingBytes;
    /** Publishes counted in the bounds: waiting, or being handed to the sequencer. */
    private int reserved;
    private int waitingKeyed;
    private int waitingNewChannels;
    private final List<Runnable> appliedListeners = new ArrayList<>();
    private java.util.function.Supplier<JsonObject> kafkaView;
    private final PublishMetrics metrics;
    private final PublishValidator validator;
    private SequencerDriver driver;
    private String failure;

    public BroadcastService(Vertx vertx, NodeConfig config, BroadcastLog broadcastLog, SubscriptionHub hub,
                            PublishMetrics metrics) {
        this.vertx = vertx;
        this.config = config;
        this.broadcastLog = broadcastLog;
        this.hub = hub;
        this.metrics = metrics;
        this.validator = new PublishValidator(config.maxPayloadBytes());
    }

    public void attach(SequencerDriver driver) {
        this.driver = driver;
    }

    public BroadcastLog log() {
        return broadcastLog;
    }

    public SubscriptionHub hub() {
        return hub;
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
        ApiException refused = admit(items);
        if (refused != null) {
            metrics.refused(refused.code);
            return Future.failedFuture(refused);
        }
        byte[] payload = PublishCodec.encode(items);
        if (driver == null) {
            return Future.failedFuture(new ApiException(503, "not_ready", "the sequencer is starting", 1));
        }
        long started = System.nanoTime();
        int keyed = (int) items.stream().filter(i -> i.key() != null).count();
        int newChannels = countNewChannels(items);
        int count = items.size(); // not the items: the request's bodies are garbage once encoded
        // Counted at once, so the admission of the next request sees this one even before the sequencer
        // (on its own context) has taken it.
        Waiter waiter = new Waiter(payload.length, keyed, newChannels);
        reserve(waiter);
        return driver.submit(payload).compose(id -> {
            if (id == null) {
                release(waiter);
                String why = driver.failure();
                ApiException e = why != null ? nodeFailed()
                        : new ApiException(429, "overloaded", "the sequencer holds as much as it may; retry later", 1);
                metrics.refused(e.code);
                return Future.failedFuture(e);
            }
            waiter.deadlineNanos = System.nanoTime() + config.publishTimeoutMillis() * 1_000_000L;
            waiters.put(id, waiter);
            armSweep();
            return waiter.promise.future().onSuccess(r -> metrics.published(count, System.nanoTime() - started));
        });
    }

    private void reserve(Waiter waiter) {
        reserved++;
        waitingBytes += waiter.bytes;
        waitingKeyed += waiter.keyed;
        waitingNewChannels += waiter.newChannels;
    }

    private void release(Waiter waiter) {
        reserved--;
        waitingBytes -= waiter.bytes;
        waitingKeyed -= waiter.keyed;
        waitingNewChannels -= waiter.newChannels;
    }

    /** Null if a publish may be read now; else the 429 to answer before its body is even read. */
    public ApiException overloaded() {
        if (reserved >= config.maxPendingPublishes() || waitingBytes >= config.limits().maxPendingBytes()) {
            metrics.refused("overloaded");
            return new ApiException(429, "overloaded", "this node has " + reserved + " publishes ("
                    + waitingBytes + " bytes) in flight, its limit; retry later", 1);
        }
        return null;
    }

    /** The node-local admission decisions (the log decides nothing from configuration); null: admitted. */
    private ApiException admit(List<PublishItem> items) {
        long bytes = 0;
        int keyed = 0;
        for (PublishItem item : items) {
            bytes += item.dataJson().length() + item.channel().length() + 16;
            if (item.key() != null) {
                keyed++;
            }
        }
        if (reserved >= config.maxPendingPublishes()
                || waitingBytes + bytes > config.limits().maxPendingBytes()) {
            return new ApiException(429, "overloaded", "this node has " + reserved + " publishes ("
                    + waitingBytes + " bytes) in flight, its limit; retry later", 1);
        }
        if (keyed > 0 && broadcastLog.keyCount() + waitingKeyed + keyed > config.limits().idempotencyMaxKeys()) {
            return new ApiException(429, "key_store_full", "the idempotency store holds its limit of "
                    + config.limits().idempotencyMaxKeys() + " keys; keys expire after publish.dedupeWindowMillis", 5);
        }
        int fresh = countNewChannels(items);
        if (fresh > 0 && broadcastLog.channelCount() + waitingNewChannels + fresh > config.limits().maxChannels()) {
            return new ApiException(429, "channel_limit", "the cluster holds its limit of "
                    + config.limits().maxChannels() + " channels (limits.maxChannels)", 60);
        }
        return null;
    }

    private int countNewChannels(List<PublishItem> items) {
        int fresh = 0;
        java.util.Set<String> seen = null;
        for (PublishItem item : items) {
            if (broadcastLog.channelHead(item.channel()) == 0) {
                if (seen == null) {
                    seen = new java.util.HashSet<>();
                }
                if (seen.add(item.channel())) {
                    fresh++;
                }
            }
        }
        return fresh;
    }

    /** The sweep's period: a publish fails at most this late after its timeout. */
    private long sweepMillis() {
        return Math.max(10, Math.min(250, config.publishTimeoutMillis() / 20));
    }

    private void armSweep() {
        if (sweepTimer < 0 && !waiters.isEmpty()) {
            sweepTimer = vertx.setTimer(sweepMillis(), t -> sweep());
        }
    }

    /** Expires the publishes whose deadline passed: the oldest ones, at the head of {@link #waiters}. */
    private void sweep() {
        sweepTimer = -1;
        long now = System.nanoTime();
        while (!waiters.isEmpty()) {
            Map.Entry<CommandId, Waiter> oldest = waiters.entrySet().iterator().next();
            if (oldest.getValue().deadlineNanos - now > 0) {
                break;
            }
            expire(oldest.getKey());
        }
        armSweep();
    }

    private void expire(CommandId id) {
        Waiter waiter = remove(id);
        if (waiter == null) {
            return;
        }
        metrics.timedOut();
        if (driver != null) {
            driver.abandon(id); // not handed to a leader again: no work for a client that is gone
        }
        NodeStatus status = driver == null ? null : driver.status();
        String why = status == null || status.leaderId() == null ? "no leader is known"
                : "leader " + status.leaderId() + " did not get it chosen";
        waiter.promise.tryFail(ApiException.noQuorum("not ordered within " + config.publishTimeoutMillis() + " ms: " + why
                + "; it may still be ordered: retry with the same Idempotency-Key to avoid a duplicate"));
    }

    private Waiter remove(CommandId id) {
        Waiter waiter = waiters.remove(id);
        if (waiter != null) {
            release(waiter);
        }
        return waiter;
    }

    // ---------------------------------------------------------------- apply

    /**
     * The sequencer delivered the next slot (durable on a majority, in order): apply and multicast it.
     * An exception here stops the node ({@link io.paxcast.paxos.apply.DeliveryApplier}): a half-applied
     * slot is never served.
     */
    public void onDelivery(Delivery delivery) {
        BroadcastLog.Applied applied = broadcastLog.apply(delivery);
        for (Map.Entry<CommandId, List<PublishResult>> entry : applied.results().entrySet()) {
            Waiter waiter = remove(entry.getKey());
            if (waiter != null) {
                waiter.promise.tryComplete(entry.getValue());
            }
        }
        hub.onApplied(applied.messages());
        if (!applied.messages().isEmpty()) {
            for (Runnable listener : appliedListeners) {
                listener.run();
            }
        }
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
    public void onNodeFailed() {
        String why = driver == null ? "stopped" : driver.failure();
        failure = why == null ? "stopped" : why;
        for (CommandId id : List.copyOf(waiters.keySet())) {
            Waiter waiter = remove(id);
            waiter.promise.tryFail(nodeFailed());
        }
        hub.closeAll("node_failed", "this node stopped: " + failure + "; resume on another node with after=<last seq>");
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
        if (driver == null || driver.failure() != null || failure != null) {
            return false;
        }
        NodeStatus status = driver.status();
        if (status == null || !status.leaderInTouch()) {
            return false;
        }
        return status.deliveredUpTo() + config.paxos().pipelineWindow() >= status.leaderCommit();
    }

    public NodeStatus status() {
        return driver == null ? null : driver.status();
    }

    public int pendingPublishes() {
        return reserved;
    }

    public long pendingPublishBytes() {
        return waitingBytes;
    }

    public SequencerDriver driver() {
        return driver;
    }

    public JsonObject clusterView(Map<String, JsonObject> peers) {
        NodeStatus status = status();
        JsonArray members = new JsonArray();
        for (var member : config.members()) {
            JsonObject m = new JsonObject().put("id", member.id());
            if (member.id().equals(config.nodeId())) {
                m.put("role", status != null && status.votes() ? "voter" : "learner");
                m.put("commitSeq", broadcastLog.headSeq()).put("alive", true);
            } else {
                JsonObject peer = peers.get(member.id());
                m.put("role", peer == null ? "voter" : peer.getString("role", "voter"));
                m.put("commitSeq", peer == null ? null : peer.getLong("commitSeq"));
                m.put("alive", peer != null && peer.getBoolean("alive", false));
            }
            members.add(m);
        }
        JsonObject view = new JsonObject()
                .put("node", config.nodeId())
                .put("leader", status == null ? null : status.leaderInTouch() ? status.leaderId() : null)
                .put("ballot", status == null ? null : status.ballot().toString())
                .put("commitSeq", broadcastLog.headSeq())
                .put("members", members)
                .put("role", status == null ? "starting" : status.role())
                .put("appliedSlot", broadcastLog.lastSlot())
                .put("ready", isReady());
        view.put("voting", status != null && status.votes());
        if (status != null && status.rejoin() != null) {
            view.put("rejoin", status.rejoin());
        }
        if (failure != null) {
            view.put("failure", failure);
        }
        if (kafkaView != null) {
            view.put("kafka", kafkaView.get());
        }
        return view;
    }

    /** Adds a {@code kafka} section to {@link #clusterView} (when the Kafka bridge is on). */
    public void kafkaView(java.util.function.Supplier<JsonObject> view) {
        this.kafkaView = view;
    }

    public void logStartup() {
        log.info("event=node_ready node={} commitSeq={}", config.nodeId(), broadcastLog.headSeq());
    }
}
