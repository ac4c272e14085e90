package io.paxcast.broadcast.service;

import io.paxcast.broadcast.cluster.SnapshotTransfer;
import io.paxcast.broadcast.log.BroadcastLog;
import io.paxcast.broadcast.log.LogSnapshot;
import io.paxcast.broadcast.log.SnapshotFiles;
import io.paxcast.paxos.core.Delivery;
import io.paxcast.paxos.core.NodeStatus;
import io.paxcast.paxos.vertx.SequencerDriver;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.Optional;

/**
 * A node's snapshots of its broadcast state: when one is taken, what the log is compacted to, and the
 * installation of a peer's when this node needs one.
 *
 * <h2>Taking</h2>
 * At a delivery that carries a {@link io.paxcast.paxos.core.Checkpoint}, once at least
 * {@code intervalMessages} messages were applied since the last snapshot, and while no snapshot is
 * being written. The state is taken on the node's thread right after the slot is applied (so every
 * part of it is as of that one slot); the index pages it covers are forced and the file written on a
 * worker, while the node goes on applying. A restart then applies at most about
 * {@code intervalMessages} messages (plus the slots up to the next checkpoint) again.
 *
 * <h2>Compacting</h2>
 * Once a snapshot lies below the retention point (the base: {@link SnapshotFiles#base}), nothing before
 * it is served any more and a restart never needs it: the sequencer may forget the slots up to it
 * ({@link SequencerDriver#compact}), and its storage deletes them. So the retained log on disk is what
 * retention keeps plus at most one snapshot interval. The message index is compacted right before each
 * snapshot ({@link BroadcastLog#compactIndex}), and its files that snapshot no longer refers to are
 * deleted once it is durable.
 *
 * <h2>Installing</h2>
 * When the sequencer says a peer compacted past what this node has ({@link NodeStatus#installFrom}), the
 * peer's base snapshot is fetched ({@link SnapshotTransfer}), the broadcast state replaced by it
 * ({@link BroadcastLog#install}), written as this node's own snapshot, and the sequencer goes on from
 * the slot after it, catching up the retained log from the peer. Subscribers here get
 * {@code offset_expired} for positions before it, never a silent gap.
 *
 * <p>A snapshot that cannot be written or installed is logged and counted; the node goes on and tries
 * again (the next checkpoint; the next status check).
 *
 * <p>Threading: everything on the node's context but the file work, on workers.
 */
public final class Snapshots {
    private static final Logger log = LoggerFactory.getLogger(Snapshots.class);
    private static final long CHECK_MILLIS = 250;

    private final Vertx vertx;
    private final String owner;
    private final long intervalMessages;
    private final BroadcastLog broadcastLog;
    private final SnapshotFiles files;
    private final Path indexDir;
    private SequencerDriver driver;
    private SnapshotTransfer transfer;

    private long lastSeq;
    private long lastSlot;
    private Future<Void> writing = Future.succeededFuture();
    private boolean busy;
    private boolean installing;
    private long written;
    private long failed;
    private long installs;
    private long lastMillis;
    private long compactedBelow = 1;
    private long timer = -1;

    /** @param resumedFrom the snapshot the node started from, or null */
    public Snapshots(Vertx vertx, String owner, long intervalMessages, BroadcastLog broadcastLog, SnapshotFiles files,
                     Path indexDir, LogSnapshot resumedFrom) {
        this.vertx = vertx;
        this.owner = owner;
        this.intervalMessages = intervalMessages;
        this.broadcastLog = broadcastLog;
        this.files = files;
        this.indexDir = indexDir;
        if (resumedFrom != null) {
            lastSeq = resumedFrom.lastSeq();
            lastSlot = resumedFrom.slot();
        }
    }

    /** Starts compacting and installing through {@code driver}, and serving snapshots through {@code transfer}. */
    public void start(SequencerDriver driver, SnapshotTransfer transfer) {
        this.driver = driver;
        this.transfer = transfer;
        timer = vertx.setPeriodic(CHECK_MILLIS, t -> check());
    }

    public void stop() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    /** The node just applied {@code delivery}: snapshot here if it is due. */
    public void afterApply(Delivery delivery) {
        if (delivery.checkpoint() == null || busy || installing || broadcastLog.headSeq() - lastSeq < intervalMessages) {
            return;
        }
        // No worker is forcing the index now (not busy): it may unmap what retention expired.
        broadcastLog.compactIndex();
        LogSnapshot snapshot = broadcastLog.snapshot(owner, delivery.checkpoint());
        long retainedFrom = broadcastLog.earliestSlot();
        busy = true;
        long started = System.nanoTime();
        writing = vertx.<Optional<Long>>executeBlocking(() -> {
            broadcastLog.forceThrough(snapshot);
            files.write(snapshot, retainedFrom);
            // durable now, and the newest: a restart resumes this one, so what it does not refer to can go
            long freed = broadcastLog.deleteCompactedFiles(snapshot);
            if (freed > 0) {
                log.debug("event=index_compacted node={} slot={} freedBytes={}", owner, snapshot.slot(), freed);
            }
            return files.base(retainedFrom);
        }).andThen(ar -> {
            busy = false;
            lastMillis = (System.nanoTime() - started) / 1_000_000;
            if (ar.succeeded()) {
                written++;
                lastSeq = snapshot.lastSeq();
                lastSlot = snapshot.slot();
                log.debug("event=snapshot_written node={} slot={} seq={} millis={} retainedFromSlot={} base={}", owner,
                        snapshot.slot(), snapshot.lastSeq(), lastMillis, retainedFrom, ar.result().orElse(null));
                ar.result().ifPresent(this::compactTo);
            } else {
                failed++;
                log.error("event=snapshot_failed node={} slot={} error=\"{}\" note=\"the next checkpoint tries again\"",
                        owner, snapshot.slot(), ar.cause().toString());
            }
        }).<Void>mapEmpty().recover(e -> Future.succeededFuture());
    }

    /** The base snapshot is durable at {@code baseSlot}: the sequencer may forget the slots up to it. */
    private void compactTo(long baseSlot) {
        if (driver != null && baseSlot + 1 > compactedBelow) {
            compactedBelow = baseSlot + 1;
            driver.compact(compactedBelow);
            log.debug("event=log_compacted node={} below={}", owner, compactedBelow);
        }
    }

    private void check() {
        NodeStatus status = driver.status();
        if (status != null && status.installFrom() != null && !installing && !busy && driver.failure() == null) {
            install(status.installFrom());
        }
    }

    /** Fetches {@code peer}'s base snapshot, installs it, keeps it as this node's own, and lets the sequencer go on. */
    private void install(String peer) {
        installing = true;
        long started = System.nanoTime();
        Path into = files.dir().resolve("incoming-from-" + peer + ".snap");
        log.info("event=snapshot_install_started node={} from={} note=\"the peer compacted past what this node has\"",
                owner, peer);
        transfer.fetch(peer, into)
                .compose(fetched -> vertx.executeBlocking(() -> {
                    LogSnapshot snapshot = SnapshotFiles.read(fetched.file());
                    java.nio.file.Files.deleteIfExists(fetched.file());
                    return new Object[] {snapshot, fetched.bytes()};
                }))
                .compose(got -> {
                    LogSnapshot theirs = (LogSnapshot) got[0];
                    if (theirs.slot() <= broadcastLog.lastSlot()) {
                        return Future.failedFuture(new IllegalStateException("the peer's snapshot of slot " + theirs.slot()
                                + " is not past what this node applied (slot " + broadcastLog.lastSlot() + ")"));
                    }
                    // on the node's context, in one task: no delivery can come in between
                    broadcastLog.install(theirs, indexDir);
                    driver.install(theirs.checkpoint());
                    LogSnapshot ours = broadcastLog.snapshot(owner, theirs.checkpoint());
                    long retainedFrom = broadcastLog.earliestSlot();
                    lastSeq = ours.lastSeq();
                    lastSlot = ours.slot();
                    installs++;
                    log.info("event=snapshot_installed node={} from={} slot={} seq={} bytes={} millis={}", owner, peer,
                            theirs.slot(), theirs.lastSeq(), got[1], (System.nanoTime() - started) / 1_000_000);
                    return vertx.executeBlocking(() -> {
                        broadcastLog.forceThrough(ours);
                        files.write(ours, retainedFrom);
                        return null;
                    });
                })
                .onComplete(ar -> {
                    installing = false;
                    if (ar.failed()) {
                        failed++;
                        log.warn("event=snapshot_install_failed node={} from={} error=\"{}\" note=\"tried again shortly\"",
                                owner, peer, ar.cause().toString());
                    }
                });
    }

    /** Completes once no snapshot is being written (before the log is closed). */
    public Future<Void> idle() {
        return writing;
    }

    /** The slot of the newest snapshot written (or resumed from, or installed); 0 if none. */
    public long lastSlot() {
        return lastSlot;
    }

    public long written() {
        return written;
    }

    public long failed() {
        return failed;
    }

    public long installs() {
        return installs;
    }

    /** How long the last snapshot took to force and write, in ms. */
    public long lastMillis() {
        return lastMillis;
    }
}
