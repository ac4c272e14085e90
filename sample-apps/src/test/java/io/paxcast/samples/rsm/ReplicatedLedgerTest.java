package io.paxcast.samples.rsm;

import io.paxcast.samples.Cluster;
import io.paxcast.samples.cli.CliRun;
import io.paxcast.samples.client.NodeClient;
import io.paxcast.samples.client.Nodes;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A replicated ledger on three real nodes: replicas on different nodes (two from the start, one
 * joining mid-stream) apply concurrent transfers published through different nodes, reach the same
 * state hash, and never see a negative balance.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReplicatedLedgerTest {
    static final Duration TIMEOUT = Duration.ofSeconds(90);
    static final String[] ACCOUNTS = {"alice", "bob", "carol", "dave", "erin"};
    static final long OPENING = 50;

    @RegisterExtension
    static final Cluster cluster = new Cluster();

    @Test
    @Order(1)
    void replicasOnThreeNodesReachTheSameStateUnderConcurrentTransfers() throws Exception {
        String channel = "ledger-t" + UUID.randomUUID().toString().substring(0, 8);
        int publishers = 3;
        int perPublisher = 70;
        ExecutorService pool = Executors.newCachedThreadPool();
        List<Replica> replicas = new ArrayList<>();
        List<CompletableFuture<String>> runs = new ArrayList<>();
        try {
            for (int k = 0; k < 2; k++) {
                Replica r = new Replica("r" + (k + 1), channel, Nodes.startingAt(cluster.urls(), k), null, TIMEOUT);
                replicas.add(r);
                runs.add(CompletableFuture.supplyAsync(r::run, pool));
            }

            NodeClient opener = new NodeClient(cluster.urls(), null, Duration.ofSeconds(10));
            for (String account : ACCOUNTS) {
                opener.publishReliably(channel, new LedgerCommand.Open(account, OPENING).toJson().encode(),
                        channel + "-open-" + account, TIMEOUT);
            }

            // concurrent transfers through different nodes; amounts big enough that many bounce
            AtomicInteger acked = new AtomicInteger();
            List<CompletableFuture<Void>> sent = new ArrayList<>();
            for (int p = 0; p < publishers; p++) {
                int me = p;
                NodeClient client = new NodeClient(Nodes.startingAt(cluster.urls(), p), null, Duration.ofSeconds(10));
                RandomGenerator random = RandomGeneratorFactory.of("L64X128MixRandom").create(1000 + p);
                sent.add(CompletableFuture.runAsync(() -> {
                    for (int i = 0; i < perPublisher; i++) {
                        int from = random.nextInt(ACCOUNTS.length);
                        int to = (from + 1 + random.nextInt(ACCOUNTS.length - 1)) % ACCOUNTS.length;
                        LedgerCommand.Transfer t = new LedgerCommand.Transfer("p" + me + "-" + i, ACCOUNTS[from],
                                ACCOUNTS[to], 1 + random.nextInt(40));
                        client.publishReliably(channel, t.toJson().encode(), channel + "-" + t.id(), TIMEOUT);
                        acked.incrementAndGet();
                    }
                }, pool));
            }

            // the third replica joins mid-stream: history first, then live
            await().atMost(TIMEOUT).until(() -> acked.get() >= publishers * perPublisher / 2
                    || sent.stream().allMatch(CompletableFuture::isDone));
            Replica late = new Replica("r3", channel, Nodes.startingAt(cluster.urls(), 2), null, TIMEOUT);
            replicas.add(late);
            runs.add(CompletableFuture.supplyAsync(late::run, pool));

            CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            opener.publishReliably(channel, new LedgerCommand.Seal().toJson().encode(), channel + "-seal", TIMEOUT);

            List<String> hashes = new ArrayList<>();
            for (CompletableFuture<String> run : runs) {
                hashes.add(run.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS));
            }
            for (Replica r : replicas) {
                System.out.printf("%s on %s: %d from history, %d live, %s, hash %s%n", r.name(), r.node(),
                        r.fromHistory(), r.fromLive(), r.ledger(), r.ledger().shortHash());
            }

            assertEquals(1, hashes.stream().distinct().count(), "state hashes " + hashes);
            int commands = ACCOUNTS.length + publishers * perPublisher + 1;
            Ledger reference = replicas.get(0).ledger();
            for (Replica r : replicas) {
                assertEquals(commands, r.log().size(), r.name() + " applied every command once");
                assertEquals(replicas.get(0).log(), r.log(), r.name() + " applied the same commands in the same order");
                assertEquals(reference.balances(), r.ledger().balances());
                r.ledger().balances().forEach((account, balance) ->
                        assertTrue(balance >= 0, r.name() + ": " + account + " = " + balance));
                assertEquals(ACCOUNTS.length * OPENING,
                        r.ledger().balances().values().stream().mapToLong(Long::longValue).sum(), "money is conserved");
            }
            assertTrue(reference.rejected() > 0, "some transfers bounced, so the order mattered: " + reference);
            assertTrue(replicas.get(0).fromLive() > 0, "r1 followed live");
            assertTrue(late.fromHistory() > 0, "r3 replayed history first: " + late.fromHistory());

            OrderMatters experiment = OrderMatters.compare(replicas.get(0).log());
            assertEquals(hashes.get(0), experiment.inOrder().stateHash(), "replaying the log in seq order is deterministic");
            assertNotEquals(hashes.get(0), experiment.reordered().stateHash(), "another order, another state");
        } finally {
            replicas.forEach(Replica::close);
            pool.shutdownNow();
        }
    }

    @Test
    @Order(2)
    void theDemoCommandReportsOneStateHash() {
        CliRun run = CliRun.run("ledger", "--replicas", "3", "--transfers", "120", "--node", cluster.nodeOption());
        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("all 3 replicas reached the same state hash"), run.out());
        assertTrue(run.out().contains("transfers reversed"), run.out());
    }
}
