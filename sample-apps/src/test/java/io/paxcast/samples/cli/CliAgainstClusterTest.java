package io.paxcast.samples.cli;

import io.paxcast.samples.Cluster;
import io.paxcast.samples.client.NodeClient;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CLI against three real nodes: publish, history, tail, cluster; tail across a node crash. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CliAgainstClusterTest {
    @RegisterExtension
    static final Cluster cluster = new Cluster();

    static List<Long> seqs(List<String> lines) {
        return lines.stream().map(l -> new JsonObject(l).getLong("seq")).toList();
    }

    @Test
    @Order(1)
    void publishThenHistoryThenTailOnOtherNodes() {
        String channel = "cli-" + UUID.randomUUID().toString().substring(0, 8);
        String n1 = cluster.url(1).toString();
        List<Long> published = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            CliRun run = CliRun.run("publish", channel, "{\"i\":" + i + "}", "--node", n1, "--key", channel + "-" + i);
            assertEquals(0, run.exit(), run.err());
            JsonObject result = new JsonObject(run.out().strip());
            assertEquals(channel, result.getString("channel"));
            assertEquals(i, result.getLong("offset"));
            published.add(result.getLong("seq"));
        }
        // an idempotent replay: same result, nothing appended
        CliRun replay = CliRun.run("publish", channel, "{\"i\":2}", "--node", n1, "--key", channel + "-2");
        assertEquals(published.get(1), new JsonObject(replay.out().strip()).getLong("seq"));

        // history on another node: the same messages (it may trail the leader by a moment)
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            CliRun history = CliRun.run("history", channel, "--node", cluster.url(2).toString());
            assertEquals(0, history.exit(), history.err());
            assertEquals(published, seqs(history.outLines()));
            assertEquals(List.of(1L, 2L, 3L), history.outLines().stream()
                    .map(l -> new JsonObject(l).getJsonObject("data").getLong("i")).toList());
        });

        // tail from the start on a third node
        CliRun tail = CliRun.run("tail", channel, "--after", "0", "--count", "3", "--node", cluster.url(3).toString());
        assertEquals(0, tail.exit(), tail.err());
        assertEquals(published, seqs(tail.outLines()));
        tail.outLines().forEach(l -> assertEquals("message", new JsonObject(l).getString("type")));

        CliRun clusterView = CliRun.run("cluster", "--node", cluster.url(3).toString());
        assertEquals(0, clusterView.exit(), clusterView.err());
        JsonObject view = new JsonObject(clusterView.out());
        assertEquals("n3", view.getString("node"));
        assertEquals(3, view.getJsonArray("members").size());

        // the nodes' chain hashes agree at the last seq both applied (the proofs recompute)
        CliRun verify = CliRun.run("verify", n1, cluster.url(3).toString());
        assertEquals(0, verify.exit(), verify.err());
        assertTrue(verify.out().startsWith("same order: " + n1 + " and " + cluster.url(3) + " hold the same "),
                verify.out());
    }

    @Test
    @Order(2)
    void badInputGetsTheNodesErrorCode() {
        CliRun run = CliRun.run("publish", "room-1", "{not json", "--node", cluster.url(1).toString());
        assertEquals(PaxcastCli.EXIT_ERROR, run.exit());
        assertTrue(run.err().startsWith("paxcast: error invalid_json (HTTP 400 from " + cluster.url(1) + "): "), run.err());

        CliRun history = CliRun.run("history", "--limit", "5000", "--node", cluster.url(1).toString());
        assertEquals(0, history.exit(), "the CLI pages a large limit instead of sending it: " + history.err());
    }

    /** Last: it kills node 1. */
    @Test
    @Order(3)
    void tailResumesOnTheNextNodeWhenItsNodeDies() throws Exception {
        String channel = "crash-" + UUID.randomUUID().toString().substring(0, 8);
        NodeClient client = new NodeClient(List.of(cluster.url(2), cluster.url(3)), null, Duration.ofSeconds(10));
        long head = new NodeClient(List.of(cluster.url(1)), null, Duration.ofSeconds(5)).head();
        CliRun.Background tail = CliRun.background("tail", channel, "--after", String.valueOf(head), "--count", "6",
                "--node", cluster.url(1) + "," + cluster.url(2));

        List<Long> acked = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            acked.add(client.publishReliably(channel, "{\"i\":" + i + "}", channel + "-" + i, Duration.ofSeconds(60))
                    .getLong("seq"));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> tail.outLines().size() == 3);

        cluster.nodes().kill(1);
        for (int i = 4; i <= 6; i++) {
            acked.add(client.publishReliably(channel, "{\"i\":" + i + "}", channel + "-" + i, Duration.ofSeconds(60))
                    .getLong("seq"));
        }
        assertEquals(0, tail.exit().get(60, TimeUnit.SECONDS), tail.err().toString());
        assertEquals(acked, seqs(tail.outLines()), "every message once, in order, across the switch");
        assertTrue(tail.err().toString().contains("resuming on " + cluster.url(2) + " after seq " + acked.get(2)),
                tail.err().toString());
    }
}
