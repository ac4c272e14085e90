package io.paxcast.paxos.apply;

import io.paxcast.paxos.core.Delivery;

import java.util.List;
import java.util.function.Consumer;

/**
 * Hands deliveries to the application in order, and stops for good at the first one it cannot apply.
 *
 * <p>Why stop: an application that threw half-way through a slot holds a half-applied state, and if
 * the node went on with the next slot its {@code seq} numbers would differ from every other node's.
 * A node that cannot apply must stop serving and voting, visibly, and never diverge; a restart
 * replays the log from slot 1 into a fresh application state. The production driver and the
 * simulator use this same class, so the simulator checks the policy that runs in production.
 *
 * <p>Not thread-safe: called on the node's thread.
 */
public final class DeliveryApplier {
    private final Consumer<Delivery> application;
    private String failure;
    private long failedSlot = -1;
    /** Deliveries up to here are covered by a snapshot the application installed: dropped. */
    private long installedThrough;

    public DeliveryApplier(Consumer<Delivery> application) {
        this.application = application;
    }

    /**
     * Applies {@code deliveries} in order.
     *
     * @return false if one failed now or earlier (nothing after it is applied)
     */
    public boolean apply(List<Delivery> deliveries) {
        if (failure != null) {
            return false;
        }
        for (Delivery delivery : deliveries) {
            if (delivery.slot() <= installedThrough) {
                continue; // handed out before the install; the installed snapshot already holds it
            }
            try {
                application.accept(delivery);
            } catch (RuntimeException | StackOverflowError e) {
                failedSlot = delivery.slot();
                failure = "cannot apply slot " + delivery.slot() + ": " + e;
                return false;
            }
        }
        return true;
    }

    /**
     * The application installed a snapshot of slot {@code slot}: deliveries up to it that the node handed
     * out before the install (still on their way to the application) are dropped, never applied on top.
     */
    public void installedThrough(long slot) {
        installedThrough = Math.max(installedThrough, slot);
    }

    /** Why applying stopped, or null. */
    public String failure() {
        return failure;
    }

    /** The slot that could not be applied, or -1. */
    public long failedSlot() {
        return failedSlot;
    }
}
