package io.paxcast.broadcast;

import io.paxcast.broadcast.config.NodeConfig;
import io.paxcast.broadcast.log.BroadcastLog;
import io.paxcast.broadcast.log.PublishCodec;
import io.paxcast.broadcast.log.PublishItem;
import io.paxcast.broadcast.log.PublishResult;
import io.paxcast.broadcast.ws.SubscriptionHub;
import io.paxcast.paxos.core.Command;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

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

    private static final class Waiter {
        final List<PublishItem> items;
        final List<Promise<List<PublishResult>>> promises = new ArrayList<>();
        final long timerId;

        Waiter(List<PublishItem> items, long timerId) {
            this.items = items;
            this.timerId = timerId;
        }
    }

    private final Vertx vertx;
    private final NodeConfig config;
    private final BroadcastLog broadcastLog;
    private final SubscriptionHub hub;
    private final Map<String, Waiter> waiters = new HashMap<>();
    private final List<Runnable> appliedListeners = new ArrayList<>();
    private java.util.function.Supplier<JsonObject> kafkaView;
    private final PublishMetrics metrics;
    private SequencerDriver driver;

    private final String nonVotingReason;

    public BroadcastService(Vertx vertx, NodeConfig config, BroadcastLog broadcastLog, SubscriptionHub hub,
                            PublishMetrics metrics, String nonVotingReason) {
        this.nonVotingReason = nonVotingReason;
        this.vertx = vertx;
        this.config = config;
        this.broadcastLog = broadcastLog;
        this.hub = hub;
        this.metrics = metrics;
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

    // ---------------------------------------------------------------- publish

    /**
     * Orders {@code items} together (one command, so one slot, contiguous {@code seq}s). Completes
     * with one result per item once the command is applied on this node; fails with
     * {@link ApiException} {@code no_quorum} after {@code publish.timeoutMillis}, or
     * {@code overloaded} when too many publishes are in flight.
     */
    public Future<List<PublishResult>> publish(List<PublishItem> items) {
        if (items.size() == 1 && items.get(0).key() != null) {
            Optional<PublishResult> earlier = broadcastLog.lookupKey(items.get(0).channel(), items.get(0).key());
            if (earlier.isPresent()) {
                return Future.succeededFuture(List.of(earlier.get()));
            }
        }
        String id = commandId(items);
        Waiter existing = waiters.get(id);
        Promise<List<PublishResult>> promise = Promise.promise();
        if (existing != null) {
            existing.promises.add(promise); // the same keyed publish, retried before it was ordered
            return promise.future();
        }
        if (driver == null || waiters.size() >= config.maxPendingPublishes()) {
            return Future.failedFuture(new ApiException(429, "overloaded",
                    "too many publishes in flight on this node; retry later", 1));
        }
        if (!driver.submit(new Command(id, PublishCodec.encode(items)))) {
            String failure = driver.failure();
            return Future.failedFuture(failure != null
                    ? new ApiException(503, "node_failed", "this node stopped voting: " + failure, 5)
                    : new ApiException(429, "overloaded", "the sequencer refused more work; retry later", 1));
        }
        long started = System.nanoTime();
        long timer = vertx.setTimer(config.publishTimeoutMillis(), t -> expire(id));
        Waiter waiter = new Waiter(items, timer);
        waiter.promises.add(promise);
        waiters.put(id, waiter);
        return promise.future().onSuccess(r -> metrics.published(items.size(), System.nanoTime() - started));
    }

    /** A keyed single publish uses its key as the command id, so the sequencer itself dedupes retries. */
    private static String commandId(List<PublishItem> items) {
        if (items.size() == 1 && items.get(0).key() != null) {
            return "k:" + items.get(0).channel() + '\u0000' + items.get(0).key();
        }
        return UUID.randomUUID().toString();
    }

    private void expire(String id) {
        Waiter waiter = waiters.remove(id);
        if (waiter == null) {
            return;
        }
        metrics.timedOut();
        NodeStatus status = driver == null ? null : driver.status();
        String why = status == null || status.leaderId() == null ? "no leader is known"
                : "leader " + status.leaderId() + " did not get it chosen";
        for (Promise<List<PublishResult>> p : waiter.promises) {
            p.tryFail(ApiException.noQuorum("not ordered within " + config.publishTimeoutMillis() + " ms: " + why
                    + "; retry with the same Idempotency-Key to avoid a duplicate"));
        }
    }

    // ---------------------------------------------------------------- apply

    /** The sequencer delivered the next slot (durable on a majority, in order): apply and multicast it. */
    public void onDelivery(Delivery delivery) {
        BroadcastLog.Applied applied = broadcastLog.apply(delivery);
        for (Map.Entry<String, List<PublishResult>> entry : applied.results().entrySet()) {
            resolve(entry.getKey(), entry.getValue());
        }
        for (String duplicate : delivery.duplicateIds()) {
            Waiter waiter = waiters.get(duplicate);
            if (waiter != null) {
                List<PublishResult> originals = new ArrayList<>();
                for (PublishItem item : waiter.items) {
                    if (item.key() != null) {
                        broadcastLog.lookupKey(item.channel(), item.key()).ifPresent(originals::add);
                    }
                }
                if (originals.size() == waiter.items.size()) {
                    resolve(duplicate, originals);
                }
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

    private void resolve(String id, List<PublishResult> results) {
        Waiter waiter = waiters.remove(id);
        if (waiter == null) {
            return;
        }
        vertx.cancelTimer(waiter.timerId);
        for (Promise<List<PublishResult>> p : waiter.promises) {
            p.tryComplete(results);
        }
    }

    // ---------------------------------------------------------------- status

    /** In a quorum (a leader is in touch) and caught up with the leader's commit point. */
    public boolean isReady() {
        if (driver == null || driver.failure() != null) {
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
        return waiters.size();
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
                m.put("role", nonVotingReason == null ? "voter" : "learner");
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
        view.put("voting", nonVotingReason == null);
        view.put("storage", nonVotingReason == null ? "ok" : nonVotingReason);
        if (driver != null && driver.failure() != null) {
            view.put("failure", driver.failure());
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
