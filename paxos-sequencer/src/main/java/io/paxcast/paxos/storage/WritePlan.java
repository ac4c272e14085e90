package io.paxcast.paxos.storage;

import io.paxcast.paxos.core.Ballot;
import io.paxcast.paxos.core.Message.SlotEntry;
import io.paxcast.paxos.core.SafetyViolation;
import io.paxcast.paxos.core.StorageWrite;

import java.util.List;
import java.util.TreeMap;

/**
 * What a group of {@link StorageWrite}s does to a node's durable state, worked out before anything is
 * changed, so every {@link PaxosStorage} applies the same rules and a group that breaks one changes
 * nothing.
 *
 * <p>The rules, in list order:
 * <ul>
 *   <li>{@code Promised(b)}: the promise becomes {@code b}; equal is a no-op; lower throws
 *       {@link IllegalStateException} (a promise never goes backwards: PAXOS-NOTES 2; the core never
 *       asks for it).</li>
 *   <li>{@code Accepted(slot, b, v)}: the slot's record becomes (b, v, not chosen), replacing an
 *       accepted record. Ignored if the slot is at or below the chosen prefix or holds a chosen record:
 *       a decided slot is final, and a late Accept must not overwrite it.</li>
 *   <li>{@code Chosen(slot, v)}: the slot's record becomes (ballot {@link Ballot#ZERO}, v, chosen),
 *       replacing an accepted record. If the slot already holds its chosen value (flagged, or at or below
 *       the prefix) it is a no-op when the value is the same and a {@link SafetyViolation} when it is
 *       not: two values chosen for one slot.</li>
 *   <li>{@code ChosenPrefix(p)}: the prefix becomes {@code p} if higher (lower or equal is a no-op).
 *       Every slot in {@code (old prefix, p]} must have a record (this group's or an earlier one);
 *       otherwise {@link IllegalStateException}, because the prefix vouches that the stored record holds
 *       the chosen value.</li>
 * </ul>
 */
final class WritePlan {

    /** The state the writer last left, committed or not. */
    interface Records {
        /** The record of {@code slot}, or null; throws {@link StorageException} if it is corrupt. */
        SlotEntry get(long slot);

        boolean contains(long slot);
    }

    final Ballot promised;
    final long chosenPrefix;
    /** The records to write, by slot: the last write of a slot in the group wins. */
    final TreeMap<Long, SlotEntry> puts;
    final boolean metaChanged;

    private WritePlan(Ballot promised, long chosenPrefix, TreeMap<Long, SlotEntry> puts, boolean metaChanged) {
        this.promised = promised;
        this.chosenPrefix = chosenPrefix;
        this.puts = puts;
        this.metaChanged = metaChanged;
    }

    static WritePlan of(List<StorageWrite> writes, Ballot promised, long chosenPrefix, Records records) {
        Ballot newPromised = promised;
        long prefix = chosenPrefix;
        TreeMap<Long, SlotEntry> puts = new TreeMap<>();
        for (StorageWrite write : writes) {
            if (write instanceof StorageWrite.Promised p) {
                if (p.ballot().lessThan(newPromised)) {
                    throw new IllegalStateException("promise would go backwards: " + newPromised + " -> "
                            + p.ballot());
                }
                newPromised = p.ballot();
            } else if (write instanceof StorageWrite.Accepted a) {
                if (a.slot() <= prefix) {
                    continue; // decided: the record holds the chosen value
                }
                SlotEntry existing = lookup(a.slot(), puts, records);
                if (existing != null && existing.chosen()) {
                    continue;
                }
                puts.put(a.slot(), new SlotEntry(a.slot(), a.ballot(), a.value(), false));
            } else if (write instanceof StorageWrite.Chosen c) {
                SlotEntry existing = lookup(c.slot(), puts, records);
                if (existing != null && (existing.chosen() || c.slot() <= prefix)) {
                    if (!existing.value().equals(c.value())) {
                        throw new SafetyViolation("slot " + c.slot() + " is durably chosen as " + existing.value()
                                + ", now asked to record " + c.value() + " as chosen");
                    }
                    continue;
                }
                puts.put(c.slot(), new SlotEntry(c.slot(), Ballot.ZERO, c.value(), true));
            } else if (write instanceof StorageWrite.ChosenPrefix cp) {
                for (long s = prefix + 1; s <= cp.slot(); s++) {
                    if (!puts.containsKey(s) && !records.contains(s)) {
                        throw new IllegalStateException("chosen prefix " + cp.slot() + " vouches for slot " + s
                                + ", which has no record");
                    }
                }
                prefix = Math.max(prefix, cp.slot());
            } else {
                throw new IllegalArgumentException("unknown storage write " + write);
            }
        }
        boolean metaChanged = !newPromised.equals(promised) || prefix != chosenPrefix;
        return new WritePlan(newPromised, prefix, puts, metaChanged);
    }

    private static SlotEntry lookup(long slot, TreeMap<Long, SlotEntry> puts, Records records) {
        SlotEntry planned = puts.get(slot);
        return planned != null ? planned : records.get(slot);
    }
}
