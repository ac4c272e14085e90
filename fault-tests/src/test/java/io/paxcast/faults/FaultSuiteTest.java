package io.paxcast.faults;

import io.paxcast.faults.history.Anomaly;
import io.paxcast.faults.net.NetnsCluster;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The Jepsen-style fault suite over real node processes in network namespaces. CI runs the short
 * mode (4 schedules of 45 s, each with a kill, a pause and a partition, at 200 publishes/s, the last
 * of them at high load: 256 publishers without pacing, hundreds of publishes in flight); the long
 * mode is {@code mvn -pl fault-tests test -Dtest=FaultSuiteTest -Dfaults.schedules=50 -Dfaults.seconds=60}
 * (or {@code bin/paxcast-faults}). Reports go to {@code fault-tests/target/fault-reports/}.
 */
class FaultSuiteTest {

    @Test
    void faultSchedulesProduceNoAnomaly() throws Exception {
        Optional<String> unavailable = NetnsCluster.unavailableReason();
        if ("true".equalsIgnoreCase(System.getenv("PAXCAST_NETNS_REQUIRED"))) {
            assertTrue(unavailable.isEmpty(), () -> "CI requires network namespaces: " + unavailable.orElse(""));
        }
        assumeTrue(unavailable.isEmpty(), () -> "network namespaces unavailable: " + unavailable.orElse(""));
        int schedules = Integer.getInteger("faults.schedules", 4);
        int seconds = Integer.getInteger("faults.seconds", 45);
        long firstSeed = Long.getLong("faults.seed", 1);
        double rate = Double.parseDouble(System.getProperty("faults.rate", "200"));
        int highLoad = Integer.getInteger("faults.highLoadSchedules", 1); // the last ones run at high load
        String subnet = System.getProperty("faults.subnet", NetnsCluster.DEFAULT_SUBNET);
        Path reports = Path.of("target", "fault-reports");
        Files.createDirectories(reports);

        List<FaultSuite.Result> results = new ArrayList<>();
        for (long seed = firstSeed; seed < firstSeed + schedules; seed++) {
            long s = seed;
            boolean high = seed >= firstSeed + schedules - highLoad;
            FaultSuite.Settings settings = new FaultSuite.Settings(seed, Duration.ofSeconds(seconds),
                    high ? 50_000 : rate, high ? 256 : 8, Duration.ofSeconds(10), reports);
            results.add(FaultSuite.run(settings, () -> new NetnsClusterAdapter(NetnsCluster.builder().nodes(3)
                    .name("faults-" + s).subnet(subnet)
                    .env("PAXCAST_PUBLISH_TIMEOUTMILLIS", "2000")
                    .build().startAll())));
        }

        StringBuilder summary = new StringBuilder("Paxcast fault suite: " + schedules + " schedule(s) of " + seconds
                + " s at " + (long) rate + " publishes/s (the last " + highLoad + " with 256 publishers, unpaced)\n");
        List<Long> failovers = new ArrayList<>();
        long acked = 0;
        int anomalies = 0;
        for (FaultSuite.Result r : results) {
            failovers.addAll(r.failoverMillis());
            acked += r.acknowledged();
            anomalies += r.anomalies().size();
            summary.append(String.format("seed %d (%d publishers): %d acknowledged, %d anomalies, failover ms %s,"
                            + " recovery ms %d, report %s%n", r.settings().seed(), r.settings().publishers(),
                    r.acknowledged(), r.anomalies().size(), r.failoverMillis(), r.recoveryMillis(), r.report()));
        }
        failovers.sort(Long::compare);
        summary.append(String.format("total: %d acknowledged, %d anomalies; failover ms over %d leader faults: "
                        + "median %s, max %s%n", acked, anomalies, failovers.size(),
                failovers.isEmpty() ? "-" : failovers.get(failovers.size() / 2),
                failovers.isEmpty() ? "-" : failovers.get(failovers.size() - 1)));
        Files.writeString(reports.resolve("summary.txt"), summary);
        System.out.println(summary);

        for (FaultSuite.Result r : results) {
            List<Anomaly> found = r.anomalies();
            assertEquals(List.of(), found.subList(0, Math.min(found.size(), 10)),
                    "seed " + r.settings().seed() + ": anomalies (replay: -Dfaults.seed=" + r.settings().seed()
                            + " -Dfaults.schedules=1 -Dfaults.highLoadSchedules=" + (r.settings().publishers() > 8 ? 1 : 0)
                            + "), report " + r.report());
            assertTrue(r.acknowledged() > 0, "seed " + r.settings().seed() + " acknowledged nothing");
            assertTrue(r.recoveryMillis() >= 0, "seed " + r.settings().seed() + ": subscribers never caught up");
        }
    }
}
