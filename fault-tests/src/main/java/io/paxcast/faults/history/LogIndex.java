package io.paxcast.faults.history;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The final logs of every node, indexed for the checks: each node's log sorted by seq, and the union
 * over nodes ("the final log") as one slot per seq with the message every node agrees on, or the
 * distinct versions when they do not. Built once in O(total entries x nodes); lookups by seq are O(1)
 * when the union has no holes, else a binary search.
 */
final class LogIndex {
    /** How many merged per-channel-set seq arrays {@link #seqsOf} keeps. */
    private static final int CHANNEL_SET_CACHE = 64;

    /** One node's final log, sorted by seq, one entry per seq. */
    static final class NodeLog {
        final int node;
        final LogEntry[] entries;
        final long[] seqs;
        /** Seqs listed out of order or twice in the log as read (the log is used sorted and deduplicated). */
        final List<String> shapeProblems;

        NodeLog(int node, List<LogEntry> log) {
            this.node = node;
            List<String> problems = new ArrayList<>();
            LogEntry[] sorted = log.toArray(new LogEntry[0]);
            boolean increasing = true;
            for (int i = 1; i < sorted.length; i++) {
                if (sorted[i].seq() <= sorted[i - 1].seq()) {
                    increasing = false;
                    problems.add("node n" + node + "'s final log lists seq " + sorted[i].seq() + " after seq "
                            + sorted[i - 1].seq() + " (position " + i + ")");
                }
            }
            if (!increasing) {
                Arrays.sort(sorted, Comparator.comparingLong(LogEntry::seq)); // stable: the first read wins
                List<LogEntry> unique = new ArrayList<>(sorted.length);
                for (LogEntry e : sorted) {
                    if (unique.isEmpty() || unique.get(unique.size() - 1).seq() != e.seq()) {
                        unique.add(e);
                    }
                }
                sorted = unique.toArray(new LogEntry[0]);
            }
            this.entries = sorted;
            this.seqs = new long[sorted.length];
            for (int i = 0; i < sorted.length; i++) {
                seqs[i] = sorted[i].seq();
            }
            this.shapeProblems = problems;
        }

        boolean isEmpty() {
            return entries.length == 0;
        }

        long first() {
            return isEmpty() ? Long.MAX_VALUE : seqs[0];
        }

        long last() {
            return isEmpty() ? Long.MIN_VALUE : seqs[seqs.length - 1];
        }

        /** Whether this log spans {@code seq}: a node that spans a seq but lacks it has a hole there. */
        boolean covers(long seq) {
            return !isEmpty() && seqs[0] <= seq && seq <= seqs[seqs.length - 1];
        }

        LogEntry at(long seq) {
            int i = Arrays.binarySearch(seqs, seq);
            return i >= 0 ? entries[i] : null;
        }
    }

    /** One seq of the union: the message there, and other versions when nodes disagree. */
    static final class Slot {
        final LogEntry primary;
        /** Distinct messages other nodes hold at this seq; empty when every node that has it agrees. */
        final List<LogEntry> alternates;

        Slot(LogEntry primary, List<LogEntry> alternates) {
            this.primary = primary;
            this.alternates = alternates;
        }

        boolean matches(Frame f) {
            if (Text.sameMessage(f, primary)) {
                return true;
            }
            for (LogEntry e : alternates) {
                if (Text.sameMessage(f, e)) {
                    return true;
                }
            }
            return false;
        }
    }

    /** A seq where the nodes spanning it do not all hold the same message: node -> entry, or null if missing. */
    record Disagreement(long seq, Map<Integer, LogEntry> byNode) {
    }

    final List<NodeLog> nodes;
    /** The node with the highest last seq (then the most entries, then the lowest id), or null if none. */
    final NodeLog longest;
    final long[] seqs;
    final Slot[] slots;
    final List<Disagreement> disagreements = new ArrayList<>();
    private final boolean dense;
    private final Map<String, long[]> channelSeqs;
    private final Map<Set<String>, long[]> channelSetSeqs = new HashMap<>();

    private LogIndex(Map<Integer, List<LogEntry>> finalLogs) {
        List<NodeLog> all = new ArrayList<>();
        new TreeMap<>(finalLogs).forEach((node, log) -> all.add(new NodeLog(node, log == null ? List.of() : log)));
        this.nodes = Collections.unmodifiableList(all);
        NodeLog best = null;
        for (NodeLog n : all) {
            if (best == null || n.last() > best.last()
                    || (n.last() == best.last() && n.entries.length > best.entries.length)) {
                best = n;
            }
        }
        this.longest = best;

        List<Long> unionSeqs = new ArrayList<>();
        List<Slot> unionSlots = new ArrayList<>();
        merge(unionSeqs, unionSlots);
        this.seqs = new long[unionSeqs.size()];
        for (int i = 0; i < seqs.length; i++) {
            seqs[i] = unionSeqs.get(i);
        }
        this.slots = unionSlots.toArray(new Slot[0]);
        this.dense = seqs.length > 0 && seqs[seqs.length - 1] - seqs[0] == seqs.length - 1;

        Map<String, List<Long>> byChannel = new HashMap<>();
        for (int i = 0; i < seqs.length; i++) {
            byChannel.computeIfAbsent(slots[i].primary.channel(), c -> new ArrayList<>()).add(seqs[i]);
        }
        this.channelSeqs = new HashMap<>();
        byChannel.forEach((c, list) -> {
            long[] a = new long[list.size()];
            for (int i = 0; i < a.length; i++) {
                a[i] = list.get(i);
            }
            channelSeqs.put(c, a);
        });
    }

    static LogIndex of(Map<Integer, List<LogEntry>> finalLogs) {
        return new LogIndex(finalLogs);
    }

    /** K-way merge of the sorted node logs into one slot per seq, noting where nodes disagree. */
    private void merge(List<Long> unionSeqs, List<Slot> unionSlots) {
        int k = nodes.size();
        int[] pos = new int[k];
        while (true) {
            long seq = Long.MAX_VALUE;
            boolean any = false;
            for (int i = 0; i < k; i++) {
                NodeLog n = nodes.get(i);
                if (pos[i] < n.seqs.length && (!any || n.seqs[pos[i]] < seq)) {
                    seq = n.seqs[pos[i]];
                    any = true;
                }
            }
            if (!any) {
                return;
            }
            LogEntry primary = null;
            LogEntry[] here = new LogEntry[k];
            for (int i = 0; i < k; i++) {
                NodeLog n = nodes.get(i);
                if (pos[i] < n.seqs.length && n.seqs[pos[i]] == seq) {
                    here[i] = n.entries[pos[i]++];
                    if (primary == null || n == longest) {
                        primary = here[i];
                    }
                }
            }
            List<LogEntry> alternates = List.of();
            boolean disagree = false;
            for (int i = 0; i < k; i++) {
                LogEntry e = here[i];
                if (e == null) {
                    disagree |= nodes.get(i).covers(seq);
                } else if (!Text.sameMessage(e, primary)) {
                    disagree = true;
                    if (alternates.stream().noneMatch(a -> Text.sameMessage(a, e))) {
                        alternates = alternates.isEmpty() ? new ArrayList<>() : alternates;
                        alternates.add(e);
                    }
                }
            }
            if (disagree) {
                Map<Integer, LogEntry> byNode = new TreeMap<>();
                for (int i = 0; i < k; i++) {
                    if (here[i] != null || nodes.get(i).covers(seq)) {
                        byNode.put(nodes.get(i).node, here[i]);
                    }
                }
                disagreements.add(new Disagreement(seq, byNode));
            }
            unionSeqs.add(seq);
            unionSlots.add(new Slot(primary, alternates));
        }
    }

    /** Position of {@code seq} in {@link #seqs}, or -1 when no node's final log holds it. */
    int indexOf(long seq) {
        if (seqs.length == 0) {
            return -1;
        }
        if (dense) {
            long i = seq - seqs[0];
            return i >= 0 && i < seqs.length ? (int) i : -1;
        }
        int i = Arrays.binarySearch(seqs, seq);
        return i >= 0 ? i : -1;
    }

    Slot slot(long seq) {
        int i = indexOf(seq);
        return i < 0 ? null : slots[i];
    }

    /** The lowest seq of the union, or Long.MAX_VALUE when every final log is empty. */
    long firstSeq() {
        return seqs.length == 0 ? Long.MAX_VALUE : seqs[0];
    }

    /** The highest seq of the union, or Long.MIN_VALUE when every final log is empty. */
    long lastSeq() {
        return seqs.length == 0 ? Long.MIN_VALUE : seqs[seqs.length - 1];
    }

    Set<String> channels() {
        return channelSeqs.keySet();
    }

    /** Sorted seqs of the union whose message is on one of {@code channels} (null: every channel). */
    long[] seqsOf(Set<String> channels) {
        if (channels == null) {
            return seqs;
        }
        if (channels.size() == 1) {
            return channelSeqs.getOrDefault(channels.iterator().next(), new long[0]);
        }
        long[] cached = channelSetSeqs.get(channels);
        if (cached != null) {
            return cached;
        }
        int size = 0;
        for (String c : channels) {
            size += channelSeqs.getOrDefault(c, new long[0]).length;
        }
        long[] merged = new long[size];
        int at = 0;
        for (String c : channels) {
            long[] part = channelSeqs.getOrDefault(c, new long[0]);
            System.arraycopy(part, 0, merged, at, part.length);
            at += part.length;
        }
        Arrays.sort(merged);
        if (channelSetSeqs.size() < CHANNEL_SET_CACHE) {
            channelSetSeqs.put(Set.copyOf(channels), merged);
        }
        return merged;
    }

    /** Index of the first element of sorted {@code a} greater than {@code x}. */
    static int upperBound(long[] a, long x) {
        return firstIndex(a, x, false);
    }

    /** Index of the first element of sorted {@code a} greater than or equal to {@code x}. */
    static int lowerBound(long[] a, long x) {
        return firstIndex(a, x, true);
    }

    /** Binary search: the first index whose element is past {@code x} ({@code orEqual}: or equal to it). */
    private static int firstIndex(long[] a, long x, boolean orEqual) {
        int lo = 0;
        int hi = a.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (orEqual ? a[mid] < x : a[mid] <= x) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
