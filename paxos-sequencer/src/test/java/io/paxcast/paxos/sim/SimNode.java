package io.paxcast.paxos.sim;

import io.paxcast.paxos.core.Clock;
import io.paxcast.paxos.core.Delivery;
import io.paxcast.paxos.core.PaxosConfig;
import io.paxcast.paxos.core.PaxosNode;
import io.paxcast.paxos.core.Ready;
import io.paxcast.paxos.storage.InMemoryStorage;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;

/**
 * One simulated node: a {@link PaxosNode} (volatile: lost on crash), its durable storage and its
 * application's applied log (durable, like the broadcast layer's own store).
 */
final class SimNode {
    final String id;
    final PaxosConfig config;
    final InMemoryStorage storage = new InMemoryStorage();
    /** The application's durable state: every delivery, in order. */
    final List<Delivery> applied = new ArrayList<>();
    final Set<String> appliedIds = new HashSet<>();
    private final long clockSkew;
    private final long seed;
    private int incarnation;
    PaxosNode node;

    SimNode(String id, PaxosConfig config, long clockSkew, long seed) {
        this.id = id;
        this.config = config;
        this.clockSkew = clockSkew;
        this.seed = seed;
    }

    boolean isUp() {
        return node != null;
    }

    void start(Simulator sim) {
        incarnation++;
        RandomGenerator random = RandomGeneratorFactory.<RandomGenerator>of("L64X128MixRandom")
                .create(seed * 31 + incarnation);
        Clock clock = () -> Math.max(0, sim.now() + clockSkew);
        node = new PaxosNode(config, storage.load(), storage, applied.size() + 1, clock, random);
    }

    void crash() {
        node = null;
    }

    long lastApplied() {
        return applied.size();
    }

    /** Persist, then send, then apply: the order {@link Ready} demands. */
    void process(Ready ready, SimNetwork network, long now, History history, boolean crashBeforeSend) {
        storage.write(ready.writes());
        if (crashBeforeSend) {
            crash();
            return;
        }
        for (var message : ready.messages()) {
            network.send(message, now);
        }
        for (Delivery delivery : ready.deliveries()) {
            history.onDelivery(this, delivery, now);
            applied.add(delivery);
            for (var command : delivery.commands()) {
                appliedIds.add(command.id());
            }
        }
    }

    int incarnation() {
        return incarnation;
    }
}
