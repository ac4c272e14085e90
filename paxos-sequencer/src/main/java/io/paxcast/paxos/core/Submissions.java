package io.paxcast.paxos.core;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.TreeMap;

/**
 * The commands submitted on this node (their origin) and not yet delivered. The network may lose a
 * forward, and a leader may die with a batch in flight, so each is handed to the leader again until
 * the learner delivers it; re-submission can get a command chosen twice, which {@link AppliedCommands}
 * makes harmless.
 *
 * <p>Each command gets the next counter of this incarnation and carries the floor: the lowest counter
 * still outstanding here. A command leaves when it is delivered or {@link #abandon abandoned} (its
 * client gave up); either way it is never handed in again, so the floor may pass it.
 *
 * <p>Bounded by {@code maxCount} commands and {@code maxBytes} bytes (their weights), and by
 * {@link CounterWindow#MAX_SPAN} between the floor and the newest counter; past any bound
 * {@link #create} refuses. Re-submission backs off: after {@code resubmitTicks}, then twice, four,
 * eight times as long, so a slow cluster is not flooded with copies of what it already has.
 */
final class Submissions {
    private static final int MAX_BACKOFF_SHIFT = 3;

    private static final class Submission {
        final Command command;
        long dueTick;
        int attempts;

        Submission(Command command, long dueTick) {
            this.command = command;
            this.dueTick = dueTick;
        }
    }

    private final String origin;
    private final long incarnation;
    private final int maxCount;
    private final long maxBytes;
    private final int resubmitTicks;
    private final TreeMap<Long, Submission> outstanding = new TreeMap<>();
    /** (due tick, counter), with stale entries skipped when they come up. */
    private final PriorityQueue<long[]> due = new PriorityQueue<>((a, b) -> Long.compare(a[0], b[0]));
    private long nextCounter = 1;
    private long bytes;

    Submissions(String origin, long incarnation, int maxCount, long maxBytes, int resubmitTicks) {
        this.origin = origin;
        this.incarnation = incarnation;
        this.maxCount = maxCount;
        this.maxBytes = maxBytes;
        this.resubmitTicks = resubmitTicks;
    }

    /** The next command of this origin, tracked from now; null if a bound would be passed. */
    Command create(byte[] payload, long tick) {
        long floor = floor();
        Command command = new Command(new CommandId(origin, incarnation, nextCounter), floor, payload);
        if (outstanding.size() >= maxCount || bytes + command.weight() > maxBytes
                || nextCounter - floor >= CounterWindow.MAX_SPAN) {
            return null;
        }
        nextCounter++;
        Submission s = new Submission(command, tick + resubmitTicks);
        outstanding.put(command.id().counter(), s);
        due.add(new long[] {s.dueTick, command.id().counter()});
        bytes += command.weight();
        return command;
    }

    /** The lowest counter still outstanding (the next one if none is). */
    long floor() {
        return outstanding.isEmpty() ? nextCounter : outstanding.firstKey();
    }

    /** {@code id} was delivered: stop tracking it. */
    boolean resolved(CommandId id) {
        return remove(id);
    }

    /** The client gave up on {@code id}: never hand it in again (it may still be chosen from a copy). */
    boolean abandon(CommandId id) {
        return remove(id);
    }

    boolean tracks(CommandId id) {
        return ours(id) && outstanding.containsKey(id.counter());
    }

    private boolean remove(CommandId id) {
        if (!ours(id)) {
            return false;
        }
        Submission s = outstanding.remove(id.counter());
        if (s == null) {
            return false;
        }
        bytes -= s.command.weight();
        return true;
    }

    private boolean ours(CommandId id) {
        return id.incarnation() == incarnation && id.origin().equals(origin);
    }

    /** Commands whose re-submission is due at {@code tick}; their next one is scheduled with back-off. */
    List<Command> due(long tick) {
        List<Command> ready = new ArrayList<>();
        while (!due.isEmpty() && due.peek()[0] <= tick) {
            long[] entry = due.poll();
            Submission s = outstanding.get(entry[1]);
            if (s == null || s.dueTick != entry[0]) {
                continue; // delivered, abandoned, or rescheduled since
            }
            ready.add(s.command);
            s.attempts = Math.min(s.attempts + 1, MAX_BACKOFF_SHIFT);
            schedule(s, tick + ((long) resubmitTicks << s.attempts));
        }
        return ready;
    }

    /** Every tracked command (a new leader appeared: hand it everything); the back-off starts again. */
    List<Command> all(long tick) {
        List<Command> all = new ArrayList<>(outstanding.size());
        for (Submission s : outstanding.values()) {
            all.add(s.command);
            s.attempts = 0;
            schedule(s, tick + resubmitTicks);
        }
        return all;
    }

    private void schedule(Submission s, long dueTick) {
        s.dueTick = dueTick;
        due.add(new long[] {dueTick, s.command.id().counter()});
        if (due.size() > 4 * outstanding.size() + 64) {
            due.removeIf(e -> {
                Submission live = outstanding.get(e[1]);
                return live == null || live.dueTick != e[0];
            });
        }
    }

    int size() {
        return outstanding.size();
    }

    long bytes() {
        return bytes;
    }

    long incarnation() {
        return incarnation;
    }
}
