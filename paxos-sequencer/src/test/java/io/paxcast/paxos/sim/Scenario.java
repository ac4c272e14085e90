package io.paxcast.paxos.sim;

/**
 * A fault profile for one simulated run. A seed picks its scenario ({@code seed % values().length}),
 * so a seed number alone replays a run.
 */
public enum Scenario {
    LOSSY_3(spec(3).drop(0.05).duplicate(0.05).delay(4)),
    LOSSY_5(spec(5).drop(0.10).duplicate(0.05).delay(8).skew(50)),
    CRASH_3(spec(3).drop(0.02).duplicate(0.02).delay(4).crash(0.01)),
    CRASH_5(spec(5).drop(0.02).duplicate(0.02).delay(4).crash(0.015).skew(200)),
    PARTITION_3(spec(3).drop(0.02).duplicate(0.02).delay(4).partition(0.01)),
    PARTITION_5(spec(5).drop(0.02).duplicate(0.02).delay(6).partition(0.01)),
    ONE_WAY_5(spec(5).drop(0.02).duplicate(0.02).delay(6).oneWay(0.02)),
    CRASH_HEAVY_3(spec(3).drop(0.05).duplicate(0.05).delay(8).crash(0.04)),
    DUELLING_3(spec(3).drop(0.05).duplicate(0.05).delay(8).crash(0.03).election(5)),
    BRIDGE_CRASH_3(spec(3).drop(0.02).duplicate(0.02).delay(4).crash(0.03).bridge(0.02)),
    BRIDGE_5(spec(5).drop(0.02).duplicate(0.02).delay(6).crash(0.01).skew(100).bridge(0.01)),
    CHAOS_3(spec(3).drop(0.08).duplicate(0.05).delay(8).crash(0.01).partition(0.005).oneWay(0.01).skew(500)),
    CHAOS_5(spec(5).drop(0.08).duplicate(0.05).delay(8).crash(0.01).partition(0.005).oneWay(0.01).skew(500)),
    /** Lost disks: a node crashes and comes back on an empty store (DESIGN.md P3). */
    WIPE_3(spec(3).drop(0.02).duplicate(0.02).delay(4).crash(0.01).wipe(0.01)),
    WIPE_5(spec(5).drop(0.03).duplicate(0.02).delay(6).crash(0.01).wipe(0.01).partition(0.003)),
    /** Leaders' wall clocks jump by minutes, both ways; short idempotency windows expire during the run. */
    CLOCK_JUMPS_3(spec(3).drop(0.02).duplicate(0.02).delay(4).crash(0.01).skew(500).clockJumps(0.01)),
    /** The application throws on some deliveries: the node must stop, restart, replay, never diverge. */
    APPLY_FAILS_3(spec(3).drop(0.02).duplicate(0.02).delay(4).applyFails(0.01)),
    /**
     * A reliable network in which followers (never the leader) are cut off for a while and then heal:
     * every heal must leave the leader and its ballot as they were (no needless leader change).
     */
    HEAL_3(spec(3).delay(3).isolateFollowers(0.01)),
    HEAL_5(spec(5).delay(3).isolateFollowers(0.01)),
    /**
     * Membership change (DESIGN.md P17): two spare nodes start outside the configuration; an operator
     * adds them as learners, promotes them, removes voters (the leader too), one change at a time,
     * while messages are lost, nodes crash and the network splits. α is small, so changes take effect
     * while slots are in flight.
     */
    MEMBERS_3(spec(3).drop(0.03).duplicate(0.03).delay(4).crash(0.01).partition(0.004).spares(2).reconfigure(0.03)),
    MEMBERS_5(spec(5).drop(0.05).duplicate(0.03).delay(6).crash(0.01).partition(0.004).oneWay(0.005).skew(200)
            .spares(2).reconfigure(0.03)),
    /** Membership change under leader churn: short election timeouts, frequent crashes. */
    MEMBERS_CHURN_3(spec(3).drop(0.05).duplicate(0.05).delay(6).crash(0.03).election(6).spares(2).reconfigure(0.05)),
    /**
     * Membership change with lost disks: a wiped bootstrap voter must not earn its vote back by
     * {@code Rejoin} once a change was applied (voters it does not probe may hold what it forgot); the
     * operator removes such a member and adds it again, and it votes with its new store's token.
     */
    MEMBERS_WIPE_3(spec(3).drop(0.03).duplicate(0.03).delay(4).crash(0.01).wipe(0.01).partition(0.003)
            .spares(2).reconfigure(0.04)),
    MEMBERS_WIPE_5(spec(5).drop(0.03).duplicate(0.03).delay(6).crash(0.01).wipe(0.015).spares(2).reconfigure(0.04)),
    /**
     * A stray process outside the membership (DESIGN.md P19): {@code x1} believes it is a fourth voter
     * and campaigns, through crashes and partitions that leave the real nodes without a leader; no
     * real node may ever promise its ballot (the sender check), and the cluster must stay live.
     */
    OUTSIDER_3(spec(3).drop(0.02).duplicate(0.02).delay(4).crash(0.02).partition(0.005).outsiders(1)),
    OUTSIDER_5(spec(5).drop(0.03).duplicate(0.02).delay(6).crash(0.02).outsiders(2).spares(1).reconfigure(0.02));

    /** The bootstrap voters; {@link #spares} more nodes start outside the configuration. */
    final int nodes;
    final double dropRate;
    final double duplicateRate;
    final int maxDelay;
    final double crashRate;
    final double partitionRate;
    final double oneWayRate;
    final long clockSkew;
    final int electionTicks;
    final double bridgeRate;
    final double wipeRate;
    final double clockJumpRate;
    final double applyFailRate;
    final double isolateFollowerRate;
    final int spares;
    final double reconfigureRate;
    /** Stray nodes that believe they are voters and are in no configuration. */
    final int outsiders;

    Scenario(Spec s) {
        this.nodes = s.nodes;
        this.dropRate = s.drop;
        this.duplicateRate = s.duplicate;
        this.maxDelay = s.delay;
        this.crashRate = s.crash;
        this.partitionRate = s.partition;
        this.oneWayRate = s.oneWay;
        this.clockSkew = s.skew;
        this.electionTicks = s.election;
        this.bridgeRate = s.bridge;
        this.wipeRate = s.wipe;
        this.clockJumpRate = s.clockJumps;
        this.applyFailRate = s.applyFails;
        this.isolateFollowerRate = s.isolateFollowers;
        this.spares = s.spares;
        this.reconfigureRate = s.reconfigure;
        this.outsiders = s.outsiders;
    }

    public static Scenario forSeed(long seed) {
        Scenario[] all = values();
        return all[(int) Math.floorMod(seed, (long) all.length)];
    }

    private static Spec spec(int nodes) {
        return new Spec(nodes);
    }

    /**
     * The knobs, each a probability per tick unless said otherwise: message loss and duplication; delay
     * (messages take 1..delay ticks, so they are reordered); crashes (volatile state lost); symmetric
     * partitions; one-way cuts; clock skew (wall clocks differ by up to this many ms); the election
     * timeout (short ones, near the network delay, provoke duelling leaders); bridges (two nodes lose
     * their link both ways while a third still talks to both: a non-transitive partition); wipes (a
     * crash that loses the disk); wall-clock jumps of minutes; deliveries the application cannot apply;
     * a follower cut off and healed; spare nodes outside the bootstrap configuration, and the chance
     * per tick that an operator asks the leader for a membership change; stray nodes that are never
     * members but believe they are voters.
     */
    private static final class Spec {
        final int nodes;
        double drop;
        double duplicate;
        int delay = 4;
        double crash;
        double partition;
        double oneWay;
        long skew;
        int election = 12;
        double bridge;
        double wipe;
        double clockJumps;
        double applyFails;
        double isolateFollowers;
        int spares;
        double reconfigure;
        int outsiders;

        Spec(int nodes) {
            this.nodes = nodes;
        }

        Spec drop(double p) { drop = p; return this; }
        Spec duplicate(double p) { duplicate = p; return this; }
        Spec delay(int ticks) { delay = ticks; return this; }
        Spec crash(double p) { crash = p; return this; }
        Spec partition(double p) { partition = p; return this; }
        Spec oneWay(double p) { oneWay = p; return this; }
        Spec skew(long millis) { skew = millis; return this; }
        Spec election(int ticks) { election = ticks; return this; }
        Spec bridge(double p) { bridge = p; return this; }
        Spec wipe(double p) { wipe = p; return this; }
        Spec clockJumps(double p) { clockJumps = p; return this; }
        Spec applyFails(double p) { applyFails = p; return this; }
        Spec isolateFollowers(double p) { isolateFollowers = p; return this; }
        Spec spares(int n) { spares = n; return this; }
        Spec reconfigure(double p) { reconfigure = p; return this; }
        Spec outsiders(int n) { outsiders = n; return this; }
    }
}
