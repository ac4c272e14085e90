package io.paxcast.paxos.core;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A leader's slots proposed at its current ballot and not yet chosen (phase 2, "commanders" in Paxos
 * Made Moderately Complex), with the voters that accepted each and its resend back-off; at most
 * {@link PaxosConfig#pipelineWindow} of them (the {@link Proposer} checks before proposing). Also
 * which commands they carry, so a command handed in again is not proposed twice.
 */
final class InFlightSlots {
    /** One slot proposed at the current ballot and not yet chosen. */
    static final class Proposal {
        final Value value;
        final Set<String> acceptedBy = new HashSet<>();
        long lastSentTick;
        int resends;

        Proposal(Value value, long tick) {
            this.value = value;
            this.lastSentTick = tick;
        }
    }

    private final TreeMap<Long, Proposal> slots = new TreeMap<>();
    private final Set<CommandId> commands = new HashSet<>();

    void add(long slot, Value value, long tick) {
        slots.put(slot, new Proposal(value, tick));
        for (Command command : value.commands()) {
            commands.add(command.id());
        }
    }

    Proposal get(long slot) {
        return slots.get(slot);
    }

    /** Removes {@code slot}; returns its proposal, or null if it was not in flight. */
    Proposal remove(long slot) {
        Proposal proposal = slots.remove(slot);
        if (proposal != null) {
            for (Command command : proposal.value.commands()) {
                commands.remove(command.id());
            }
        }
        return proposal;
    }

    boolean carries(CommandId id) {
        return commands.contains(id);
    }

    int size() {
        return slots.size();
    }

    /** In slot order. */
    Iterable<Map.Entry<Long, Proposal>> entries() {
        return slots.entrySet();
    }

    void clear() {
        slots.clear();
        commands.clear();
    }
}
