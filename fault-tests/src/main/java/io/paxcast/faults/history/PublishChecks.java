package io.paxcast.faults.history;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.StringJoiner;
import java.util.TreeSet;

import static io.paxcast.faults.history.Anomaly.Kind.DUPLICATE;
import static io.paxcast.faults.history.Anomaly.Kind.INTEGRITY;
import static io.paxcast.faults.history.Anomaly.Kind.LOST_WRITE;
import static io.paxcast.faults.history.Anomaly.Kind.REAL_TIME_ORDER;

/**
 * Properties relating the publishes to the final logs: acknowledged means durable at the acknowledged
 * seq (LOST_WRITE), the log holds only what was published and not definitely refused (INTEGRITY), each
 * logical publish at most once (DUPLICATE), and seqs respect real time (REAL_TIME_ORDER).
 */
final class PublishChecks {
    private PublishChecks() {
    }

    static void check(PublishIndex pubs, LogIndex log, long t0, AnomalySink sink) {
        lostWrites(pubs, log, t0, sink);
        integrity(pubs, log, sink);
        duplicates(pubs, log, sink);
        realTimeOrder(pubs, t0, sink);
    }

    /**
     * Every OK publish is at its acknowledged seq, with its channel, offset and payload: some node holds
     * it there and no node whose final log spans that seq holds another message there. A node that does
     * not span the seq lags (RECOVERY), one with a hole there disagrees (AGREEMENT); when no node reaches
     * the seq at all, the acknowledged message is gone.
     */
    static void lostWrites(PublishIndex pubs, LogIndex log, long t0, AnomalySink sink) {
        for (PublishIndex.Logical l : pubs.logicals()) {
            for (int a = 0; a < l.attempts.size(); a++) {
                PublishOp op = l.attempts.get(a);
                if (op.outcome() != PublishOp.Outcome.OK || answeredBefore(l.attempts, a, op.seq())) {
                    continue;
                }
                long seq = op.seq();
                boolean spanned = false;
                boolean held = false;
                boolean replaced = false;
                for (LogIndex.NodeLog n : log.nodes) {
                    if (!n.covers(seq)) {
                        continue;
                    }
                    spanned = true;
                    LogEntry e = n.at(seq);
                    if (e != null) {
                        boolean same = Objects.equals(e.channel(), op.channel())
                                && Text.samePayload(e.payload(), op.payload())
                                && (op.offset() == null || e.offset() == op.offset());
                        held |= same;
                        replaced |= !same;
                    }
                }
                // a node merely missing it (a hole) while others hold it is AGREEMENT, not a loss
                if (spanned && held && !replaced) {
                    continue;
                }
                String what = "publish " + Text.op(op) + " acknowledged at seq " + seq
                        + (op.offset() == null ? "" : " offset " + op.offset()) + " at "
                        + Text.at(op.completeNanos(), t0);
                if (spanned) {
                    StringJoiner found = new StringJoiner(", ");
                    for (LogIndex.NodeLog n : log.nodes) {
                        if (n.covers(seq)) {
                            found.add("n" + n.node + " " + Text.entry(n.at(seq)));
                        }
                    }
                    sink.add(LOST_WRITE, what + ", but the final logs hold " + found);
                } else {
                    sink.add(LOST_WRITE, what + ", but no final log spans that seq" + (log.seqs.length == 0
                            ? " (every final log is empty)"
                            : " (they hold seqs " + log.firstSeq() + ".." + log.lastSeq() + ")"));
                }
            }
        }
    }

    /** Whether an OK attempt before {@code a} was answered with the same seq (it is checked once). */
    private static boolean answeredBefore(List<PublishOp> attempts, int a, long seq) {
        for (int i = 0; i < a; i++) {
            PublishOp op = attempts.get(i);
            if (op.outcome() == PublishOp.Outcome.OK && op.seq() == seq) {
                return true;
            }
        }
        return false;
    }

    /** Every message of the final logs was published, to its channel, by a publish not definitely refused. */
    static void integrity(PublishIndex pubs, LogIndex log, AnomalySink sink) {
        for (LogIndex.Slot slot : log.slots) {
            integrity(pubs, slot.primary, sink);
            for (LogEntry alternate : slot.alternates) {
                integrity(pubs, alternate, sink);
            }
        }
    }

    private static void integrity(PublishIndex pubs, LogEntry e, AnomalySink sink) {
        PublishIndex.Logical l = pubs.find(e.payload());
        String at = "seq " + e.seq() + " holds " + Text.entry(e);
        if (l == null) {
            sink.add(INTEGRITY, at + ", which no client ever published");
        } else if (l.definitelyFailed()) {
            sink.add(INTEGRITY, at + ", whose every publish attempt FAILED (4xx: definitely not appended): "
                    + Text.op(l.first()));
        } else if (!Objects.equals(e.channel(), l.first().channel())) {
            sink.add(INTEGRITY, at + ", published to channel " + l.first().channel() + ": " + Text.op(l.first()));
        } else if (e.key() != null && l.first().key() != null && !e.key().equals(l.first().key())) {
            sink.add(INTEGRITY, at + ", published with key " + l.first().key() + ": " + Text.op(l.first()));
        }
    }

    /**
     * Each logical publish (one payload, one Idempotency-Key, however many attempts through however many
     * nodes) occupies at most one seq of each node's final log. Checked per node, so that nodes that
     * disagree about a seq (AGREEMENT) are not mistaken for a duplicate.
     */
    static void duplicates(PublishIndex pubs, LogIndex log, AnomalySink sink) {
        Map<String, TreeSet<Long>> seqsOf = new LinkedHashMap<>();
        Map<String, TreeSet<Integer>> nodesOf = new HashMap<>();
        for (LogIndex.NodeLog n : log.nodes) {
            Map<String, Long> firstSeq = new HashMap<>(n.entries.length * 2);
            for (LogEntry e : n.entries) {
                Long before = firstSeq.putIfAbsent(e.payload(), e.seq());
                if (before != null) {
                    TreeSet<Long> seqs = seqsOf.computeIfAbsent(e.payload(), p -> new TreeSet<>());
                    seqs.add(before);
                    seqs.add(e.seq());
                    nodesOf.computeIfAbsent(e.payload(), p -> new TreeSet<>()).add(n.node);
                }
            }
        }
        seqsOf.forEach((payload, seqs) -> {
            PublishIndex.Logical l = pubs.find(payload);
            StringJoiner attempts = new StringJoiner(", ");
            if (l != null) {
                for (PublishOp op : l.attempts) {
                    attempts.add(op.outcome() + " via n" + op.node()
                            + (op.outcome() == PublishOp.Outcome.OK ? " (seq " + op.seq() + ")" : ""));
                }
            }
            StringJoiner nodes = new StringJoiner(", ");
            nodesOf.get(payload).forEach(node -> nodes.add("n" + node));
            sink.add(DUPLICATE, "publish " + (l == null ? Text.payload(payload) : Text.op(l.first()))
                    + " appears at seqs " + seqs + " on " + nodes
                    + (l == null ? "" : "; its attempts: " + attempts));
        });
    }

    /**
     * If publish A was acknowledged before publish B was invoked, seq(A) < seq(B). A logical publish
     * spans from its first attempt's invocation to its first OK answer, at the seq of that answer.
     * O(n log n): B in order of invocation, the highest seq acknowledged before it in a running maximum.
     */
    static void realTimeOrder(PublishIndex pubs, long t0, AnomalySink sink) {
        List<PublishIndex.Logical> acked = new ArrayList<>();
        for (PublishIndex.Logical l : pubs.logicals()) {
            if (l.acknowledged()) {
                acked.add(l);
            }
        }
        int n = acked.size();
        Integer[] byComplete = new Integer[n];
        Integer[] byInvoke = new Integer[n];
        for (int i = 0; i < n; i++) {
            byComplete[i] = i;
            byInvoke[i] = i;
        }
        Arrays.sort(byComplete, (x, y) -> Long.compare(acked.get(x).firstOk.completeNanos(),
                acked.get(y).firstOk.completeNanos()));
        Arrays.sort(byInvoke, (x, y) -> Long.compare(acked.get(x).firstInvoke, acked.get(y).firstInvoke));
        int next = 0;
        PublishIndex.Logical highest = null;
        for (int b : byInvoke) {
            PublishIndex.Logical later = acked.get(b);
            while (next < n && acked.get(byComplete[next]).firstOk.completeNanos() < later.firstInvoke) {
                PublishIndex.Logical a = acked.get(byComplete[next++]);
                if (highest == null || a.firstOk.seq() > highest.firstOk.seq()) {
                    highest = a;
                }
            }
            if (highest != null && highest.firstOk.seq() >= later.firstOk.seq()) {
                sink.add(REAL_TIME_ORDER, "publish " + Text.op(later.firstOk) + " invoked at "
                        + Text.at(later.firstInvoke, t0) + " got seq " + later.firstOk.seq() + ", but publish "
                        + Text.op(highest.firstOk) + " had been acknowledged at seq " + highest.firstOk.seq()
                        + " at " + Text.at(highest.firstOk.completeNanos(), t0));
            }
        }
    }
}
