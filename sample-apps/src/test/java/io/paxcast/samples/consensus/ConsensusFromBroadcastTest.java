package io.paxcast.samples.consensus;

import io.paxcast.samples.Cluster;
import io.paxcast.samples.cli.CliRun;
import io.paxcast.samples.client.NodeClient;
import io.paxcast.samples.client.Nodes;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Consensus built from total-order broadcast, against three real nodes: contenders on different
 * nodes propose concurrently; in every round all decide the same value (agreement), that value was
 * proposed in that round (validity), and every contender decides (termination, the cluster being live).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsensusFromBroadcastTest {
    static final Duration TIMEOUT = Duration.ofSeconds(60);

    @RegisterExtension
    static final Cluster cluster = new Cluster();

    /** Runs contenders c1..cN (contender k on node k mod 3) for the rounds, all released at once. */
    static Map<String, List<Decision>> contend(String instance, int contenders, int rounds,
                                               Map<String, Map<Long, String>> proposedValues) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(contenders);
        CountDownLatch go = new CountDownLatch(1);
        Map<String, CompletableFuture<List<Decision>>> runs = new LinkedHashMap<>();
        try {
            for (int c = 0; c < contenders; c++) {
                String id = "c" + (c + 1);
                Contender contender = new Contender(id, instance, Nodes.startingAt(cluster.urls(), c), null, TIMEOUT);
                Map<Long, String> mine = new ConcurrentHashMap<>();
                proposedValues.put(id, mine);
                runs.put(id, CompletableFuture.supplyAsync(() -> {
                    try (contender) {
                        go.await();
                        List<Decision> decisions = new ArrayList<>();
                        for (long round = 1; round <= rounds; round++) {
                            String value = id + "-r" + round + "-" + UUID.randomUUID().toString().substring(0, 8);
                            mine.put(round, value);
                            decisions.add(contender.propose(round, value));
                        }
                        return decisions;
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }, pool));
            }
            go.countDown();
            Map<String, List<Decision>> out = new LinkedHashMap<>();
            for (Map.Entry<String, CompletableFuture<List<Decision>>> e : runs.entrySet()) {
                out.put(e.getKey(), e.getValue().get(2 * TIMEOUT.toSeconds(), TimeUnit.SECONDS));
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    @Order(1)
    void fiveContendersOnThreeNodesDecideTheSameProposedValueInEveryRound() throws Exception {
        String instance = "t" + UUID.randomUUID().toString().substring(0, 8);
        int contenders = 5;
        int rounds = 3;
        Map<String, Map<Long, String>> proposed = new ConcurrentHashMap<>();
        Map<String, List<Decision>> decisions = contend(instance, contenders, rounds, proposed);

        for (long round = 1; round <= rounds; round++) {
            long r = round;
            List<Decision> inRound = decisions.values().stream().map(list -> list.get((int) r - 1)).toList();
            inRound.forEach(d -> System.out.printf("round %d: %s proposed %s (seq %d) decided %s (seq %d, offset %d) via %s%n",
                    r, d.contender(), d.proposed().value(), d.proposedSeq(), d.decided().value(), d.decidedSeq(),
                    d.decidedOffset(), d.node()));
            // termination: every contender decided (contend() returned one decision per round each)
            assertEquals(contenders, inRound.size());
            // agreement: one value, the same message
            Set<String> values = inRound.stream().map(d -> d.decided().value()).collect(Collectors.toSet());
            assertEquals(1, values.size(), "round " + r + ": contenders decided " + values);
            assertEquals(1, inRound.stream().map(Decision::decidedSeq).distinct().count());
            // validity: the decided value is what its candidate proposed in this round
            Decision any = inRound.get(0);
            assertEquals(proposed.get(any.decided().candidate()).get(r), any.decided().value(),
                    "round " + r + ": decided a value nobody proposed");
            assertEquals(r, any.decided().round());
            // nothing else is in the channel, so the decision is its first message
            assertEquals(1, any.decidedOffset());
            // every proposal was ordered exactly once: offsets 1..contenders
            Set<Long> offsets = inRound.stream().map(Decision::proposedOffset).collect(Collectors.toSet());
            assertEquals(Set.of(1L, 2L, 3L, 4L, 5L), offsets, "round " + r + " proposal offsets");
            assertEquals(1, inRound.stream().filter(Decision::won).count(), "exactly one winner in round " + r);

            // the same first message on every node's history
            String channel = Contender.channel(instance, r);
            for (URI node : cluster.urls()) {
                NodeClient client = new NodeClient(List.of(node), null, Duration.ofSeconds(5));
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    JsonArray first = client.channelHistory(channel, 0, 1).getJsonArray("messages");
                    assertEquals(1, first.size(), node + " has nothing in " + channel + " yet");
                    assertEquals(any.decidedSeq(), first.getJsonObject(0).getLong("seq"), node + " disagrees on " + channel);
                });
            }
        }
    }

    @Test
    @Order(2)
    void strayMessagesInTheChannelAreSkippedAlikeByEveryContender() throws Exception {
        String instance = "s" + UUID.randomUUID().toString().substring(0, 8);
        String channel = Contender.channel(instance, 1);
        NodeClient client = new NodeClient(cluster.urls(), null, Duration.ofSeconds(10));
        client.publishReliably(channel, "\"hello\"", "stray-1", TIMEOUT);
        client.publishReliably(channel, new JsonObject().put("round", 1).put("candidate", "c9").encode(), "stray-2", TIMEOUT);
        client.publishReliably(channel, new JsonObject().put("round", 2).put("candidate", "c9").put("value", "v").encode(),
                "stray-3", TIMEOUT);

        Map<String, Map<Long, String>> proposed = new ConcurrentHashMap<>();
        Map<String, List<Decision>> decisions = contend(instance, 3, 1, proposed);
        Set<Long> decidedSeqs = new HashSet<>();
        decisions.values().forEach(list -> decidedSeqs.add(list.get(0).decidedSeq()));
        assertEquals(1, decidedSeqs.size(), "agreement despite the strays: " + decisions);
        Decision d = decisions.values().iterator().next().get(0);
        assertEquals(4, d.decidedOffset(), "the first well-formed proposal follows the three strays");
        assertEquals(proposed.get(d.decided().candidate()).get(1L), d.decided().value());
    }

    @Test
    @Order(3)
    void theDemoCommandPrintsEachDecisionAndTheVerdict() {
        CliRun run = CliRun.run("consensus", "--contenders", "5", "--rounds", "3", "--node", cluster.nodeOption());
        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("all 5 contenders decided the same value in every round"), run.out());
        assertEquals(15, run.out().lines().filter(l -> l.contains(" proposed ") && l.contains(" decided ")).count(),
                "one line per contender and round:\n" + run.out());
    }
}
