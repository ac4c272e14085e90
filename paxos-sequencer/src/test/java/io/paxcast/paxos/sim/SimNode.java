package io.paxcast.paxos.sim;

import io.paxcast.paxos.apply.DeliveryApplier;
import io.paxcast.paxos.apply.ReadyLoop;
import io.paxcast.paxos.core.Checkpoint;
import io.paxcast.paxos.core.Clock;
import io.paxcast.paxos.core.Command;
import io.paxcast.paxos.core.Delivery;
import io.paxcast.paxos.core.InjectedBug;
import io.paxcast.paxos.core.PaxosConfig;
import io.paxcast.paxos.core.PaxosNode;
import io.paxcast.paxos.core.PlantedBugs;
import io.paxcast.paxos.storage.InMemoryStorage;

import java.util.HashSet;
import java.util.Set;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;

/**
 * One simulated node: a {@link PaxosNode} (volatile: lost on crash), its durable storage, and its
 * application ({@link SimApp}), driven by the production's {@link ReadyLoop}: persist, send, apply
 * through the production's {@link DeliveryApplier}. As in production, the application is rebuilt at
 * every start: from the last snapshot it took at a {@link Checkpoint} (kept on the node's disk: it
 * survives a crash, not a wiped disk), or by delivering the log again from slot 1. Snapshots are
 * taken at some checkpoints only, and a start sometimes ignores the last one, so runs exercise old
 * snapshots and full replays alike. The application may submit while a delivery is being applied
 * (a pipelined request let in by the response that delivery completed).
 */
final class SimNode {
    final String id;
    final PaxosConfig config;
    /** Planted in every start of this node (the simulator's self-test); empty in every real run. */
    private final Set<InjectedBug> bugs;
    final InMemoryStorage storage = new InMemoryStorage();
    private final long windowMillis;
    private final long seed;
    private int incarnation;
    /** This node's wall clock is the simulation's time plus this offset (skew, then jumps). */
    long clockOffset;
    PaxosNode node;
    private ReadyLoop loop;
    private DeliveryApplier applier;
    SimApp app;
    /** Command ids applied in this incarnation: one may never be applied twice. */
    final Set<Object> appliedIds = new HashSet<>();
    /** Keys the application holds now (this incarnation). */
    final Set<String> appliedKeys = new HashSet<>();
    long lastApplied;
    /** What the application keeps on disk with a checkpoint: its state and the checkpoint. */
    private record Snapshot(Checkpoint checkpoint, SimApp app, Set<Object> appliedIds, Set<String> appliedKeys) {}

    /** The last snapshot taken (durable: a crash keeps it, a wiped disk loses it), or null. */
    private Snapshot snapshot;
    /** Decides which checkpoints are snapshotted and which starts use the snapshot (seeded per start). */
    private RandomGenerator snapshotChoices;
    /** Snapshots taken and starts that resumed from one (all incarnations): the run's coverage. */
    int snapshotsTaken;
    int resumedFromSnapshot;
    int compactions;
    int installs;
    /** After a snapshot: the slot to compact below at the node's next turn (0: none). */
    private long pendingCompaction;
    /** A snapshot fetched from a peer, installed at tick {@link #installAt} (the transfer takes time). */
    private Snapshot incoming;
    private long installAt;
    /** The next delivery the application fails on (for the apply-failure faults), or -1. */
    long failOnSlot = -1;
    /** Set by the simulator for one tick: the next write group persists, then the node dies before sending. */
    boolean crashAfterNextWrite;
    /** The loop asked to be pumped again after other work. */
    boolean pumpLater;
    /**
     * A write group persisted whose completion the "storage thread" has not reported yet: it is reported
     * at the node's next turn, as production's completes after the disk did, with other input arriving
     * in between.
     */
    private Runnable writeCompletion;

    SimNode(String id, PaxosConfig config, Set<InjectedBug> bugs, long clockOffset, long seed, long windowMillis) {
        this.bugs = bugs;
        this.id = id;
        this.config = config;
        this.clockOffset = clockOffset;
        this.seed = seed;
        this.windowMillis = windowMillis;
    }

    boolean isUp() {
        return node != null;
    }

    void start(Simulator sim, History history, SimNetwork network) {
        incarnation++;
        RandomGenerator random = RandomGeneratorFactory.<RandomGenerator>of("L64X128MixRandom")
                .create(seed * 31 + incarnation);
        Clock clock = () -> Math.max(0, sim.now() + clockOffset);
        snapshotChoices = RandomGeneratorFactory.<RandomGenerator>of("L64X128MixRandom")
                .create(seed * 17 + incarnation);
        appliedIds.clear();
        appliedKeys.clear();
        Checkpoint resumeFrom = null;
        pendingCompaction = 0;
        incoming = null;
        // a compacted store can only start from a snapshot past its log start (a full replay is impossible)
        boolean mustResume = storage.logStart() > 1;
        if (mustResume && (snapshot == null || snapshot.checkpoint().slot() + 1 < storage.logStart())) {
            throw new IllegalStateException("node " + id + " compacted below slot " + storage.logStart()
                    + " but its snapshot is " + (snapshot == null ? "missing" : "at slot " + snapshot.checkpoint().slot()));
        }
        if (snapshot != null && (mustResume || snapshotChoices.nextInt(4) != 0)) {
            resumeFrom = snapshot.checkpoint();
            app = snapshot.app().copy();
            appliedIds.addAll(snapshot.appliedIds());
            appliedKeys.addAll(snapshot.appliedKeys());
            lastApplied = resumeFrom.slot();
            resumedFromSnapshot++;
        } else {
            app = new SimApp(windowMillis);
            lastApplied = 0;
        }
        crashAfterNextWrite = false;
        pumpLater = false;
        PaxosNode started = PlantedBugs.node(bugs, config, storage.load(), storage, clock, random, resumeFrom);
        node = started;
        applier = new DeliveryApplier(delivery -> apply(delivery, sim, history));
        writeCompletion = null;
        loop = new ReadyLoop(started, (writes, done) -> {
            storage.write(writes);
            boolean crash = crashAfterNextWrite;
            writeCompletion = () -> {
                if (crash) {
                    sim.crashedAfterPersisting(this); // dies before sending: done is never called
                } else {
                    done.accept(null);
                }
            };
        }, message -> network.send(message, sim.now()), applier, () -> pumpLater = true,
                why -> sim.stopped(this, why));
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
        if (delivery.checkpoint() != null && snapshotChoices.nextBoolean()) {
            snapshot = new Snapshot(delivery.checkpoint(), app.copy(), Set.copyOf(appliedIds), Set.copyOf(appliedKeys));
            snapshotsTaken++;
            if (snapshotChoices.nextBoolean()) {
                // compact at the next turn (as production does, off the apply path), sometimes keeping a few slots
                pendingCompaction = Math.max(1, delivery.slot() + 1 - snapshotChoices.nextInt(8));
            }
        }
        sim.afterApply(this); // may submit from inside the delivery, as a pipelined request would
    }

    /**
     * This node's turn, after its tick: a compaction its last snapshot allowed; and, when the node found
     * that a peer compacted past what it lacks, the transfer of that peer's snapshot (it takes a few
     * ticks; a crash of either side in between loses it) and its installation.
     */
    void maintain(Simulator sim) {
        if (node == null) {
            return;
        }
        if (pendingCompaction > 0) {
            node.compact(pendingCompaction);
            pendingCompaction = 0;
            compactions++;
        }
        if (incoming != null && sim.now() >= installAt) {
            Snapshot s = incoming;
            incoming = null;
            if (s.checkpoint().slot() > lastApplied) {
                app = s.app().copy();
                appliedIds.clear();
                appliedIds.addAll(s.appliedIds());
                appliedKeys.clear();
                appliedKeys.addAll(s.appliedKeys());
                lastApplied = s.checkpoint().slot();
                snapshot = s; // the application keeps what it installed, as its own snapshot
                applier.installedThrough(lastApplied); // deliveries already handed out are covered by it
                node.install(s.checkpoint());
                installs++;
            }
            return;
        }
        String from = node.status().installFrom();
        if (from != null && incoming == null) {
            SimNode peer = sim.node(from);
            if (peer.isUp() && peer.snapshot != null && peer.snapshot.checkpoint().slot() > lastApplied) {
                incoming = peer.snapshot;
                installAt = sim.now() + 1 + snapshotChoices.nextInt(10);
            }
        }
    }

    /** The storage reports the write group in progress (if any) durable: the loop sends and applies it. */
    void completeWrite() {
        Runnable completion = writeCompletion;
        writeCompletion = null;
        if (completion != null && node != null) {
            completion.run();
        }
    }

    /** Drains and handles Readies (persist, send, apply) until none is left or a write is in progress. */
    void pump() {
        if (node != null) {
            pumpLater = false;
            loop.pump();
        }
    }

    void crash() {
        node = null;
        loop = null;
    }

    /** The disk is lost too: the node will start on an empty store. */
    void wipe() {
        crash();
        storage.wipe();
        snapshot = null;
    }

    int incarnation() {
        return incarnation;
    }
}
