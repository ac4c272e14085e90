package io.paxcast.samples.consensus;

import io.paxcast.samples.client.Nodes;

import java.io.PrintWriter;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Phaser;
import java.util.stream.Collectors;

/**
 * The runnable demo: {@code contenders} threads, each a {@link Contender} with its own connections
 * to its own node (round-robin over the given nodes), each proposing itself ("elect me") in every
 * round; prints what each proposed and decided, then checks that all decided alike in every round.
 *
 * <p>The rounds are paced with a {@link Phaser} only so that the proposals of a round race each
 * other and the output reads round by round; the protocol itself needs no coordination at all.
 */
public final class ConsensusDemo {
    private final List<URI> nodes;
    private final int contenders;
    private final int rounds;
    private final String instance;
    private final String token;
    private final Duration timeout;

    public ConsensusDemo(List<URI> nodes, int contenders, int rounds, String instance, String token, Duration timeout) {
        if (contenders < 1 || rounds < 1) {
            throw new IllegalArgumentException("contenders and rounds must be at least 1");
        }
        this.nodes = List.copyOf(nodes);
        this.contenders = contenders;
        this.rounds = rounds;
        this.instance = instance;
        this.token = token;
        this.timeout = timeout;
    }

    /** Every decision made, by round, and the failures; {@link #agreed()} is the verdict. */
    public record Result(Map<Long, List<Decision>> byRound, List<String> failures, int contenders, int rounds) {
        /** Every contender decided in every round, and all decided the same value in each round. */
        public boolean agreed() {
            if (!failures.isEmpty() || byRound.size() != rounds) {
                return false;
            }
            for (List<Decision> decisions : byRound.values()) {
                if (decisions.size() != contenders || decidedValues(decisions).size() != 1) {
                    return false;
                }
            }
            return true;
        }

        static Set<String> decidedValues(List<Decision> decisions) {
            return decisions.stream().map(d -> d.decided().value()).collect(Collectors.toSet());
        }
    }

    public Result run(PrintWriter out) {
        out.printf("consensus from total order: %d contenders, %d rounds, instance '%s'%n", contenders, rounds, instance);
        out.printf("each contender publishes {\"round\": R, \"candidate\": id, \"value\": id} to channel %s"
                + " and decides the first proposal delivered there%n", "consensus-" + instance + "-<R>");
        out.flush();

        Map<Long, List<Decision>> byRound = new ConcurrentHashMap<>();
        List<String> failures = new CopyOnWriteArrayList<>();
        Phaser phaser = new Phaser(contenders) {
            @Override
            protected boolean onAdvance(int phase, int parties) {
                long round = phase + 1;
                List<Decision> decisions = byRound.getOrDefault(round, List.of());
                Set<String> values = Result.decidedValues(decisions);
                synchronized (out) {
                    if (values.size() == 1) {
                        out.printf("round %d: %d/%d contenders decided %s%n", round, decisions.size(), contenders,
                                values.iterator().next());
                    } else {
                        out.printf("round %d: DISAGREEMENT, decided values %s%n", round, values);
                    }
                    if (round < rounds) {
                        out.printf("%nround %d%n", round + 1);
                    }
                    out.flush();
                }
                return parties == 0 || round >= rounds;
            }
        };
        out.printf("%nround 1%n");
        out.flush();
        List<Thread> threads = new ArrayList<>();
        for (int c = 1; c <= contenders; c++) {
            String id = "c" + c;
            List<URI> mine = Nodes.startingAt(nodes, c - 1);
            Thread t = new Thread(() -> contend(id, mine, phaser, byRound, failures, out), "contender-" + id);
            threads.add(t);
        }
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                threads.forEach(Thread::interrupt);
                failures.add("interrupted");
                break;
            }
        }
        Map<Long, List<Decision>> sorted = new TreeMap<>();
        byRound.forEach((round, list) -> sorted.put(round, List.copyOf(list)));
        Result result = new Result(Collections.unmodifiableMap(sorted), List.copyOf(failures), contenders, rounds);
        out.println();
        if (result.agreed()) {
            String perRound = sorted.entrySet().stream()
                    .map(e -> e.getValue().get(0).decided().value() + " in round " + e.getKey())
                    .collect(Collectors.joining(", "));
            out.printf("all %d contenders decided the same value in every round: %s%n", contenders, perRound);
        } else {
            out.printf("NO AGREEMENT: %s%n", failures.isEmpty() ? "see the rounds above" : String.join("; ", failures));
        }
        out.flush();
        return result;
    }

    private void contend(String id, List<URI> mine, Phaser phaser, Map<Long, List<Decision>> byRound,
                         List<String> failures, PrintWriter out) {
        try (Contender contender = new Contender(id, instance, mine, token, timeout)) {
            for (long round = 1; round <= rounds; round++) {
                Decision d = contender.propose(round, id);
                byRound.computeIfAbsent(round, r -> new CopyOnWriteArrayList<>()).add(d);
                synchronized (out) {
                    boolean failedOver = !d.node().equals(contender.node());
                    out.printf("  %-4s @%-7s proposed %-4s (%s)   decided %-4s (seq %d, offset %d: %s's proposal)%s%n",
                            id, Nodes.label(contender.node()), d.proposed().value(),
                            d.proposedSeq() < 0 ? "publish unconfirmed" : "seq " + d.proposedSeq() + ", offset " + d.proposedOffset(),
                            d.decided().value(), d.decidedSeq(), d.decidedOffset(), d.decided().candidate(),
                            failedOver ? "  [delivered by " + Nodes.label(d.node()) + "]" : "");
                    out.flush();
                }
                phaser.arriveAndAwaitAdvance();
            }
        } catch (RuntimeException e) {
            failures.add(id + ": " + e.getMessage());
            synchronized (out) {
                out.printf("  %-4s FAILED: %s%n", id, e.getMessage());
                out.flush();
            }
            phaser.arriveAndDeregister();
        }
    }
}
