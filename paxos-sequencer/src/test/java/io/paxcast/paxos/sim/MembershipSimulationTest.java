package io.paxcast.paxos.sim;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Membership change in the simulator (DESIGN.md P17): {@code sim.memberSeeds} seeds (default 300) of
 * the {@code MEMBERS_*} scenarios, where an operator adds learners, promotes them and removes voters
 * (the leader too) while the network loses, duplicates and reorders messages, nodes crash and
 * partitions come and go. Every check of the {@link History} holds across every configuration
 * (agreement per slot, the learner's checkpoint, which carries the configurations, equal on every
 * node; durability and liveness for the members of the newest configuration), and the runs really do
 * change the membership, many times.
 */
class MembershipSimulationTest {
    private static final Set<Scenario> MEMBERSHIP = EnumSet.of(Scenario.MEMBERS_3, Scenario.MEMBERS_5,
            Scenario.MEMBERS_CHURN_3, Scenario.MEMBERS_WIPE_3, Scenario.MEMBERS_WIPE_5);

    @Test
    void agreementAndDurabilityHoldAcrossMembershipChanges() throws Exception {
        long wanted = Long.getLong("sim.memberSeeds", 300);
        List<Long> seeds = new ArrayList<>();
        for (long seed = 1; seeds.size() < wanted; seed++) {
            if (MEMBERSHIP.contains(Scenario.forSeed(seed))) {
                seeds.add(seed);
            }
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Runtime.getRuntime().availableProcessors()));
        List<Simulator.Result> failures = new ArrayList<>();
        long changes = 0;
        long changedRuns = 0;
        long maxEpoch = 0;
        try {
            List<Future<Simulator.Result>> results = new ArrayList<>();
            for (long seed : seeds) {
                results.add(pool.submit(() -> new Simulator(seed, Set.of()).run()));
            }
            for (Future<Simulator.Result> f : results) {
                Simulator.Result r = f.get();
                if (!r.ok()) {
                    failures.add(r);
                }
                changes += r.reconfigurations();
                changedRuns += r.finalEpoch() > 0 ? 1 : 0;
                maxEpoch = Math.max(maxEpoch, r.finalEpoch());
            }
        } finally {
            pool.shutdownNow();
        }
        System.out.printf("membership simulation: %d seeds, %d changes proposed, %d runs ended in a changed"
                + " configuration, highest epoch %d, %d failing%n", seeds.size(), changes, changedRuns, maxEpoch,
                failures.size());
        if (!failures.isEmpty()) {
            Simulator.Result f = failures.get(0);
            StringBuilder sb = new StringBuilder(failures.size() + " failing seed(s); first: seed " + f.seed()
                    + " (" + f.scenario() + ")\n");
            f.violations().stream().limit(5).forEach(v -> sb.append("  ").append(v).append('\n'));
            sb.append("replay: ").append(SimulationTest.replayCommand(f.seed())).append('\n');
            sb.append("other failing seeds: ");
            failures.stream().skip(1).limit(20).forEach(r -> sb.append(r.seed()).append(' '));
            throw new AssertionError(sb.toString());
        }
        assertTrue(changes >= seeds.size() * 2L, "only " + changes + " changes in " + seeds.size() + " seeds");
        assertTrue(changedRuns >= seeds.size() * 3L / 4, "only " + changedRuns + " of " + seeds.size()
                + " runs changed the configuration");
        assertTrue(maxEpoch >= 4, "no run got past epoch " + maxEpoch);
    }
}
