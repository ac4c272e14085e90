package io.paxcast.broadcast.service;

import io.paxcast.broadcast.api.ApiException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.util.ArrayDeque;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * Read-your-writes on any node: a read that names {@code minSeq} waits here until this node has
 * applied that position of the global log. A client that published through one node and got
 * {@code seq} back reads its own write through any other node by passing {@code minSeq=seq}: the log
 * is one total order, so "applied up to seq" on this node means it holds exactly what the publishing
 * node held when it answered.
 *
 * <p>Bounded by configuration, not by load: at most {@code maxWaiting} reads wait at once (beyond it:
 * {@code 429 overloaded}), each for at most {@code maxWaitMillis} (then {@code 503 not_applied}
 * with the node's applied position, so the client retries here or goes elsewhere). A wait costs one
 * small entry and one timer.
 *
 * <p>Threading: every method runs on the node's single context, where the log is applied.
 */
public final class AppliedSeqWaits {
    private final Vertx vertx;
    private final LongSupplier appliedSeq;
    private final long maxWaitMillis;
    private final int maxWaiting;
    /** seq -> the reads waiting for it, oldest first. */
    private final TreeMap<Long, ArrayDeque<Wait>> waiting = new TreeMap<>();
    private int count;
    private String failure;

    private final class Wait {
        final long seq;
        final Promise<Void> promise = Promise.promise();
        long timer;

        Wait(long seq) {
            this.seq = seq;
        }
    }

    public AppliedSeqWaits(Vertx vertx, LongSupplier appliedSeq, long maxWaitMillis, int maxWaiting) {
        this.vertx = vertx;
        this.appliedSeq = appliedSeq;
        this.maxWaitMillis = maxWaitMillis;
        this.maxWaiting = maxWaiting;
    }

    /**
     * Completes once this node has applied {@code seq} (at once if it has). Fails with
     * {@code 429 overloaded} when {@code maxWaiting} reads wait already, {@code 503 not_applied} after
     * {@code maxWaitMillis}, {@code 503 node_failed} once the node stopped.
     */
    public Future<Void> await(long seq) {
        if (failure != null) {
            return Future.failedFuture(new ApiException(503, "node_failed", "this node stopped: " + failure, 5));
        }
        if (seq <= appliedSeq.getAsLong()) {
            return Future.succeededFuture();
        }
        if (count >= maxWaiting) {
            return Future.failedFuture(new ApiException(429, "overloaded",
                    maxWaiting + " reads wait for a position already; retry later", 1));
        }
        Wait wait = new Wait(seq);
        waiting.computeIfAbsent(seq, s -> new ArrayDeque<>()).add(wait);
        count++;
        wait.timer = vertx.setTimer(maxWaitMillis, t -> expire(wait));
        return wait.promise.future();
    }

    /** The node applied the log up to {@link #appliedSeq}: release every read it satisfies. */
    public void onApplied() {
        if (waiting.isEmpty()) {
            return;
        }
        long applied = appliedSeq.getAsLong();
        Map<Long, ArrayDeque<Wait>> done = waiting.headMap(applied, true);
        for (ArrayDeque<Wait> waits : done.values()) {
            for (Wait w : waits) {
                vertx.cancelTimer(w.timer);
                count--;
                // each read runs in a task of its own, after the slot's apply: a thousand waiting reads
                // do not stretch one apply callback
                vertx.runOnContext(v -> w.promise.tryComplete());
            }
        }
        done.clear();
    }

    /** The node stopped serving: every waiting read fails with {@code node_failed}. */
    public void failAll(String why) {
        failure = why;
        for (ArrayDeque<Wait> waits : waiting.values()) {
            for (Wait w : waits) {
                vertx.cancelTimer(w.timer);
                w.promise.tryFail(new ApiException(503, "node_failed", "this node stopped: " + why, 5));
            }
        }
        waiting.clear();
        count = 0;
    }

    public int waiting() {
        return count;
    }

    private void expire(Wait wait) {
        ArrayDeque<Wait> waits = waiting.get(wait.seq);
        if (waits == null || !waits.remove(wait)) {
            return;
        }
        if (waits.isEmpty()) {
            waiting.remove(wait.seq);
        }
        count--;
        long applied = appliedSeq.getAsLong();
        wait.promise.tryFail(new ApiException(503, "not_applied", "this node has applied the log up to seq " + applied
                + ", not yet " + wait.seq + " after " + maxWaitMillis + " ms; retry, or read from another node", 1)
                .withDetail("appliedSeq", applied));
    }
}
