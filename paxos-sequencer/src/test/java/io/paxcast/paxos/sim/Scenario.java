package io.paxcast.paxos.sim;

/**
 * A fault profile for one simulated run. A seed picks its scenario ({@code seed % values().length}),
 * so a seed number alone replays a run.
 *
 * @param nodes         cluster size
 * @param dropRate      probability that a message is lost
 * @param duplicateRate probability that a message is delivered twice
 * @param maxDelay      messages take 1..maxDelay ticks (so they are reordered)
 * @param crashRate     per tick, probability that one node crashes (volatile state lost)
 * @param partitionRate per tick, probability that a symmetric partition starts
 * @param oneWayRate    per tick, probability that one directed link is cut
 * @param clockSkew     leaders' clocks differ by up to this many ms
 * @param electionTicks election timeout; short ones (near the network delay) provoke duelling leaders
 * @param bridgeRate    per tick, probability that two nodes lose their link both ways while a third
 *                      still talks to both (Jepsen's "bridge": a non-transitive partition)
 */
public enum Scenario {
    LOSSY_3(3, 0.05, 0.05, 4, 0, 0, 0, 0, 12),
    LOSSY_5(5, 0.10, 0.05, 8, 0, 0, 0, 50, 12),
    CRASH_3(3, 0.02, 0.02, 4, 0.01, 0, 0, 0, 12),
    CRASH_5(5, 0.02, 0.02, 4, 0.015, 0, 0, 200, 12),
    PARTITION_3(3, 0.02, 0.02, 4, 0, 0.01, 0, 0, 12),
    PARTITION_5(5, 0.02, 0.02, 6, 0, 0.01, 0, 0, 12),
    ONE_WAY_5(5, 0.02, 0.02, 6, 0, 0, 0.02, 0, 12),
    CRASH_HEAVY_3(3, 0.05, 0.05, 8, 0.04, 0, 0, 0, 12),
    DUELLING_3(3, 0.05, 0.05, 8, 0.03, 0, 0, 0, 5),
    BRIDGE_CRASH_3(3, 0.02, 0.02, 4, 0.03, 0, 0, 0, 12, 0.02),
    BRIDGE_5(5, 0.02, 0.02, 6, 0.01, 0, 0, 100, 12, 0.01),
    CHAOS_3(3, 0.08, 0.05, 8, 0.01, 0.005, 0.01, 500, 12),
    CHAOS_5(5, 0.08, 0.05, 8, 0.01, 0.005, 0.01, 500, 12);

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

    Scenario(int nodes, double dropRate, double duplicateRate, int maxDelay, double crashRate,
             double partitionRate, double oneWayRate, long clockSkew, int electionTicks) {
        this(nodes, dropRate, duplicateRate, maxDelay, crashRate, partitionRate, oneWayRate, clockSkew, electionTicks, 0);
    }

    Scenario(int nodes, double dropRate, double duplicateRate, int maxDelay, double crashRate,
             double partitionRate, double oneWayRate, long clockSkew, int electionTicks, double bridgeRate) {
        this.electionTicks = electionTicks;
        this.bridgeRate = bridgeRate;
        this.nodes = nodes;
        this.dropRate = dropRate;
        this.duplicateRate = duplicateRate;
        this.maxDelay = maxDelay;
        this.crashRate = crashRate;
        this.partitionRate = partitionRate;
        this.oneWayRate = oneWayRate;
        this.clockSkew = clockSkew;
    }

    public static Scenario forSeed(long seed) {
        Scenario[] all = values();
        return all[(int) Math.floorMod(seed, (long) all.length)];
    }
}
