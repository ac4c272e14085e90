package io.paxcast.paxos.core;

import io.paxcast.paxos.core.Message.Promise;
import io.paxcast.paxos.core.Message.SlotEntry;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A candidate's phase 1 so far: per acceptor, the entries of every Promise page received at its
 * ballot, and where the next page starts for the acceptors whose report is not complete yet
 * (DESIGN.md P6: a large report comes in pages). An incomplete report is not part of the quorum.
 */
final class PhaseOneReports {
    /** What the quorum's reports say about the open slots. */
    record Summary(List<SlotEntry> chosen, TreeMap<Long, SlotEntry> highestAccepted) {}

    private final Map<String, List<SlotEntry>> entries = new HashMap<>();
    private final Map<String, Long> chosenPrefix = new HashMap<>();
    /** Acceptors whose promise still has pages to come: the slot the next page starts at. */
    private final Map<String, Long> nextPage = new HashMap<>();

    /** Whether {@code from}'s report is complete already (a further page is a duplicate). */
    boolean isComplete(String from) {
        return entries.containsKey(from) && !nextPage.containsKey(from);
    }

    /** Whether {@code from} answered at all. */
    boolean answered(String from) {
        return entries.containsKey(from);
    }

    /** The slot {@code from}'s next page starts at, or null if none is awaited. */
    Long nextPageOf(String from) {
        return nextPage.get(from);
    }

    /** Adds one page; returns the slot the next page starts at, or 0 if the report is complete. */
    long add(Promise promise) {
        String from = promise.from();
        entries.computeIfAbsent(from, f -> new ArrayList<>()).addAll(promise.accepted());
        chosenPrefix.merge(from, promise.chosenPrefix(), Math::max);
        if (promise.nextSlot() > 0) {
            nextPage.put(from, promise.nextSlot());
            return promise.nextSlot();
        }
        nextPage.remove(from);
        return 0;
    }

    int complete() {
        return entries.size() - nextPage.size();
    }

    /** The acceptors whose report is complete. */
    Set<String> completeIds() {
        Set<String> ids = new HashSet<>();
        for (String id : entries.keySet()) {
            if (!nextPage.containsKey(id)) {
                ids.add(id);
            }
        }
        return ids;
    }

    /** The highest chosen prefix a complete report gave. */
    long maxChosenPrefix() {
        long max = 0;
        for (var e : chosenPrefix.entrySet()) {
            if (!nextPage.containsKey(e.getKey())) {
                max = Math.max(max, e.getValue());
            }
        }
        return max;
    }

    /** A peer other than {@code self} whose report gave a chosen prefix of at least {@code prefix}, or null. */
    String peerWithPrefix(long prefix, String self) {
        for (var e : chosenPrefix.entrySet()) {
            if (e.getValue() >= prefix && !e.getKey().equals(self)) {
                return e.getKey();
            }
        }
        return null;
    }

    /**
     * Over the complete reports: the slots reported chosen, and for every other open slot the value
     * accepted at the highest ballot (Paxos Made Simple, P2c).
     */
    Summary summarize() {
        List<SlotEntry> chosen = new ArrayList<>();
        TreeMap<Long, SlotEntry> highest = new TreeMap<>();
        for (var e : entries.entrySet()) {
            if (nextPage.containsKey(e.getKey())) {
                continue; // an incomplete report is not part of the quorum
            }
            for (SlotEntry entry : e.getValue()) {
                if (entry.chosen()) {
                    chosen.add(entry);
                    continue;
                }
                SlotEntry current = highest.get(entry.slot());
                if (current == null || entry.ballot().greaterThan(current.ballot())) {
                    highest.put(entry.slot(), entry);
                }
            }
        }
        return new Summary(chosen, highest);
    }

    void clear() {
        entries.clear();
        chosenPrefix.clear();
        nextPage.clear();
    }
}
