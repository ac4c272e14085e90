package io.paxcast.paxos.core;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * Commands submitted on this node and not yet delivered. The network may lose a forward, and a
 * leader may die with a batch in flight, so each is handed to the leader again until the learner
 * delivers it (or skips it as a duplicate). Re-submission can get a command chosen twice; the
 * learner's dedupe makes that harmless.
 */
final class Submissions {
    private static final class Submission {
        final Command command;
        long lastSentTick;

        Submission(Command command, long tick) {
            this.command = command;
            this.lastSentTick = tick;
        }
    }

    private final LinkedHashMap<String, Submission> byId = new LinkedHashMap<>();
    private final int capacity;

    Submissions(int capacity) {
        this.capacity = capacity;
    }

    boolean isFull() {
        return byId.size() >= capacity;
    }

    /** @return false if the command is already tracked */
    boolean add(Command command, long tick) {
        return byId.putIfAbsent(command.id(), new Submission(command, tick)) == null;
    }

    void resolved(String id) {
        byId.remove(id);
    }

    /** Commands not delivered after {@code resubmitTicks}; marks them sent now. */
    List<Command> due(long tick, int resubmitTicks) {
        List<Command> due = new ArrayList<>();
        Iterator<Submission> it = byId.values().iterator();
        while (it.hasNext()) {
            Submission s = it.next();
            if (tick - s.lastSentTick >= resubmitTicks) {
                s.lastSentTick = tick;
                due.add(s.command);
            }
        }
        return due;
    }

    /** Every tracked command, marked sent now (a new leader appeared). */
    List<Command> all(long tick) {
        List<Command> all = new ArrayList<>(byId.size());
        for (Submission s : byId.values()) {
            s.lastSentTick = tick;
            all.add(s.command);
        }
        return all;
    }

    int size() {
        return byId.size();
    }
}
