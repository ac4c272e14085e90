package io.paxcast.faults.history;

import io.paxcast.broadcast.log.ChainHash;

import java.util.HashMap;
import java.util.Map;
import java.util.StringJoiner;

import static io.paxcast.faults.history.Anomaly.Kind.AGREEMENT;
import static io.paxcast.faults.history.Anomaly.Kind.CHAIN;
import static io.paxcast.faults.history.Anomaly.Kind.INTEGRITY;
import static io.paxcast.faults.history.Anomaly.Kind.RECOVERY;

/**
 * Properties of the final logs alone: the nodes agree seq by seq (AGREEMENT), every node caught up
 * with the longest log after settling (RECOVERY), and the log has the shape the contract promises:
 * seqs listed once, in order, without holes; offsets 1, 2, 3... per channel (INTEGRITY); each node's
 * chain hashes follow from its messages (CHAIN).
 */
final class LogChecks {
    private LogChecks() {
    }

    static void check(LogIndex log, AnomalySink sink) {
        for (LogIndex.NodeLog n : log.nodes) {
            n.shapeProblems.forEach(p -> sink.add(INTEGRITY, p));
        }
        agreement(log, sink);
        chains(log, sink);
        caughtUp(log, sink);
        noHoles(log, sink);
        offsets(log, sink);
    }

    /** A node that spans a seq holds the same message there as every other node that spans it. */
    private static void agreement(LogIndex log, AnomalySink sink) {
        for (LogIndex.Disagreement d : log.disagreements) {
            StringJoiner nodes = new StringJoiner(", ");
            d.byNode().forEach((node, e) -> nodes.add("n" + node + " " + Text.entry(e)));
            sink.add(AGREEMENT, "seq " + d.seq() + " differs between the final logs: " + nodes);
        }
    }

    /**
     * Each node's chain hashes hold from one entry to the next: h(seq) = SHA-256(h(seq - 1) ‖ seq ‖
     * channel ‖ data) ({@link ChainHash}), computed here from what the node lists. With AGREEMENT (which
     * compares the hashes too), a pass means every node computed the same chain over the same log.
     */
    private static void chains(LogIndex log, AnomalySink sink) {
        for (LogIndex.NodeLog n : log.nodes) {
            for (int i = 0; i < n.entries.length; i++) {
                LogEntry e = n.entries[i];
                LogEntry before = i == 0 ? null : n.entries[i - 1];
                String previous = before != null ? before.hash() : e.seq() == 1 ? ChainHash.ZERO.hex() : null;
                if (previous == null || e.hash() == null || e.payload() == null
                        || (before != null && e.seq() != before.seq() + 1)) {
                    continue;
                }
                String expected = ChainHash.fromHex(previous).next(e.seq(), e.channel(), e.payload()).hex();
                if (!expected.equals(e.hash())) {
                    sink.add(CHAIN, "node n" + n.node + "'s hash at seq " + e.seq() + " is " + e.hash()
                            + ", but its hash at seq " + (e.seq() - 1) + " and the message give " + expected);
                }
            }
        }
    }

    /** Every node's log ends where the longest ends; a node that lags behind did not recover. */
    private static void caughtUp(LogIndex log, AnomalySink sink) {
        if (log.longest == null || log.longest.isEmpty()) {
            return;
        }
        for (LogIndex.NodeLog n : log.nodes) {
            if (n.last() < log.longest.last()) {
                String has = n.isEmpty() ? "is empty" : "ends at seq " + n.last() + " (" + n.entries.length
                        + " entries)";
                sink.add(RECOVERY, "node n" + n.node + "'s final log " + has + " after settling, node n"
                        + log.longest.node + "'s ends at seq " + log.longest.last() + " ("
                        + log.longest.entries.length + " entries)");
            }
        }
    }

    /** Seqs are 1, 2, 3... without holes: a seq no node holds between two that some node holds is a hole. */
    private static void noHoles(LogIndex log, AnomalySink sink) {
        long[] seqs = log.seqs;
        for (int i = 1; i < seqs.length; i++) {
            if (seqs[i] != seqs[i - 1] + 1) {
                long from = seqs[i - 1] + 1;
                long to = seqs[i] - 1;
                sink.add(INTEGRITY, "no final log holds seq " + (from == to ? from : from + ".." + to)
                        + " (the global log must have no holes)");
            }
        }
    }

    /** Per channel, offsets grow by exactly one with seq (starting at 1 when the log starts at seq 1). */
    private static void offsets(LogIndex log, AnomalySink sink) {
        Map<String, LogEntry> previous = new HashMap<>();
        boolean fromStart = log.firstSeq() == 1;
        for (LogIndex.Slot slot : log.slots) {
            LogEntry e = slot.primary;
            LogEntry before = previous.put(e.channel(), e);
            if (before == null) {
                if (fromStart && e.offset() != 1) {
                    sink.add(INTEGRITY, "channel " + e.channel() + " starts at offset " + e.offset() + " (seq "
                            + e.seq() + ") although the log starts at seq 1");
                }
            } else if (e.offset() != before.offset() + 1) {
                sink.add(INTEGRITY, "channel " + e.channel() + ": offset " + e.offset() + " at seq " + e.seq()
                        + " follows offset " + before.offset() + " at seq " + before.seq());
            }
        }
    }
}
