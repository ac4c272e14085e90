package io.paxcast.faults.history;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;

import static io.paxcast.faults.history.Anomaly.Kind.AGREEMENT;
import static io.paxcast.faults.history.Anomaly.Kind.INTEGRITY;
import static io.paxcast.faults.history.Anomaly.Kind.RECOVERY;
import static io.paxcast.faults.history.Anomaly.Kind.SUBSCRIBER_GAP;
import static io.paxcast.faults.history.Anomaly.Kind.SUBSCRIBER_ORDER;

/**
 * Properties of what subscribers received, each subscriber's sessions chained in session order into one
 * stream: every frame carries the final log's message at its seq (AGREEMENT) on a channel it subscribed
 * to (INTEGRITY); seqs strictly increase across the stream and exceed each session's {@code after}
 * (SUBSCRIBER_ORDER); no message of its channels is skipped up to the last frame (SUBSCRIBER_GAP); a
 * subscriber still open at the end receives the last message of its channels in time (RECOVERY).
 * Linear in the frames, plus a binary search per frame for gaps.
 */
final class SubscriberChecks {
    private static final int LISTED_SEQS = 5;

    private final LogIndex log;
    private final PublishIndex pubs;
    private final long faultsEnd;
    private final long boundNanos;
    private final long t0;
    private final AnomalySink sink;

    private SubscriberChecks(LogIndex log, PublishIndex pubs, long faultsEnd, Duration bound, long t0,
                             AnomalySink sink) {
        this.log = log;
        this.pubs = pubs;
        this.faultsEnd = faultsEnd;
        this.boundNanos = bound.toNanos();
        this.t0 = t0;
        this.sink = sink;
    }

    /** Checks every subscriber, in name order; returns the recovery of those still open at the end. */
    static List<CheckResult.Recovery> check(History h, LogIndex log, PublishIndex pubs, Duration bound, long t0,
                                            AnomalySink sink) {
        Map<String, TreeMap<Integer, Subscription>> sessions = new TreeMap<>();
        for (Subscription s : h.subscriptions()) {
            Subscription before = sessions.computeIfAbsent(s.subscriber(), k -> new TreeMap<>()).put(s.session(), s);
            if (before != null) {
                throw new IllegalArgumentException("two sessions " + s.session() + " of subscriber " + s.subscriber());
            }
        }
        Frame[] frames = h.frames().toArray(new Frame[0]);
        Map<String, Map<Integer, IntList>> framesOf = new HashMap<>();
        for (int i = 0; i < frames.length; i++) {
            Frame f = frames[i];
            TreeMap<Integer, Subscription> of = sessions.get(f.subscriber());
            if (of == null || !of.containsKey(f.session())) {
                throw new IllegalArgumentException("frame of a session the history does not list: " + f);
            }
            framesOf.computeIfAbsent(f.subscriber(), k -> new HashMap<>())
                    .computeIfAbsent(f.session(), k -> new IntList()).add(i);
        }
        SubscriberChecks checks = new SubscriberChecks(log, pubs, h.faultsEndNanos(), bound, t0, sink);
        List<CheckResult.Recovery> recoveries = new ArrayList<>();
        sessions.forEach((subscriber, itsSessions) -> {
            CheckResult.Recovery r = checks.subscriber(itsSessions, frames,
                    framesOf.getOrDefault(subscriber, Map.of()));
            if (r != null) {
                recoveries.add(r);
            }
        });
        return recoveries;
    }

    private CheckResult.Recovery subscriber(TreeMap<Integer, Subscription> sessions, Frame[] frames,
                                            Map<Integer, IntList> framesOf) {
        long[] received = receivedSeqs(sessions, frames, framesOf);
        boolean any = false;
        long maxSeen = 0;
        for (Subscription s : sessions.values()) {
            IntList mine = framesOf.getOrDefault(s.session(), IntList.EMPTY);
            long[] expected = log.seqsOf(s.channels());
            // a session resumes the stream: nothing after min(what it had, what it asked for) may be skipped,
            // and nothing up to max(...) may come again
            long lo = any ? Math.min(maxSeen, s.afterSeq()) : s.afterSeq();
            long bound = any ? Math.max(maxSeen, s.afterSeq()) : s.afterSeq();
            boolean boundIsAfter = !any || s.afterSeq() > maxSeen;
            OrderRun run = null;
            for (int k = 0; k < mine.size; k++) {
                Frame f = frames[mine.values[k]];
                agreement(f);
                if (s.channels() != null && !s.channels().contains(f.channel())) {
                    sink.add(INTEGRITY, where(s) + " received seq " + f.seq() + " " + Text.frame(f)
                            + " on a channel it did not subscribe to " + s.channels());
                }
                if (f.seq() <= bound) {
                    run = run == null ? new OrderRun(f, boundIsAfter ? "the session connected with after="
                            + s.afterSeq() : "seq " + bound + " had been received") : run.extend(f);
                    continue;
                }
                report(s, run);
                run = null;
                gap(s, lo, f, expected, received);
                lo = bound = maxSeen = f.seq();
                boundIsAfter = false;
                any = true;
            }
            report(s, run);
        }
        return recovery(sessions, frames, framesOf);
    }

    /** Every seq the subscriber received in any session, sorted. */
    private static long[] receivedSeqs(TreeMap<Integer, Subscription> sessions, Frame[] frames,
                                       Map<Integer, IntList> framesOf) {
        int n = 0;
        for (IntList l : framesOf.values()) {
            n += l.size;
        }
        long[] seqs = new long[n];
        int at = 0;
        boolean sorted = true;
        for (Integer session : sessions.keySet()) {
            IntList l = framesOf.getOrDefault(session, IntList.EMPTY);
            for (int k = 0; k < l.size; k++) {
                seqs[at] = frames[l.values[k]].seq();
                sorted &= at == 0 || seqs[at] >= seqs[at - 1];
                at++;
            }
        }
        if (!sorted) {
            Arrays.sort(seqs);
        }
        return seqs;
    }

    private void agreement(Frame f) {
        LogIndex.Slot slot = log.slot(f.seq());
        if (slot == null) {
            sink.add(AGREEMENT, "subscriber " + f.subscriber() + " (session " + f.session() + ") received seq "
                    + f.seq() + " " + Text.frame(f) + " at " + Text.at(f.receivedNanos(), t0)
                    + ", which no final log holds");
        } else if (!slot.matches(f)) {
            sink.add(AGREEMENT, "subscriber " + f.subscriber() + " (session " + f.session() + ") received seq "
                    + f.seq() + " as " + Text.frame(f) + " at " + Text.at(f.receivedNanos(), t0)
                    + ", the final log holds " + Text.entry(slot.primary));
        }
    }

    /** Messages of the subscriber's channels strictly between {@code lo} and frame {@code f} it never got. */
    private void gap(Subscription s, long lo, Frame f, long[] expected, long[] received) {
        int from = LogIndex.upperBound(expected, lo);
        int to = LogIndex.lowerBound(expected, f.seq());
        if (to <= from) {
            return; // the common case: nothing of its channels in between
        }
        int missing = 0;
        StringJoiner listed = new StringJoiner(", ", "[", "]");
        for (int i = from; i < to; i++) {
            if (Arrays.binarySearch(received, expected[i]) < 0) { // a late, reordered frame is not a gap
                if (missing++ < LISTED_SEQS) {
                    listed.add(Long.toString(expected[i]));
                }
            }
        }
        if (missing > 0) {
            sink.add(SUBSCRIBER_GAP, where(s) + " never received " + missing + " message(s) of its channels"
                    + " between seq " + lo + " and seq " + f.seq() + " (received at "
                    + Text.at(f.receivedNanos(), t0) + "): seqs " + listed + (missing > LISTED_SEQS ? "..." : ""));
        }
    }

    private void report(Subscription s, OrderRun run) {
        if (run == null) {
            return;
        }
        String frames = run.count == 1 ? "frame seq " + run.first.seq()
                : run.count + " frames, seqs " + run.first.seq() + " to " + run.last.seq() + ",";
        sink.add(SUBSCRIBER_ORDER, where(s) + ": " + frames + " arrived at " + Text.at(run.first.receivedNanos(), t0)
                + " after " + run.why + " (seqs must strictly increase across sessions)");
    }

    /**
     * A subscriber whose last session is still open at the end must hold S, the last seq of its channels
     * in the final log, by max(faults end, when S's publish was known to exist) + bound.
     */
    private CheckResult.Recovery recovery(TreeMap<Integer, Subscription> sessions, Frame[] frames,
                                          Map<Integer, IntList> framesOf) {
        Subscription last = sessions.lastEntry().getValue();
        if (!last.openAtEnd()) {
            return null;
        }
        long[] expected = log.seqsOf(last.channels());
        long start = sessions.firstEntry().getValue().afterSeq();
        if (expected.length == 0 || expected[expected.length - 1] <= start) {
            return new CheckResult.Recovery(last.subscriber(), -1, true, 0);
        }
        long target = expected[expected.length - 1];
        Frame got = null;
        Frame latest = null;
        for (IntList l : framesOf.values()) {
            for (int k = 0; k < l.size; k++) {
                Frame f = frames[l.values[k]];
                if (f.seq() == target && (got == null || f.receivedNanos() < got.receivedNanos())) {
                    got = f;
                }
                if (latest == null || f.receivedNanos() > latest.receivedNanos()) {
                    latest = f;
                }
            }
        }
        PublishIndex.Logical publish = pubs.find(log.slot(target).primary.payload());
        long base = publish == null ? faultsEnd : Math.max(faultsEnd, publish.knownAt());
        String deadline = "due by " + Text.at(base + boundNanos, t0) + " = max(faults end " + Text.at(faultsEnd, t0)
                + ", its publish " + (publish == null ? "unknown" : (publish.acknowledged() ? "acknowledged "
                : "last answered ") + Text.at(publish.knownAt(), t0)) + ") + " + Text.millis(boundNanos);
        if (got == null) {
            sink.add(RECOVERY, where(last) + ", open at the end, never received seq " + target
                    + ", the last of its channels in the final log, " + deadline + "; its last frame: "
                    + (latest == null ? "none" : "seq " + latest.seq() + " at " + Text.at(latest.receivedNanos(), t0)));
            return new CheckResult.Recovery(last.subscriber(), target, false, -1);
        }
        long latency = Math.max(0, got.receivedNanos() - base);
        if (latency > boundNanos) {
            sink.add(RECOVERY, where(last) + " received seq " + target + ", the last of its channels in the"
                    + " final log, at " + Text.at(got.receivedNanos(), t0) + " (recovery latency "
                    + Text.millis(latency) + "), " + deadline);
        }
        return new CheckResult.Recovery(last.subscriber(), target, true, latency);
    }

    private static String where(Subscription s) {
        return "subscriber " + s.subscriber() + " (session " + s.session() + " on n" + s.node() + ")";
    }

    /** Consecutive out-of-order frames of one session, reported as one anomaly. */
    private static final class OrderRun {
        final Frame first;
        final String why;
        Frame last;
        int count = 1;

        OrderRun(Frame first, String why) {
            this.first = first;
            this.last = first;
            this.why = why;
        }

        OrderRun extend(Frame f) {
            last = f;
            count++;
            return this;
        }
    }

    /** A growable int array: frame indices without boxing a million Integers. */
    private static final class IntList {
        static final IntList EMPTY = new IntList();
        int[] values = new int[8];
        int size;

        void add(int v) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = v;
        }
    }
}
