package io.paxcast.bench;

import io.paxcast.bench.peer.PeerBench;
import io.paxcast.bench.peer.PeerReport;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The peer benchmark in smoke mode: NATS JetStream, Kafka and Paxcast each started for real, one
 * round of window 64 and the 50% rate. Without nats-server on the PATH the test is skipped, unless
 * PAXCAST_NATS_REQUIRED=true (CI installs it), then it fails.
 */
class PeerBenchSmokeTest {

    @Test
    void everySystemAcknowledgesAndTheTableComparesThem() throws Exception {
        boolean nats = Arrays.stream(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .anyMatch(dir -> !dir.isEmpty() && Files.isExecutable(Path.of(dir, "nats-server")));
        if (!nats) {
            boolean required = "true".equalsIgnoreCase(System.getenv("PAXCAST_NATS_REQUIRED"));
            assertFalse(required, "nats-server is not on the PATH and PAXCAST_NATS_REQUIRED=true (apt-get install -y nats-server)");
            assumeTrue(false, "nats-server is not on the PATH (apt-get install -y nats-server)");
        }
        PeerBench bench = PeerBench.parse("--smoke");
        PeerReport report = bench.run(System.out); // progress lines in the build log: which system, how fast it started

        assertEquals(java.util.List.of(), report.brokenRuns(), "no errors, lost acks or missed deliveries");
        for (String system : bench.systems()) {
            assertTrue(report.median(system, "w64 msg/s") > 0, system + " acknowledged messages");
            assertTrue(report.median(system, "50% rate deliver p99 ms") > 0, system + " delivered to the other node's subscriber");
        }
        assertTrue(report.ratio("nats", "w64 msg/s") > 0, "a Paxcast / NATS ratio");
        assertTrue(report.ratio("kafka", "w64 msg/s") > 0, "a Paxcast / Kafka ratio");
        String md = report.markdown();
        assertTrue(md.contains("paxcast ÷ nats") && md.contains("paxcast ÷ kafka"), md);
        assertEquals(5, report.goals().size(), md);
        assertTrue(Files.isRegularFile(Path.of("target", "bench", "peer.svg")), "the chart is written");
    }
}
