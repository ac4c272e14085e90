package io.paxcast.broadcast.service;

import io.paxcast.broadcast.log.BroadcastLog;
import io.paxcast.broadcast.log.LogSnapshot;
import io.paxcast.broadcast.log.SnapshotFiles;
import io.paxcast.paxos.core.Delivery;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When a node snapshots its broadcast state, and the writing of it, off the node's thread.
 *
 * <p>The rule: at a delivery that carries a {@link io.paxcast.paxos.core.Checkpoint}, once at least
 * {@code intervalMessages} messages were applied since the last snapshot, and while no snapshot is
 * being written. The state is taken on the node's thread right after the slot is applied (so every
 * part of it is as of that one slot); the index pages it covers are forced and the file written on a
 * worker, while the node goes on applying. A restart then applies at most about
 * {@code intervalMessages} messages (plus the slots up to the next checkpoint) again, whatever the
 * size of the log.
 *
 * <p>A snapshot that cannot be written (a full disk) is logged and counted; the node goes on, and
 * the next checkpoint tries again: the snapshot only shortens a restart, nothing depends on it yet.
 *
 * <p>Threading: {@link #afterApply} and {@link #idle} on the node's context.
 */
public final class Snapshots {
    private static final Logger log = LoggerFactory.getLogger(Snapshots.class);

    private final Vertx vertx;
    private final String owner;
    private final long intervalMessages;
    private final BroadcastLog broadcastLog;
    private final SnapshotFiles files;

    private long lastSeq;
    private long lastSlot;
    private Future<Void> writing = Future.succeededFuture();
    private boolean busy;
    private long written;
    private long failed;
    private long lastMillis;

    /** @param resumedFrom the snapshot the node started from, or null */
    public Snapshots(Vertx vertx, String owner, long intervalMessages, BroadcastLog broadcastLog, SnapshotFiles files,
                     LogSnapshot resumedFrom) {
        this.vertx = vertx;
        this.owner = owner;
        this.intervalMessages = intervalMessages;
        this.broadcastLog = broadcastLog;
        this.files = files;
        if (resumedFrom != null) {
            lastSeq = resumedFrom.lastSeq();
            lastSlot = resumedFrom.slot();
        }
    }

    /** The node just applied {@code delivery}: snapshot here if it is due. */
    public void afterApply(Delivery delivery) {
        if (delivery.checkpoint() == null || busy || broadcastLog.headSeq() - lastSeq < intervalMessages) {
            return;
        }
        LogSnapshot snapshot = broadcastLog.snapshot(owner, delivery.checkpoint());
        busy = true;
        long started = System.nanoTime();
        writing = vertx.<Void>executeBlocking(() -> {
            broadcastLog.forceThrough(snapshot);
            files.write(snapshot);
            return null;
        }).andThen(ar -> {
            busy = false;
            lastMillis = (System.nanoTime() - started) / 1_000_000;
            if (ar.succeeded()) {
                written++;
                lastSeq = snapshot.lastSeq();
                lastSlot = snapshot.slot();
                log.debug("event=snapshot_written node={} slot={} seq={} millis={}", owner, snapshot.slot(),
                        snapshot.lastSeq(), lastMillis);
            } else {
                failed++;
                log.error("event=snapshot_failed node={} slot={} error=\"{}\" note=\"the next checkpoint tries again\"",
                        owner, snapshot.slot(), ar.cause().toString());
            }
        }).recover(e -> Future.succeededFuture());
    }

    /** Completes once no snapshot is being written (before the log is closed). */
    public Future<Void> idle() {
        return writing;
    }

    /** The slot of the newest snapshot written (or resumed from); 0 if none. */
    public long lastSlot() {
        return lastSlot;
    }

    public long written() {
        return written;
    }

    public long failed() {
        return failed;
    }

    /** How long the last snapshot took to force and write, in ms. */
    public long lastMillis() {
        return lastMillis;
    }
}
