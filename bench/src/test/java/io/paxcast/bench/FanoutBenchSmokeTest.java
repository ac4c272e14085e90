package io.paxcast.bench;

import io.paxcast.bench.fanout.FanoutReport;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The fan-out benchmark in smoke mode: 10 subscribers, 2 s, each configuration once, every server
 * for real (a 3-node cluster through a private copy of bin/paxcast-local, the same with 2 edge
 * nodes, 3 nats-server). Without nats-server on the PATH the test is skipped, unless
 * PAXCAST_NATS_REQUIRED=true (CI installs it), then it fails.
 */
class FanoutBenchSmokeTest {

    @Test
    void everyConfigurationDeliversInOrderAndTheTableComparesThem() throws Exception {
        boolean nats = Arrays.stream(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .anyMatch(dir -> !dir.isEmpty() && Files.isExecutable(Path.of(dir, "nats-server")));
        if (!nats) {
            boolean required = "true".equalsIgnoreCase(System.getenv("PAXCAST_NATS_REQUIRED"));
            assertFalse(required, "nats-server is not on the PATH and PAXCAST_NATS_REQUIRED=true (apt-get install -y nats-server)");
            assumeTrue(false, "nats-server is not on the PATH (apt-get install -y nats-server)");
        }
        FanoutBench bench = FanoutBench.parse("--smoke");
        assertNull(bench.checkFileDescriptors(), "ulimit -n suffices for the smoke's subscribers");
        FanoutReport report = bench.run(System.out); // progress lines in the build log

        String md = report.markdown();
        assertEquals(List.of(), report.brokenRuns(), md);
        assertEquals(0, report.violations(), "every subscriber saw every seq in order, without a gap: " + md);
        assertEquals(3, report.rows().size(), md);
        for (FanoutReport.Row row : report.rows()) {
            String name = row.system() + "/" + row.learners();
            assertEquals(10, row.subscribers(), name);
            assertTrue(row.published() > 0, name + " published");
            assertEquals(0, row.missing(), name + " delivered every message to every subscriber");
            assertTrue(row.deliveries() >= row.published() * row.subscribers(), name + ": " + row);
            assertTrue(row.deliveriesPerSecond() > 0 && row.deliverP99() > 0, name + " measured deliveries: " + row);
        }
        FanoutReport.Row none = report.row("paxcast", 0, 10);
        FanoutReport.Row two = report.row("paxcast", 2, 10);
        assertNotNull(none, md);
        assertNotNull(two, md);
        assertEquals(3, none.nodes(), md);
        assertEquals(5, two.nodes(), "the subscribers are spread over the 3 voters and the 2 edge nodes");
        assertTrue(none.ackP99() > 0 && two.ackP99() > 0, "the quorum's publish -> ack p99 was measured: " + md);
        assertTrue(Double.isNaN(report.row("nats", 0, 10).ackP99()), "core NATS has no ack");
        assertTrue(report.deliveriesRatio(0, 10) > 0 && report.deliverP99Ratio(2, 10) > 0, md);
        assertTrue(report.ackGrowth(2, 10) > 0, md);
        assertEquals(1, report.goals().size(), md);
        assertTrue(md.contains("deliveries/s ÷ nats") && md.contains("ack p99 ÷ 0 learners"), md);
        assertTrue(Files.isRegularFile(Path.of("target", "bench", "fanout.md")), "the table is written");
        assertTrue(Files.readString(Path.of("target", "bench", "fanout.csv")).lines().count() == 4, "a header and 3 rows");
    }
}
