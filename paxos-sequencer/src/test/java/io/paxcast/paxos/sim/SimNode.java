package io.paxcast.paxos.sim;

import io.paxcast.paxos.apply.DeliveryApplier;
import io.paxcast.paxos.core.Clock;
import io.paxcast.paxos.core.Command;
import io.paxcast.paxos.core.Delivery;
import io.paxcast.paxos.core.PaxosConfig;
import io.paxcast.paxos.core.PaxosNode;
import io.paxcast.paxos.core.Ready;
import io.paxcast.paxos.storage.InMemoryStorage;

import java.util.HashSet;
import java.util.Set;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;

/**
 * One simulated node: a {@link PaxosNode} (volatile: lost on crash), its durable storage, and its
 * application ({@link SimApp}), which, as in production, is rebuilt by delivering the log again from
 * slot 1 at every start, through the production's {@link DeliveryApplier}.
 */
final class SimNode {
    final String id;
    final PaxosConfig config;
    final InMemoryStorage storage = new InMemoryStorage();
    private final long windowMillis;
    private final long seed;
    private int incarnation;
    /** This node's wall clock is the simulation's time plus this offset (skew, then jumps). */
    long clockOffset;
    PaxosNode node;
    SimApp app;
    private DeliveryApplier applier;
    /** Command ids applied in this incarnation: one may never be applied twice. */
    final Set<Object> appliedIds = new HashSet<>();
    /** Keys the application holds now (this incarnation). */
    final Set<String> appliedKeys = new HashSet<>();
    long lastApplied;
    /** The next delivery the application fails on (for the apply-failure faults), or -1. */
    long failOnSlot = -1;

    SimNode(String id, PaxosConfig config, long clockOffset, long seed, long windowMillis) {
        this.id = id;
        this.config = config;
        this.clockOffset = clockOffset;
        this.seed = seed;
        this.windowMillis = windowMillis;
    }

    boolean isUp() {
        return node != null;
    }

    void start(Simulator sim, History history) {
        incarnation++;
        RandomGenerator random = RandomGeneratorFactory.<RandomGenerator>of("L64X128MixRandom")
                .create(seed * 31 + incarnation);
        Clock clock = () -> Math.max(0, sim.now() + clockOffset);
        app = new SimApp(windowMillis);
        appliedIds.clear();
        appliedKeys.clear();
        lastApplied = 0;
        applier = new DeliveryApplier(delivery -> apply(delivery, sim, history));
        node = new PaxosNode(config, storage.load(), storage, clock, random);
    }

    private void apply(Delivery delivery, Simulator sim, History history) {
        if (delivery.slot() == failOnSlot) {
            failOnSlot = -1; // transient: applying it after the restart works
            throw new IllegalStateException("simulated failure applying slot " + delivery.slot());
        }
        SimApp.Outcome outcome = app.apply(delivery);
        history.onApply(this, delivery, outcome, sim.now());
        lastApplied = delivery.slot();
        for (Command command : delivery.commands()) {
            appliedIds.add(command.id());
        }
        appliedKeys.addAll(outcome.appended());
        appliedKeys.addAll(outcome.retried());
    }

    void crash() {
        node = null;
    }

    /** The disk is lost too: the node will start on an empty store. */
    void wipe() {
        node = null;
        storage.wipe();
    }

    /**
     * Persist, then send, then apply: the order {@link Ready} demands.
     *
     * @return false if the node stopped (a crash before sending, or a delivery it could not apply)
     */
    boolean process(Ready ready, SimNetwork network, long now, boolean crashBeforeSend) {
        storage.write(ready.writes());
        if (crashBeforeSend) {
            crash();
            return false;
        }
        for (var message : ready.messages()) {
            network.send(message, now);
        }
        if (!applier.apply(ready.deliveries())) {
            crash(); // the production driver stops the node for good; a supervisor restarts it
            return false;
        }
        return true;
    }

    int incarnation() {
        return incarnation;
    }
}
