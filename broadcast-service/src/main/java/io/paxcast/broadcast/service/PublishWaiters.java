package io.paxcast.broadcast.service;

import io.paxcast.broadcast.api.ApiException;
import io.paxcast.broadcast.config.NodeConfig;
import io.paxcast.broadcast.log.BroadcastLog;
import io.paxcast.broadcast.log.PublishItem;
import io.paxcast.broadcast.log.PublishResult;
import io.paxcast.paxos.core.CommandId;
import io.paxcast.paxos.core.NodeStatus;
import io.paxcast.paxos.vertx.SequencerDriver;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The publishes in flight on this node, each waiting for its command to be applied here, and the
 * node-local admission decisions they count in ({@code publish.maxPending},
 * {@code publish.maxPendingBytes}, the idempotency key and channel limits): the log decides nothing
 * from configuration, so these bounds are checked here, before a command is submitted.
 *
 * <p>Threading: every method runs on the node's single context.
 */
final class PublishWaiters {

    /**
     * A publish request waiting for its command to be applied here. It holds no message bodies (the
     * sequencer's submission holds the bytes, once): only what the answer and the bounds need.
     */
    static final class Waiter {
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
    private final PublishMetrics metrics;
    private final SequencerDriver driver;
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

    PublishWaiters(Vertx vertx, NodeConfig config, BroadcastLog broadcastLog, PublishMetrics metrics,
                   SequencerDriver driver) {
        this.vertx = vertx;
        this.config = config;
        this.broadcastLog = broadcastLog;
        this.metrics = metrics;
        this.driver = driver;
    }

    /** Publishes counted in the bounds now: waiting, or being handed to the sequencer. */
    int reserved() {
        return reserved;
    }

    /** Bytes of those publishes. */
    long bytes() {
        return waitingBytes;
    }

    // ---------------------------------------------------------------- admission

    /** Null if a publish may be read now; else the 429 to answer before its body is even read. */
    ApiException overloaded() {
        if (reserved >= config.maxPendingPublishes() || waitingBytes >= config.limits().maxPendingBytes()) {
            metrics.refused("overloaded");
            return new ApiException(429, "overloaded", "this node has " + reserved + " publishes ("
                    + waitingBytes + " bytes) in flight, its limit; retry later", 1);
        }
        return null;
    }

    /** The node-local admission decisions (the log decides nothing from configuration); null: admitted. */
    ApiException admit(List<PublishItem> items) {
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
        Set<String> seen = null;
        for (PublishItem item : items) {
            if (broadcastLog.channelHead(item.channel()) == 0) {
                if (seen == null) {
                    seen = new HashSet<>();
                }
                if (seen.add(item.channel())) {
                    fresh++;
                }
            }
        }
        return fresh;
    }

    // ---------------------------------------------------------------- waiting

    /**
     * Counts an admitted publish of {@code payloadBytes} in the bounds at once, so the admission of the
     * next request sees this one even before the sequencer (on its own context) has taken it.
     */
    Waiter reserve(List<PublishItem> items, int payloadBytes) {
        int keyed = (int) items.stream().filter(i -> i.key() != null).count();
        Waiter waiter = new Waiter(payloadBytes, keyed, countNewChannels(items));
        reserved++;
        waitingBytes += waiter.bytes;
        waitingKeyed += waiter.keyed;
        waitingNewChannels += waiter.newChannels;
        return waiter;
    }

    /** Uncounts a reserved publish that the sequencer refused. */
    void release(Waiter waiter) {
        reserved--;
        waitingBytes -= waiter.bytes;
        waitingKeyed -= waiter.keyed;
        waitingNewChannels -= waiter.newChannels;
    }

    /** The sequencer took the publish as {@code id}: it waits until applied, or until its timeout. */
    Future<List<PublishResult>> await(CommandId id, Waiter waiter) {
        waiter.deadlineNanos = System.nanoTime() + config.publishTimeoutMillis() * 1_000_000L;
        waiters.put(id, waiter);
        armSweep();
        return waiter.promise.future();
    }

    /** Answers the publishes among {@code results} that wait here (the others came from other nodes). */
    void complete(Map<CommandId, List<PublishResult>> results) {
        for (Map.Entry<CommandId, List<PublishResult>> entry : results.entrySet()) {
            Waiter waiter = remove(entry.getKey());
            if (waiter != null) {
                waiter.promise.tryComplete(entry.getValue());
            }
        }
    }

    /** Fails every waiting publish with a fresh {@code error} each (the node stopped). */
    void failAll(Supplier<ApiException> error) {
        for (CommandId id : List.copyOf(waiters.keySet())) {
            Waiter waiter = remove(id);
            waiter.promise.tryFail(error.get());
        }
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
        driver.abandon(id); // not handed to a leader again: no work for a client that is gone
        NodeStatus status = driver.status();
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
}
