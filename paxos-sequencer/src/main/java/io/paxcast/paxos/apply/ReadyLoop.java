package io.paxcast.paxos.apply;

import io.paxcast.paxos.core.Message;
import io.paxcast.paxos.core.PaxosNode;
import io.paxcast.paxos.core.Ready;
import io.paxcast.paxos.core.StorageWrite;

import java.util.List;
import java.util.function.Consumer;

/**
 * The caller's loop of etcd-raft's Ready (persist, then send, then apply, then the next Ready), as
 * one small state machine that both the Vert.x driver and the simulator run: the simulator checks
 * the loop production runs.
 *
 * <p>Rules:
 * <ul>
 *   <li>one Ready at a time: the next is drained only once the previous one is released, so its
 *       write group holds everything that arrived meanwhile (group commit without a timer);</li>
 *   <li>a Ready's messages leave only after its writes are durable; its deliveries are applied after
 *       its messages left, in order, through a {@link DeliveryApplier} (the first failure stops the
 *       loop for good);</li>
 *   <li>never re-entrant: a pump asked for while a Ready is being released (an application callback
 *       that submits, like an HTTP response that lets the next pipelined request in) runs after the
 *       release, never inside it. Otherwise the next Ready's deliveries would be applied before the rest
 *       of the current one's: a gap in the applied log (found by the overload test: "slot 631 applied
 *       after 626").</li>
 * </ul>
 * Not thread-safe: every call on the node's thread; the storage's completion too.
 */
public final class ReadyLoop {

    /** Makes a group of writes durable; calls {@code done} (with null, or the failure) on the node's thread. */
    public interface Storage {
        void write(List<StorageWrite> writes, Consumer<Throwable> done);
    }

    private final PaxosNode node;
    private final Storage storage;
    private final Consumer<Message> sender;
    private final DeliveryApplier applier;
    private final Runnable later;
    private final Consumer<String> onFailure;
    private final java.util.function.IntSupplier deliveryAllowance;

    private boolean persisting;
    private boolean releasing;
    private boolean pumping;
    private boolean pumpAfterRelease;
    private String failure;
    private long groupsWritten;
    private long writesWritten;
    private long messagesSent;

    /**
     * @param later     runs {@link #pump} again soon on the node's thread, after other work (a long replay
     *                  yields between Readies instead of holding the thread)
     * @param onFailure told once why the loop stopped (storage failure, safety check, unappliable slot)
     */
    public ReadyLoop(PaxosNode node, Storage storage, Consumer<Message> sender, DeliveryApplier applier,
                     Runnable later, Consumer<String> onFailure) {
        this(node, storage, sender, applier, later, onFailure, () -> Integer.MAX_VALUE);
    }

    /**
     * @param deliveryAllowance how many more slots the application can take now (an application on
     *                          another thread that lags behind takes fewer: the rest wait in storage)
     */
    public ReadyLoop(PaxosNode node, Storage storage, Consumer<Message> sender, DeliveryApplier applier,
                     Runnable later, Consumer<String> onFailure, java.util.function.IntSupplier deliveryAllowance) {
        this.deliveryAllowance = deliveryAllowance;
        this.node = node;
        this.storage = storage;
        this.sender = sender;
        this.applier = applier;
        this.later = later;
        this.onFailure = onFailure;
    }

    /** Drains and handles Readies until there is nothing to do or a write is in progress. */
    public void pump() {
        if (failure != null || persisting || pumping) {
            return; // a write in progress pumps again when it completes; a running pump loops on
        }
        if (releasing) {
            pumpAfterRelease = true;
            return;
        }
        pumping = true;
        try {
            while (failure == null && !persisting) {
                pumpAfterRelease = false; // this loop drains whatever a release asked for
                Ready ready;
                try {
                    node.flush();
                    ready = node.drain(deliveryAllowance.getAsInt());
                } catch (RuntimeException e) {
                    fail(e.getClass().getSimpleName() + ": " + e.getMessage());
                    return;
                }
                if (ready.isEmpty()) {
                    return;
                }
                if (ready.writes().isEmpty()) {
                    release(ready);
                } else {
                    persisting = true;
                    storage.write(ready.writes(), error -> written(ready, error));
                }
                if (node.hasUndelivered() && !persisting && deliveryAllowance.getAsInt() > 0) {
                    later.run(); // a long replay: let other work in between
                    return;
                }
            }
        } finally {
            pumping = false;
        }
    }

    private void written(Ready ready, Throwable error) {
        persisting = false;
        if (error != null) {
            fail("storage write failed: " + error);
            return;
        }
        groupsWritten++;
        writesWritten += ready.writes().size();
        release(ready);
        if (!pumping) {
            pump(); // an asynchronous completion: go on from here (a synchronous one is inside pump's loop)
        }
    }

    /** The writes of {@code ready} are durable: send its messages, apply its deliveries. */
    private void release(Ready ready) {
        releasing = true;
        try {
            for (Message message : ready.messages()) {
                sender.accept(message);
            }
            messagesSent += ready.messages().size();
            if (!applier.apply(ready.deliveries())) {
                fail(applier.failure());
            }
        } finally {
            releasing = false;
        }
        if (pumpAfterRelease && failure == null) {
            pumpAfterRelease = false;
            if (!pumping && !persisting) {
                pump();
            }
        }
    }

    /** A step of the core threw (a safety check, a storage read): the node stops for good. */
    public void fail(String why) {
        if (failure != null) {
            return;
        }
        failure = why;
        onFailure.accept(why);
    }

    /** Non-null once the loop stopped for good. */
    public String failure() {
        return failure;
    }

    public boolean persisting() {
        return persisting;
    }

    public long groupsWritten() {
        return groupsWritten;
    }

    public long writesWritten() {
        return writesWritten;
    }

    public long messagesSent() {
        return messagesSent;
    }
}
