package io.paxcast.faults;

import io.vertx.core.json.JsonObject;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;

/**
 * Injects faults on a seeded schedule, one at a time: SIGKILL of the leader or a follower (restarted
 * later), SIGSTOP of the leader past the election timeout, and network partitions (the leader
 * isolated, a majority/minority split, a one-way cut, a bridge). Every schedule begins with a kill,
 * a pause and a partition, in an order the seed picks, then draws faults at random.
 */
final class Nemesis {
    enum Kind { KILL_LEADER, KILL_FOLLOWER, PAUSE_LEADER, ISOLATE_LEADER, PARTITION, ONE_WAY, BRIDGE }

    /** One injected fault: when it started and ended, what, and on whom. */
    record Fault(Kind kind, long startNanos, long endNanos, String target) {}

    private final Cluster cluster;
    private final Random random;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();
    final List<Fault> faults = new ArrayList<>();
    final List<String> timeline = new ArrayList<>();
    private final long origin = System.nanoTime();

    Nemesis(Cluster cluster, long seed) {
        this.cluster = cluster;
        this.random = new Random(seed);
    }

    /** Runs faults until {@code deadlineNanos}; returns with every fault healed and every node running. */
    void run(long deadlineNanos) {
        List<Kind> first = new ArrayList<>(List.of(
                random.nextBoolean() ? Kind.KILL_LEADER : Kind.KILL_FOLLOWER,
                Kind.PAUSE_LEADER,
                List.of(Kind.ISOLATE_LEADER, Kind.PARTITION, Kind.ONE_WAY, Kind.BRIDGE).get(random.nextInt(4))));
        java.util.Collections.shuffle(first, random);
        int i = 0;
        while (System.nanoTime() < deadlineNanos) {
            Kind kind = i < first.size() ? first.get(i) : Kind.values()[random.nextInt(Kind.values().length)];
            i++;
            inject(kind, deadlineNanos);
            awaitAllReady(deadlineNanos); // one fault at a time: the next starts on a whole cluster
            quiet(1_000 + random.nextInt(2_000), deadlineNanos);
        }
        healEverything();
    }

    private void inject(Kind kind, long deadlineNanos) {
        int n = cluster.size();
        int leader = leader();
        long start = System.nanoTime();
        String target;
        switch (kind) {
            case KILL_LEADER, KILL_FOLLOWER -> {
                int victim = kind == Kind.KILL_LEADER ? leader : other(leader);
                target = "n" + victim;
                hold(() -> cluster.kill(victim), kind + " " + target, 2_000, 3_000,
                        () -> cluster.restart(victim), "restart " + target);
            }
            case PAUSE_LEADER -> {
                target = "n" + leader;
                hold(() -> cluster.pause(leader), "SIGSTOP " + target, 1_500, 2_500,
                        () -> cluster.resume(leader), "SIGCONT " + target);
            }
            case ISOLATE_LEADER -> {
                target = "n" + leader;
                cutUntilHealed(() -> cluster.isolate(leader), "isolate " + target);
            }
            case PARTITION -> {
                Set<Integer> minority = new HashSet<>();
                while (minority.size() < (n - 1) / 2) {
                    minority.add(1 + random.nextInt(n));
                }
                target = "minority " + minority;
                cutUntilHealed(() -> cluster.partition(minority), "partition " + minority + " | rest");
            }
            case ONE_WAY -> {
                int from = 1 + random.nextInt(n);
                int to = from == leader || random.nextBoolean() ? other(from) : leader;
                target = "n" + from + " -/-> n" + to;
                cutUntilHealed(() -> cluster.cutOneWay(from, to), "one-way cut " + target);
            }
            case BRIDGE -> {
                int a = 1 + random.nextInt(n);
                int b = other(a);
                target = "n" + a + " <-/-> n" + b;
                cutUntilHealed(() -> cluster.bridge(a, b), "bridge: cut " + target);
            }
            default -> throw new IllegalStateException();
        }
        faults.add(new Fault(kind, start, System.nanoTime(), target));
    }

    /**
     * What every fault does: injects it and logs that, holds it for {@code minMillis} plus a random
     * part of {@code spreadMillis}, undoes it and logs that.
     */
    private void hold(Runnable inject, String injected, int minMillis, int spreadMillis, Runnable undo, String undone) {
        inject.run();
        log(injected);
        quiet(minMillis + random.nextInt(spreadMillis), Long.MAX_VALUE);
        undo.run();
        log(undone);
    }

    /** A network fault: the cut, held 3 to 6 s, then every cut healed. */
    private void cutUntilHealed(Runnable cut, String logged) {
        hold(cut, logged, 3_000, 3_000, cluster::heal, "heal");
    }

    /** Waits (at most until the deadline, and 30 s) until every node answers /ready. */
    private void awaitAllReady(long deadlineNanos) {
        long until = Math.min(deadlineNanos, System.nanoTime() + 30_000_000_000L);
        while (System.nanoTime() < until) {
            boolean all = true;
            for (int k = 1; k <= cluster.size() && all; k++) {
                try {
                    all = http.send(HttpRequest.newBuilder(cluster.uri(k, "/ready")).timeout(Duration.ofMillis(800)).build(),
                            HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
                } catch (Exception e) {
                    all = false;
                }
            }
            if (all) {
                return;
            }
            quiet(200, until);
        }
    }

    void healEverything() {
        cluster.heal();
        for (int k = 1; k <= cluster.size(); k++) {
            if (cluster.isAlive(k)) {
                cluster.resume(k);
            } else {
                // a node the schedule did not kill exited by itself: say so, then restart it like any other
                log("n" + k + " is not running (it exited by itself, see its log); restarting it");
                cluster.restart(k);
            }
        }
        log("faults stop: healed, every node running");
    }

    /** The leader as the nodes report it (the most named one), or node 1 if none answers. */
    int leader() {
        int[] votes = new int[cluster.size() + 1];
        for (int k = 1; k <= cluster.size(); k++) {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(cluster.uri(k, "/v1/cluster"))
                        .timeout(Duration.ofMillis(800)).build(), HttpResponse.BodyHandlers.ofString());
                String leader = new JsonObject(r.body()).getString("leader");
                if (leader != null) {
                    votes[Integer.parseInt(leader.substring(1))]++;
                }
            } catch (Exception ignored) {
                // a node down or cut off has no say
            }
        }
        int best = 1;
        for (int k = 1; k < votes.length; k++) {
            if (votes[k] > votes[best]) {
                best = k;
            }
        }
        return best;
    }

    private int other(int k) {
        int o = 1 + random.nextInt(cluster.size() - 1);
        return o >= k ? o + 1 : o;
    }

    /** Lets the system run for {@code millis} (bounded by the deadline): the nemesis's own clock. */
    private static void quiet(long millis, long deadlineNanos) {
        long until = Math.min(System.nanoTime() + millis * 1_000_000, deadlineNanos);
        for (long left = until - System.nanoTime(); left > 0; left = until - System.nanoTime()) {
            LockSupport.parkNanos(left);
        }
    }

    private void log(String what) {
        String line = String.format("[nemesis] t=%6.2fs %s", (System.nanoTime() - origin) / 1e9, what);
        timeline.add(line);
        System.out.println(line);
    }
}
