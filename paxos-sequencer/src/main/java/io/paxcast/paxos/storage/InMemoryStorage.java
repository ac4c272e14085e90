package io.paxcast.paxos.storage;

import io.paxcast.paxos.core.Ballot;
import io.paxcast.paxos.core.DurableState;
import io.paxcast.paxos.core.Message.SlotEntry;
import io.paxcast.paxos.core.StorageWrite;
import io.paxcast.paxos.core.Value;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A {@link PaxosStorage} in memory, for the deterministic simulator: a "disk" that outlives the node.
 *
 * <p>Durability is modelled as {@link FsyncPolicy#ALWAYS}: a {@link #write} is durable when it returns,
 * atomically (a group that breaks a rule of {@link WritePlan} changes nothing). To crash and restart a
 * node, the simulator drops the node, keeps this object and builds a new node from {@link #load()};
 * {@link #close()} does not lose anything either. {@link #wipe()} models a lost disk (DESIGN.md P3).
 *
 * <p>Thread-safe (every method is synchronized); the simulator is single-threaded anyway. Values are
 * kept by reference: the core treats them as immutable.
 */
public final class InMemoryStorage implements PaxosStorage {

    private final TreeMap<Long, SlotEntry> slots = new TreeMap<>();
    private final WritePlan.Records view = new WritePlan.Records() {
        @Override
        public SlotEntry get(long slot) {
            return slots.get(slot);
        }

        @Override
        public boolean contains(long slot) {
            return slots.containsKey(slot);
        }
    };
    private WritePlan.Meta meta = WritePlan.Meta.EMPTY;
    private long groups;

    @Override
    public synchronized DurableState load() {
        return new DurableState(meta.promised(), meta.chosenPrefix(),
                new ArrayList<>(slots.tailMap(meta.chosenPrefix(), false).values()), meta.owner(), meta.incarnation(),
                meta.intact(), meta.bootstrap(), meta.blankToken(), meta.logStart());
    }

    @Override
    public synchronized void write(List<StorageWrite> writes) {
        WritePlan plan = WritePlan.of(writes, meta, view);
        slots.putAll(plan.puts);
        slots.headMap(plan.meta.logStart(), false).clear(); // compacted: forgotten at once here
        meta = plan.meta;
        groups++;
    }

    @Override
    public synchronized Optional<Value> chosen(long slot) {
        SlotEntry entry = slots.get(slot);
        if (entry == null || !(entry.chosen() || slot <= meta.chosenPrefix())) {
            return Optional.empty();
        }
        return Optional.of(entry.value());
    }

    @Override
    public synchronized long chosenPrefix() {
        return meta.chosenPrefix();
    }

    @Override
    public synchronized long logStart() {
        return meta.logStart();
    }

    /** Slot records held (compaction drops those below the log start). */
    public synchronized int slotCount() {
        return slots.size();
    }

    /** The promised ballot as durable now. */
    public synchronized Ballot promised() {
        return meta.promised();
    }

    /** How many groups {@link #write} made durable: one sync each on a real disk. */
    public synchronized long groupsWritten() {
        return groups;
    }

    /** The disk is lost: everything is forgotten, as if the node started on an empty data dir. */
    public synchronized void wipe() {
        slots.clear();
        meta = WritePlan.Meta.EMPTY;
    }

    /** Nothing to release; the state stays for the next {@link #load()}. */
    @Override
    public void close() {
    }
}
