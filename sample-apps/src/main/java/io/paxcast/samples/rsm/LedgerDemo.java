package io.paxcast.samples.rsm;

import io.paxcast.samples.client.NodeClient;
import io.paxcast.samples.client.Nodes;
import io.vertx.core.json.JsonObject;

import java.io.PrintWriter;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;
import java.util.stream.Collectors;

/**
 * The runnable ledger demo: replicas on different nodes, concurrent transfers published through
 * different nodes, then a seal; every replica reports its state hash, and the same commands are
 * re-applied in another order to show that the order is what makes them agree.
 *
 * <p>All replicas but the last follow the channel from the start, live; the last one starts after
 * the seal and rebuilds the whole state from history alone: both paths reach the same state.
 */
public final class LedgerDemo {
    private static final String[] NAMES = {"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"};

    private final List<URI> nodes;
    private final int replicas;
    private final int transfers;
    private final int accounts;
    private final long openingBalance;
    private final long seed;
    private final String channel;
    private final String token;
    private final Duration timeout;

    public LedgerDemo(List<URI> nodes, int replicas, int transfers, int accounts, long openingBalance, long seed,
                      String instance, String token, Duration timeout) {
        if (replicas < 1 || transfers < 0 || accounts < 2 || accounts > NAMES.length || openingBalance < 1) {
            throw new IllegalArgumentException("need replicas >= 1, transfers >= 0, accounts in 2.."
                    + NAMES.length + ", opening balance >= 1");
        }
        this.nodes = List.copyOf(nodes);
        this.replicas = replicas;
        this.transfers = transfers;
        this.accounts = accounts;
        this.openingBalance = openingBalance;
        this.seed = seed;
        this.channel = Nodes.channel("ledger-" + instance);
        this.token = token;
        this.timeout = timeout;
    }

    /** One replica's final state. */
    public record ReplicaReport(String name, URI node, long fromHistory, long fromLive, long applied, long rejected,
                                Map<String, Long> balances, String hash) {
    }

    /** Every replica's report, and the order experiment (hashes in seq order and reordered). */
    public record Result(List<ReplicaReport> replicas, String seqOrderHash, String reorderedHash,
                         List<String> failures) {
        public boolean converged() {
            return failures.isEmpty() && replicas.stream().map(ReplicaReport::hash).distinct().count() == 1;
        }
    }

    public Result run(PrintWriter out) {
        out.printf("replicated ledger: %d replicas, %d transfers between %d accounts (opening balance %d each),"
                + " channel %s%n", replicas, transfers, accounts, openingBalance, channel);
        out.flush();
        List<String> failures = new ArrayList<>();
        List<Replica> all = new ArrayList<>();
        List<CompletableFuture<String>> runs = new ArrayList<>();
        ExecutorService threads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "ledger-demo");
            t.setDaemon(true);
            return t;
        });
        try {
            int early = replicas == 1 ? 1 : replicas - 1;
            for (int k = 0; k < early; k++) {
                Replica r = newReplica(k);
                out.printf("  %s follows %s from offset 0: history, then live%n", r.name(), Nodes.label(r.node()));
                all.add(r);
                runs.add(CompletableFuture.supplyAsync(r::run, threads));
            }
            out.flush();

            long sealSeq = publishAll(out, threads);

            if (replicas > 1) {
                Replica late = newReplica(replicas - 1);
                out.printf("  %s starts now, after the seal, on %s: it rebuilds the whole state from history%n",
                        late.name(), Nodes.label(late.node()));
                all.add(late);
                runs.add(CompletableFuture.supplyAsync(late::run, threads));
            }
            out.flush();
            for (int k = 0; k < runs.size(); k++) {
                try {
                    runs.get(k).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                } catch (ExecutionException e) {
                    failures.add(all.get(k).name() + ": " + e.getCause().getMessage());
                } catch (TimeoutException e) {
                    all.get(k).close();
                    failures.add(all.get(k).name() + ": not at the seal (seq " + sealSeq + ") within " + timeout.toSeconds()
                            + " s; applied " + all.get(k).applied());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failures.add("interrupted");
        } catch (RuntimeException e) {
            failures.add("publishing failed: " + e.getMessage());
        } finally {
            all.forEach(Replica::close);
            threads.shutdownNow();
        }
        return report(out, all, failures);
    }

    private Replica newReplica(int k) {
        return new Replica("r" + (k + 1), channel, Nodes.startingAt(nodes, k), token, timeout);
    }

    /** Opens, transfers (concurrently, one publisher per node), then the seal; returns the seal's seq. */
    private long publishAll(PrintWriter out, ExecutorService threads) throws InterruptedException {
        NodeClient first = new NodeClient(nodes, token, Duration.ofSeconds(10));
        for (int a = 0; a < accounts; a++) {
            LedgerCommand open = new LedgerCommand.Open(NAMES[a], openingBalance);
            first.publishReliably(channel, open.toJson().encode(), channel + "-open-" + NAMES[a], timeout);
        }
        List<LedgerCommand.Transfer> planned = plan();
        int publishers = Math.min(3, Math.max(1, nodes.size()));
        List<CompletableFuture<Void>> sent = new ArrayList<>();
        for (int p = 0; p < publishers; p++) {
            int me = p;
            NodeClient client = new NodeClient(Nodes.startingAt(nodes, p), token, Duration.ofSeconds(10));
            sent.add(CompletableFuture.runAsync(() -> {
                for (int i = me; i < planned.size(); i += publishers) {
                    LedgerCommand.Transfer t = planned.get(i);
                    client.publishReliably(channel, t.toJson().encode(), channel + "-" + t.id(), timeout);
                }
            }, threads));
        }
        try {
            CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
        JsonObject seal = first.publishReliably(channel, new LedgerCommand.Seal().toJson().encode(), channel + "-seal", timeout);
        out.printf("published %d opens, then %d transfers concurrently through %s (%d publishers), then the seal at seq %d%n",
                accounts, planned.size(), nodes.stream().limit(publishers).map(Nodes::label).collect(Collectors.joining(", ")),
                publishers, seal.getLong("seq"));
        return seal.getLong("seq");
    }

    /** Seeded transfers: random source and target, amounts up to 60% of an opening balance. */
    List<LedgerCommand.Transfer> plan() {
        RandomGenerator random = RandomGeneratorFactory.of("L64X128MixRandom").create(seed);
        List<LedgerCommand.Transfer> planned = new ArrayList<>(transfers);
        long maxAmount = Math.max(1, openingBalance * 6 / 10);
        for (int i = 0; i < transfers; i++) {
            int from = random.nextInt(accounts);
            int to = (from + 1 + random.nextInt(accounts - 1)) % accounts;
            planned.add(new LedgerCommand.Transfer("t" + i, NAMES[from], NAMES[to], 1 + random.nextLong(maxAmount)));
        }
        return planned;
    }

    private Result report(PrintWriter out, List<Replica> all, List<String> failures) {
        List<ReplicaReport> reports = new ArrayList<>();
        out.println();
        out.printf("%-8s %-8s %12s %6s %8s %9s  %s%n", "replica", "node", "from history", "live", "applied", "rejected",
                "state hash");
        for (Replica r : all) {
            Ledger l = r.ledger();
            ReplicaReport report = new ReplicaReport(r.name(), r.node(), r.fromHistory(), r.fromLive(), l.applied(),
                    l.rejected(), Map.copyOf(l.balances()), r.finalHash() == null ? "(unfinished)" : r.finalHash());
            reports.add(report);
            out.printf("%-8s %-8s %12d %6d %8d %9d  %s%n", r.name(), Nodes.label(r.node()), r.fromHistory(), r.fromLive(),
                    l.applied(), l.rejected(), report.hash().length() > 16 ? report.hash().substring(0, 16) : report.hash());
        }
        String seqHash = null;
        String reorderedHash = null;
        Result preliminary = new Result(reports, null, null, failures);
        if (preliminary.converged()) {
            Replica reference = all.get(0);
            out.printf("all %d replicas reached the same state hash %s: %s%n", all.size(),
                    reference.ledger().shortHash(), reference.ledger().balances());
            OrderMatters experiment = OrderMatters.compare(reference.log());
            seqHash = experiment.inOrder().stateHash();
            reorderedHash = experiment.reordered().stateHash();
            experiment.print(out);
        } else {
            out.println("the replicas did NOT converge" + (failures.isEmpty() ? "" : ": " + String.join("; ", failures)));
        }
        out.flush();
        return new Result(reports, seqHash, reorderedHash, failures);
    }
}
