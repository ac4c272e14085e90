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
 *       {@link IllegalStateException} (a promise never goes backwards: DESIGN.md P2; the core never
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
 *   <li>{@code Incarnation(owner, n)}: the store records its owner and incarnation; a store that belongs
 *       to another node, or an incarnation that goes backwards, throws {@link IllegalStateException}.</li>
 *   <li>{@code Intact(tokens)}: the acceptor may vote from now on; it stays so.</li>
 *   <li>{@code BlankToken(t)}: the probe token of a blank store.</li>
 *   <li>{@code LogStart(s)}: the log start becomes {@code s} if higher, and the prefix at least
 *       {@code s - 1}; records below it are dropped (the storage may forget them at its pace), and
 *       {@code Accepted}/{@code Chosen} writes below it are ignored. The prefix's vouching starts at it.</li>
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
    final Meta meta;
    /** The records to write, by slot: the last write of a slot in the group wins. */
    final TreeMap<Long, SlotEntry> puts;
    final boolean metaChanged;

    private WritePlan(Meta meta, TreeMap<Long, SlotEntry> puts, boolean metaChanged) {
        this.meta = meta;
        this.promised = meta.promised();
        this.chosenPrefix = meta.chosenPrefix();
        this.puts = puts;
        this.metaChanged = metaChanged;
    }

    /**
     * Everything a store keeps besides its slot records: the promise, the chosen prefix and the
     * acceptor's identity (see {@link io.paxcast.paxos.core.DurableState}).
     */
    record Meta(Ballot promised, long chosenPrefix, String owner, long incarnation, boolean intact,
                java.util.Map<String, Long> bootstrap, long blankToken, long logStart) {
        static final Meta EMPTY = new Meta(Ballot.ZERO, 0, "", 0, false, java.util.Map.of(), 0, 1);

        Meta {
            bootstrap = java.util.Map.copyOf(bootstrap);
        }
    }

    static WritePlan of(List<StorageWrite> writes, Meta current, Records records) {
        Ballot newPromised = current.promised();
        long prefix = current.chosenPrefix();
        String owner = current.owner();
        long incarnation = current.incarnation();
        boolean intact = current.intact();
        java.util.Map<String, Long> bootstrap = current.bootstrap();
        long blankToken = current.blankToken();
        long logStart = current.logStart();
        TreeMap<Long, SlotEntry> puts = new TreeMap<>();
        for (StorageWrite write : writes) {
            if (write instanceof StorageWrite.Promised p) {
                if (p.ballot().lessThan(newPromised)) {
                    throw new IllegalStateException("promise would go backwards: " + newPromised + " -> "
                            + p.ballot());
                }
                newPromised = p.ballot();
            } else if (write instanceof StorageWrite.Accepted a) {
                if (a.slot() <= prefix || a.slot() < logStart) {
                    continue; // decided: the record holds the chosen value
                }
                SlotEntry existing = lookup(a.slot(), puts, records);
                if (existing != null && existing.chosen()) {
                    continue;
                }
                puts.put(a.slot(), new SlotEntry(a.slot(), a.ballot(), a.value(), false));
            } else if (write instanceof StorageWrite.Chosen c) {
                if (c.slot() < logStart) {
                    continue; // compacted: chosen, and no longer held
                }
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
                for (long s = Math.max(prefix + 1, logStart); s <= cp.slot(); s++) {
                    if (!puts.containsKey(s) && !records.contains(s)) {
                        throw new IllegalStateException("chosen prefix " + cp.slot() + " vouches for slot " + s
                                + ", which has no record");
                    }
                }
                prefix = Math.max(prefix, cp.slot());
            } else if (write instanceof StorageWrite.Incarnation inc) {
                if (!owner.isEmpty() && !owner.equals(inc.owner())) {
                    throw new IllegalStateException("this store belongs to node " + owner + ", not " + inc.owner());
                }
                if (inc.incarnation() < incarnation) {
                    throw new IllegalStateException("incarnation would go backwards: " + incarnation + " -> "
                            + inc.incarnation());
                }
                owner = inc.owner();
                incarnation = inc.incarnation();
            } else if (write instanceof StorageWrite.Intact in) {
                if (!intact) {
                    intact = true;
                    bootstrap = in.bootstrap();
                }
            } else if (write instanceof StorageWrite.BlankToken bt) {
                blankToken = bt.token();
            } else if (write instanceof StorageWrite.LogStart ls) {
                if (ls.slot() > logStart) {
                    logStart = ls.slot();
                    prefix = Math.max(prefix, logStart - 1);
                    puts.headMap(logStart, false).clear();
                }
            } else {
                throw new IllegalArgumentException("unknown storage write " + write);
            }
        }
        Meta meta = new Meta(newPromised, prefix, owner, incarnation, intact, bootstrap, blankToken, logStart);
        return new WritePlan(meta, puts, !meta.equals(current));
    }

    private static SlotEntry lookup(long slot, TreeMap<Long, SlotEntry> puts, Records records) {
        SlotEntry planned = puts.get(slot);
        return planned != null ? planned : records.get(slot);
    }
}
