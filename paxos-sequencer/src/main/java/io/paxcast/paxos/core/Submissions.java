package io.paxcast.paxos.core;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.TreeMap;

/**
 * The commands submitted on this node (their origin) and not yet delivered, and their way to the
 * leader. The network may lose a forward, and a leader may die with a batch in flight, so each is
 * handed in again until the learner delivers it; a command chosen twice is made harmless by
 * {@link AppliedCommands}.
 *
 * <p>Each command gets the next counter of this incarnation and carries the floor: the lowest counter
 * still outstanding here. A command leaves when it is delivered or {@link #abandon abandoned} (its
 * client gave up); either way it is never handed in again, so the floor may pass it.
 *
 * <p>Flow control, so work does not multiply near saturation: at most {@code windowBytes} of commands
 * are forwarded and unanswered at once; the leader answers each forward ({@link Message.ForwardAck})
 * with what it took into its queue (then this node waits, and hands it in again only if the leader
 * changes, or after a long silence) and what it refused (its queue was full: handed in again after a
 * back-off of {@code resubmitTicks}, then 2, 4, 8 times as long). An unanswered forward is sent again
 * after the same back-off.
 *
 * <p>Bounded by {@code maxCount} commands and {@code maxBytes} bytes (their weights), and by
 * {@link CounterWindow#MAX_SPAN} between the floor and the newest counter; past any bound
 * {@link #create} refuses.
 */
final class Submissions {
    private static final int MAX_BACKOFF_SHIFT = 3;
    /** A command the leader took is handed in again after this many re-submission periods of silence. */
    private static final int HANDED_TIMEOUT_SHIFT = 4;

    private static final class Submission {
        final Command command;
        long dueTick;
        int attempts;
        boolean inFlight;
        boolean handed;

        Submission(Command command, long dueTick) {
            this.command = command;
            this.dueTick = dueTick;
        }
    }

    private final String origin;
    private final long incarnation;
    private final int maxCount;
    private final long maxBytes;
    private final long windowBytes;
    private final int resubmitTicks;
    private final TreeMap<Long, Submission> outstanding = new TreeMap<>();
    /** (due tick, counter), with stale entries skipped when they come up. */
    private final PriorityQueue<long[]> due = new PriorityQueue<>((a, b) ->
            a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
    private long nextCounter = 1;
    private long bytes;
    private long inFlightBytes;

    Submissions(String origin, long incarnation, int maxCount, long maxBytes, long windowBytes, int resubmitTicks) {
        this.origin = origin;
        this.incarnation = incarnation;
        this.maxCount = maxCount;
        this.maxBytes = maxBytes;
        this.windowBytes = windowBytes;
        this.resubmitTicks = resubmitTicks;
    }

    /** The next command of this origin, tracked from now and due at once; null if a bound would be passed. */
    Command create(byte[] payload, long tick) {
        long floor = floor();
        Command command = new Command(new CommandId(origin, incarnation, nextCounter), floor, payload);
        if (outstanding.size() >= maxCount || bytes + command.weight() > maxBytes
                || nextCounter - floor >= CounterWindow.MAX_SPAN) {
            return null;
        }
        nextCounter++;
        Submission s = new Submission(command, tick);
        outstanding.put(command.id().counter(), s);
        schedule(s, tick);
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

    /**
     * Stops tracking every command the log has settled by now ({@code settled}): after a snapshot was
     * installed, the slots that applied them are never delivered here.
     */
    void resolveSettled(java.util.function.Predicate<CommandId> settled) {
        for (Submission s : new ArrayList<>(outstanding.values())) {
            if (settled.test(s.command.id())) {
                remove(s.command.id());
            }
        }
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
        if (s.inFlight) {
            inFlightBytes -= s.command.weight();
        }
        return true;
    }

    private boolean ours(CommandId id) {
        return id.incarnation() == incarnation && id.origin().equals(origin);
    }

    /**
     * The commands to hand to the leader now: those due, oldest first, while the window has room (at
     * least one). Each is marked in flight until the leader answers, or sent again after a back-off.
     *
     * @param windowed false when this node leads: its own queue answers at once, no window needed
     */
    List<Command> toSend(long tick, boolean windowed) {
        List<Command> ready = new ArrayList<>();
        while (!due.isEmpty() && due.peek()[0] <= tick) {
            Submission s = outstanding.get(due.peek()[1]);
            if (s == null || s.dueTick != due.peek()[0]) {
                due.poll(); // delivered, abandoned, or rescheduled since
                continue;
            }
            if (windowed && !s.inFlight && inFlightBytes > 0 && inFlightBytes + s.command.weight() > windowBytes) {
                break; // the window is full: the rest waits for answers (one always fits an empty window)
            }
            due.poll();
            ready.add(s.command);
            if (!s.inFlight) {
                s.inFlight = true;
                inFlightBytes += s.command.weight();
            }
            s.handed = false;
            s.attempts++;
            schedule(s, tick + backOff(s)); // if no answer comes
        }
        return ready;
    }

    /** The leader took {@code counter} into its queue: wait (hand it in again only after a long silence). */
    void taken(long counter, long tick) {
        Submission s = outstanding.get(counter);
        if (s == null) {
            return;
        }
        settle(s);
        s.handed = true;
        s.attempts = 0;
        schedule(s, tick + ((long) resubmitTicks << HANDED_TIMEOUT_SHIFT));
    }

    /** The leader refused {@code counter} (its queue was full): hand it in again after the back-off. */
    void refused(long counter, long tick) {
        Submission s = outstanding.get(counter);
        if (s == null) {
            return;
        }
        settle(s);
        schedule(s, tick + backOff(s));
    }

    /** After the k-th hand-in: resubmitTicks, then 2, 4, 8 times as long. */
    private long backOff(Submission s) {
        return (long) resubmitTicks << Math.min(Math.max(0, s.attempts - 1), MAX_BACKOFF_SHIFT);
    }

    private void settle(Submission s) {
        if (s.inFlight) {
            s.inFlight = false;
            inFlightBytes -= s.command.weight();
        }
    }

    /** A new leader (or the old one at a new ballot, whose queue started empty): hand it everything again. */
    void rerouteAll(long tick) {
        for (Submission s : outstanding.values()) {
            settle(s);
            s.handed = false;
            s.attempts = 0;
            schedule(s, tick);
        }
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

    long inFlightBytes() {
        return inFlightBytes;
    }

    long incarnation() {
        return incarnation;
    }
}
