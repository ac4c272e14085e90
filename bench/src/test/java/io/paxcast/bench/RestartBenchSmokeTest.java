package io.paxcast.bench;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The restart benchmark in smoke mode: both runs complete (the node restarts after SIGTERM and after
 * SIGKILL and agrees with its peers: the bench checks it), and retention shows where it must: the
 * store compacted and holds less than the store of the run without retention.
 */
class RestartBenchSmokeTest {

    @Test
    void smokeModeRestartsAndCompacts() throws Exception {
        RestartBench bench = new RestartBench();
        bench.smoke = true;
        List<RestartBench.Figures> runs = bench.runAll();
        assertEquals(2, runs.size());
        RestartBench.Figures limited = runs.get(0);
        RestartBench.Figures unlimited = runs.get(1);
        for (RestartBench.Figures f : runs) {
            assertTrue(f.cleanRestartSeconds() > 0 && f.killRestartSeconds() > 0, f.toString());
            assertTrue(f.heapAfterRestart() > 0, f.toString());
        }
        assertTrue(limited.logStart() > 1, "the run with retention compacted: " + limited);
        assertTrue(limited.installed(), "with its disk lost, node 3 installed a peer's snapshot: " + limited);
        assertEquals(1, unlimited.logStart(), "nothing is compacted without retention: " + unlimited);
        long limitedStore = limited.disk().getOrDefault("journal", 0L) + limited.disk().getOrDefault("mapdb", 0L);
        long unlimitedStore = unlimited.disk().getOrDefault("journal", 0L) + unlimited.disk().getOrDefault("mapdb", 0L);
        assertTrue(limitedStore < unlimitedStore, "retention keeps less on disk: " + limited.disk() + " vs " + unlimited.disk());
    }
}
