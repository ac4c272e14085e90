package io.paxcast.paxos.sim;

import io.paxcast.paxos.core.InjectedBug;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The simulator's checks can fail: each known way of breaking Multi-Paxos, switched on in every
 * node, must be caught within the seed budget CI explores.
 */
class InjectedBugTest {
    static final int BUDGET = Integer.getInteger("sim.seeds", 10_000);

    @ParameterizedTest
    @EnumSource(InjectedBug.class)
    void isCaughtWithinTheCiBudget(InjectedBug bug) {
        for (long seed = 1; seed <= BUDGET; seed++) {
            Simulator.Result r = new Simulator(seed, Set.of(bug)).run();
            if (!r.ok()) {
                System.out.printf("%s caught by seed %d (%s) after %d seeds: %s%n", bug, seed, r.scenario(), seed,
                        r.violations().get(0));
                return;
            }
        }
        assertTrue(false, bug + " survived " + BUDGET + " seeds: the invariants cannot see it");
    }
}
