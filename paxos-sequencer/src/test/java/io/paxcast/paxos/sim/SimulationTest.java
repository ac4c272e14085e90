package io.paxcast.paxos.sim;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Explores {@code sim.seeds} seeds (default 2000 in {@code mvn verify}; {@code -Dsim.seeds=200000}
 * for a soak), spread over every {@link Scenario}, and fails with the command that replays the first
 * failing seed.
 */
class SimulationTest {

    static String replayCommand(long seed) {
        return "mvn -B -pl paxos-sequencer test -Dtest=SimulationTest#replay -Dsim.seed=" + seed;
    }

    @Test
    void exploreSeeds() throws Exception {
        long seeds = Long.getLong("sim.seeds", 2000);
        long first = Long.getLong("sim.firstSeed", 1);
        int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
        long started = System.nanoTime();
        AtomicLong done = new AtomicLong();
        Map<Scenario, long[]> perScenario = new EnumMap<>(Scenario.class);
        List<Simulator.Result> failures = new ArrayList<>();
        long[] totals = new long[5];
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Simulator.Result>> results = new ArrayList<>();
            for (long seed = first; seed < first + seeds; seed++) {
                long s = seed;
                results.add(pool.submit(() -> {
                    Simulator.Result r = new Simulator(s, Set.of()).run();
                    long n = done.incrementAndGet();
                    if (n % 10_000 == 0) {
                        System.out.printf("simulation: %d/%d seeds, %.0f s%n", n, seeds,
                                (System.nanoTime() - started) / 1e9);
                    }
                    return r;
                }));
            }
            for (Future<Simulator.Result> f : results) {
                Simulator.Result r = f.get();
                long[] stats = perScenario.computeIfAbsent(r.scenario(), k -> new long[4]);
                stats[0]++;
                stats[1] += r.submitted();
                stats[2] += r.acked();
                stats[3] += r.ticks();
                totals[0] += r.messages();
                totals[1] += r.groupCommits();
                totals[2] += r.snapshotsTaken();
                totals[3] += r.resumedFromSnapshot();
                totals[4] += r.snapshotInstalls();
                if (!r.ok()) {
                    failures.add(r);
                }
            }
        } finally {
            pool.shutdownNow();
        }
        double secs = (System.nanoTime() - started) / 1e9;
        System.out.printf("simulation: %d seeds from %d in %.1f s on %d threads, %d messages, %d group commits,"
                + " %d snapshots, %d starts from a snapshot, %d snapshots installed from a peer%n", seeds, first, secs,
                threads, totals[0], totals[1], totals[2], totals[3], totals[4]);
        perScenario.forEach((scenario, s) -> System.out.printf(
                "  %-12s seeds=%-6d commands submitted=%-8d acknowledged=%-8d ticks=%d%n",
                scenario, s[0], s[1], s[2], s[3]));
        if (!failures.isEmpty()) {
            Simulator.Result f = failures.get(0);
            StringBuilder sb = new StringBuilder();
            sb.append(failures.size()).append(" failing seed(s); first: seed ").append(f.seed()).append(" (")
                    .append(f.scenario()).append(")\n");
            f.violations().stream().limit(5).forEach(v -> sb.append("  ").append(v).append('\n'));
            sb.append("replay: ").append(replayCommand(f.seed())).append('\n');
            sb.append("other failing seeds: ");
            failures.stream().skip(1).limit(20).forEach(r -> sb.append(r.seed()).append(' '));
            throw new AssertionError(sb.toString());
        }
        // Coverage: restarts from a snapshot happen, or the checks above say nothing about them.
        assertTrue(totals[3] >= seeds / 20, "only " + totals[3] + " starts from a snapshot in " + seeds + " seeds");
        assertTrue(totals[4] >= seeds / 50, "only " + totals[4] + " snapshot installs in " + seeds + " seeds");
    }

    /** Replays one seed with a trace: {@code -Dsim.seed=N} (planted bugs: {@code -Dsim.bugs=SKIP_DEDUPE,...}). */
    @Test
    void replay() {
        String seedText = System.getProperty("sim.seed");
        assumeTrue(seedText != null, "set -Dsim.seed=N to replay a seed");
        long seed = Long.parseLong(seedText);
        String bugText = System.getProperty("sim.bugs", "");
        Set<io.paxcast.paxos.core.InjectedBug> bugs = bugText.isBlank() ? Set.of()
                : java.util.Arrays.stream(bugText.split(",")).map(io.paxcast.paxos.core.InjectedBug::valueOf)
                        .collect(java.util.stream.Collectors.toSet());
        Simulator.Result r = new Simulator(seed, bugs, true).run();
        r.trace().forEach(System.out::println);
        System.out.printf("seed %d (%s): %d ticks, %d submitted, %d acknowledged, violations %s%n",
                seed, r.scenario(), r.ticks(), r.submitted(), r.acked(), r.violations());
        assertTrue(r.ok(), () -> "seed " + seed + ": " + r.violations());
    }

    @Test
    void aSeedReplaysIdentically() {
        for (long seed : new long[] {7, 8, 9}) {
            Simulator.Result a = new Simulator(seed, Set.of()).run();
            Simulator.Result b = new Simulator(seed, Set.of()).run();
            assertEquals(a.ticks(), b.ticks(), "ticks of seed " + seed);
            assertEquals(a.messages(), b.messages(), "messages of seed " + seed);
            assertEquals(a.acked(), b.acked(), "acknowledged of seed " + seed);
            assertEquals(a.groupCommits(), b.groupCommits(), "group commits of seed " + seed);
        }
    }
}
