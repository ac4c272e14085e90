package io.paxcast.faults.history;

import io.paxcast.broadcast.log.ChainHash;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * A synthetic fault-suite history that satisfies every property, built from a list of logical publishes
 * and the order the cluster appended them in; tests then plant one bug's symptom in it. Deterministic.
 *
 * <p>Logical publish {@code i} starts at {@code 1 s + i * 10 ms}. Kinds: FAILED (i = 20), RETRIED (i =
 * 30: INFO through n1, then OK through n2 with the same key and payload), INFO_LOST (i % 17 == 5),
 * INFO_APPENDED (i % 13 == 7), SLOW (i % 10 == 3: overlaps publish i + 1 and is appended after it),
 * else OK. Channel "b" when i % 3 == 1, else "a". Three nodes with identical logs. Subscribers: "all"
 * (every channel, reconnects from n1 to n2 after seq {@link #reconnectAfter}), "a-only" (channel a),
 * "early" (channel b, stops after seq 20), and {@code extra} more subscribers "full-k" of every channel.
 */
final class SyntheticHistory {
    static final long MS = 1_000_000L;
    static final long START = 1_000 * MS;

    enum Kind { OK, FAILED, RETRIED, INFO_LOST, INFO_APPENDED, SLOW }

    record Pub(int index, Kind kind, String key, String channel, String payload) {
    }

    final List<Pub> pubs = new ArrayList<>();
    final List<PublishOp> publishes = new ArrayList<>();
    final List<Subscription> subscriptions = new ArrayList<>();
    final List<Frame> frames = new ArrayList<>();
    final Map<Integer, List<LogEntry>> logs = new TreeMap<>();
    long faultsEnd;
    long reconnectAfter;

    static SyntheticHistory clean() {
        return generate(60, 0, UnaryOperator.identity());
    }

    /** With {@code order} rewriting the append order (a list of logical publish indices). */
    static SyntheticHistory withLogOrder(UnaryOperator<List<Integer>> order) {
        return generate(60, 0, order);
    }

    static SyntheticHistory generate(int n, int extra, UnaryOperator<List<Integer>> order) {
        SyntheticHistory h = new SyntheticHistory();
        long[] appendAt = new long[n];
        for (int i = 0; i < n; i++) {
            Kind kind = i == 20 ? Kind.FAILED : i == 30 ? Kind.RETRIED : i % 17 == 5 ? Kind.INFO_LOST
                    : i % 13 == 7 ? Kind.INFO_APPENDED : i % 10 == 3 && i + 1 < n ? Kind.SLOW : Kind.OK;
            String channel = i % 3 == 1 ? "b" : "a";
            h.pubs.add(new Pub(i, kind, "k-" + i, channel, "{\"client\":\"c" + (i % 2) + "\",\"n\":" + i + "}"));
            long base = START + i * 10 * MS;
            appendAt[i] = base + switch (kind) {
                case SLOW -> 14 * MS;
                case RETRIED -> 6 * MS;
                default -> 3 * MS;
            };
        }
        List<Integer> natural = new ArrayList<>();
        for (Pub p : h.pubs) {
            if (p.kind() != Kind.FAILED && p.kind() != Kind.INFO_LOST) {
                natural.add(p.index());
            }
        }
        natural.sort(Comparator.comparingLong(i -> appendAt[i]));
        List<Integer> appended = order.apply(natural);

        // the log, and for each logical publish the seq of its last copy (what a retry is answered with)
        List<LogEntry> log = new ArrayList<>();
        Map<String, Long> offsets = new TreeMap<>();
        Map<Integer, LogEntry> acked = new TreeMap<>();
        long[] receivedAt = new long[appended.size()];
        long clock = 0;
        ChainHash chain = ChainHash.ZERO;
        for (int i : appended) {
            Pub p = h.pubs.get(i);
            long offset = offsets.merge(p.channel(), 1L, Long::sum);
            chain = chain.next(log.size() + 1, p.channel(), p.payload());
            LogEntry e = new LogEntry(log.size() + 1, p.channel(), offset, p.key(), p.payload(), chain.hex());
            clock = Math.max(clock + 1, appendAt[i] + MS);
            receivedAt[log.size()] = clock;
            log.add(e);
            acked.put(i, e);
        }
        for (int node = 1; node <= 3; node++) {
            h.logs.put(node, new ArrayList<>(log));
        }

        for (Pub p : h.pubs) {
            long base = START + p.index() * 10 * MS;
            int node = 1 + p.index() % 3;
            LogEntry e = acked.get(p.index());
            switch (p.kind()) {
                case OK -> h.publishes.add(ok(p, node, base, base + 5 * MS, e));
                case SLOW -> h.publishes.add(ok(p, node, base, base + 15 * MS, e));
                case FAILED -> h.publishes.add(op(p, node, base, base + MS, PublishOp.Outcome.FAILED));
                case INFO_LOST, INFO_APPENDED -> h.publishes.add(op(p, node, base, base + 8 * MS,
                        PublishOp.Outcome.INFO));
                case RETRIED -> {
                    h.publishes.add(op(p, 1, base, base + 4 * MS, PublishOp.Outcome.INFO));
                    h.publishes.add(ok(p, 2, base + 5 * MS, base + 8 * MS, e));
                }
            }
        }
        h.faultsEnd = START + n / 2 * 10 * MS;

        h.reconnectAfter = log.size() / 2;
        long closeAt = receivedAt[(int) h.reconnectAfter - 1] + MS;
        h.subscribe("all", 0, 1, null, 0, START - 100 * MS, closeAt, "node killed", log, receivedAt,
                e -> e.seq() <= h.reconnectAfter);
        h.subscribe("all", 1, 2, null, h.reconnectAfter, closeAt + MS, Long.MAX_VALUE, Subscription.TEST_END, log,
                receivedAt, e -> e.seq() > h.reconnectAfter);
        h.subscribe("a-only", 0, 3, Set.of("a"), 0, START - 100 * MS, Long.MAX_VALUE, Subscription.TEST_END, log,
                receivedAt, e -> true);
        h.subscribe("early", 0, 2, Set.of("b"), 0, START - 100 * MS, START + 300 * MS, "client stopped", log,
                receivedAt, e -> e.seq() <= 20);
        for (int k = 0; k < extra; k++) {
            h.subscribe("full-" + k, 0, 1 + k % 3, null, 0, START - 100 * MS, Long.MAX_VALUE, "run ended", log,
                    receivedAt, e -> true);
        }
        return h;
    }

    private void subscribe(String name, int session, int node, Set<String> channels, long after, long opened,
                           long closed, String reason, List<LogEntry> log, long[] receivedAt,
                           Predicate<LogEntry> which) {
        long end = closed == Long.MAX_VALUE ? receivedAt[receivedAt.length - 1] + 100 * MS : closed;
        subscriptions.add(new Subscription(name, session, node, channels, after, opened, end, reason));
        for (int i = 0; i < log.size(); i++) {
            LogEntry e = log.get(i);
            if ((channels == null || channels.contains(e.channel())) && which.test(e)) {
                frames.add(new Frame(name, session, Math.max(opened, receivedAt[i]), e.seq(), e.channel(),
                        e.offset(), e.payload()));
            }
        }
    }

    private static PublishOp ok(Pub p, int node, long invoke, long complete, LogEntry e) {
        return new PublishOp("c" + p.index() % 2, p.key(), p.channel(), p.payload(), node, invoke, complete,
                PublishOp.Outcome.OK, e.seq(), e.offset());
    }

    private static PublishOp op(Pub p, int node, long invoke, long complete, PublishOp.Outcome outcome) {
        return new PublishOp("c" + p.index() % 2, p.key(), p.channel(), p.payload(), node, invoke, complete, outcome,
                null, null);
    }

    History history() {
        Map<Integer, List<LogEntry>> copy = new TreeMap<>();
        logs.forEach((node, log) -> copy.put(node, List.copyOf(log)));
        return new History(List.copyOf(publishes), List.copyOf(subscriptions), List.copyOf(frames), copy, faultsEnd);
    }

    LogEntry entryAt(long seq) {
        return logs.get(1).get((int) seq - 1);
    }

    long lastSeq() {
        return logs.get(1).size();
    }

    /** The seq logical publish {@code i} was acknowledged at (its OK attempt). */
    long ackSeq(int i) {
        return publishes.stream().filter(op -> op.key().equals("k-" + i) && op.outcome() == PublishOp.Outcome.OK)
                .findFirst().orElseThrow().seq();
    }

    /** Every node's log holds {@code e} at its seq instead of what it held. */
    void replaceInLogs(LogEntry e) {
        logs.values().forEach(log -> log.set((int) e.seq() - 1, e));
    }

    /** Every frame of {@code subscriber} at {@code e}'s seq carries {@code e} instead. */
    void replaceInFrames(String subscriber, LogEntry e) {
        frames.replaceAll(f -> f.subscriber().equals(subscriber) && f.seq() == e.seq()
                ? new Frame(f.subscriber(), f.session(), f.receivedNanos(), e.seq(), e.channel(), e.offset(),
                        e.payload())
                : f);
    }

    int frameIndex(String subscriber, long seq) {
        for (int i = 0; i < frames.size(); i++) {
            if (frames.get(i).subscriber().equals(subscriber) && frames.get(i).seq() == seq) {
                return i;
            }
        }
        throw new IllegalArgumentException(subscriber + " has no frame with seq " + seq);
    }

    List<Frame> framesOf(String subscriber) {
        return frames.stream().filter(f -> f.subscriber().equals(subscriber)).toList();
    }
}
