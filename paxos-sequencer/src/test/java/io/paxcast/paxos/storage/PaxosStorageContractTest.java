package io.paxcast.paxos.storage;

import io.paxcast.paxos.core.Ballot;
import io.paxcast.paxos.core.Command;
import io.paxcast.paxos.core.DurableState;
import io.paxcast.paxos.core.Message.SlotEntry;
import io.paxcast.paxos.core.SafetyViolation;
import io.paxcast.paxos.core.StorageWrite;
import io.paxcast.paxos.core.StorageWrite.Accepted;
import io.paxcast.paxos.core.StorageWrite.Chosen;
import io.paxcast.paxos.core.StorageWrite.ChosenPrefix;
import io.paxcast.paxos.core.StorageWrite.Promised;
import io.paxcast.paxos.core.Value;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The semantics every {@link PaxosStorage} shares (the rules of {@link WritePlan}), run against each
 * implementation, each "restart" going through {@link #restart()}.
 */
abstract class PaxosStorageContractTest {

    static final Ballot B1 = new Ballot(1, "a");
    static final Ballot B2 = new Ballot(2, "b");
    static final Ballot B3 = new Ballot(3, "a");

    PaxosStorage storage;

    abstract PaxosStorage create() throws Exception;

    /** Crash-free restart: the storage as the next incarnation of the node finds it. */
    abstract PaxosStorage restart() throws Exception;

    @BeforeEach
    void open() throws Exception {
        storage = create();
    }

    @AfterEach
    void closeStorage() {
        storage.close();
    }

    static Value value(String text) {
        return Value.batch(text.length(), 0, List.of(new Command(new io.paxcast.paxos.core.CommandId("id-" + text, 1, 1), 0, text.getBytes(StandardCharsets.UTF_8))));
    }

    void write(StorageWrite... writes) {
        storage.write(List.of(writes));
    }

    @Test
    void anEmptyStoreHasPromisedNothing() {
        DurableState state = storage.load();
        assertEquals(Ballot.ZERO, state.promised());
        assertEquals(0, state.chosenPrefix());
        assertEquals(List.of(), state.slots());
        assertEquals(0, storage.chosenPrefix());
        assertEquals(Optional.empty(), storage.chosen(1));
        storage.write(List.of()); // an empty group is fine
    }

    @Test
    void thePromiseOnlyGrowsAndSurvivesARestart() throws Exception {
        write(new Promised(B1));
        write(new Promised(B2), new Promised(B2)); // equal: a no-op
        assertThrows(IllegalStateException.class, () -> write(new Promised(B1)));
        storage = restart();
        assertEquals(B2, storage.load().promised());
        write(new Promised(B3));
        assertEquals(B3, storage.load().promised());
    }

    @Test
    void acceptedRecordsComeBackInSlotOrderAndAreNotChosen() throws Exception {
        write(new Promised(B1), new Accepted(3, B1, value("c")), new Accepted(1, B1, value("a")));
        write(new Accepted(2, B1, value("b")));
        write(new Promised(B2), new Accepted(3, B2, value("c2"))); // a higher ballot replaces
        storage = restart();
        DurableState state = storage.load();
        assertEquals(List.of(
                new SlotEntry(1, B1, value("a"), false),
                new SlotEntry(2, B1, value("b"), false),
                new SlotEntry(3, B2, value("c2"), false)), state.slots());
        assertEquals(Optional.empty(), storage.chosen(1), "accepted is not chosen");
    }

    @Test
    void theChosenPrefixVouchesForTheRecordsBelowIt() throws Exception {
        write(new Accepted(1, B1, value("a")), new Accepted(2, B1, value("b")), new Accepted(3, B1, value("c")));
        write(new ChosenPrefix(2));
        assertEquals(2, storage.chosenPrefix());
        assertEquals(Optional.of(value("a")), storage.chosen(1));
        assertEquals(Optional.of(value("b")), storage.chosen(2));
        assertEquals(Optional.empty(), storage.chosen(3));
        write(new ChosenPrefix(1)); // lower: ignored
        storage = restart();
        DurableState state = storage.load();
        assertEquals(2, state.chosenPrefix());
        assertEquals(List.of(new SlotEntry(3, B1, value("c"), false)), state.slots(), "only slots above the prefix");
        assertEquals(Optional.of(value("b")), storage.chosen(2));
        assertEquals(2, storage.chosenPrefix());
    }

    @Test
    void aPrefixOverASlotWithoutARecordIsRefused() {
        write(new Accepted(1, B1, value("a")), new Accepted(3, B1, value("c")));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> write(new ChosenPrefix(3)));
        assertTrue(e.getMessage().contains("slot 2"), e.getMessage());
        assertEquals(0, storage.chosenPrefix());
        // records written in the same group count
        write(new Chosen(2, value("b")), new ChosenPrefix(3));
        assertEquals(3, storage.chosenPrefix());
    }

    @Test
    void aChosenRecordReplacesAnAcceptedOneAndIsFinal() throws Exception {
        write(new Accepted(5, B1, value("old")));
        write(new Chosen(5, value("new")));
        assertEquals(Optional.of(value("new")), storage.chosen(5), "flagged chosen above the prefix");
        write(new Accepted(5, B3, value("late"))); // a late Accept never overwrites a decided slot
        write(new Chosen(5, value("new"))); // the same value again: a no-op
        assertThrows(SafetyViolation.class, () -> write(new Chosen(5, value("other"))));
        storage = restart();
        assertEquals(List.of(new SlotEntry(5, Ballot.ZERO, value("new"), true)), storage.load().slots());
        assertEquals(Optional.of(value("new")), storage.chosen(5));
    }

    @Test
    void slotsAtOrBelowThePrefixAreFinal() {
        write(new Accepted(1, B1, value("a")), new ChosenPrefix(1));
        write(new Accepted(1, B2, value("late")));
        assertEquals(Optional.of(value("a")), storage.chosen(1));
        write(new Chosen(1, value("a")));
        assertThrows(SafetyViolation.class, () -> write(new Chosen(1, value("b"))));
        assertEquals(Optional.of(value("a")), storage.chosen(1));
    }

    @Test
    void aGroupThatBreaksARuleChangesNothing() throws Exception {
        write(new Promised(B2), new Accepted(1, B2, value("a")));
        assertThrows(IllegalStateException.class, () -> write(
                new Accepted(2, B2, value("b")), new Chosen(3, value("c")), new ChosenPrefix(3), new Promised(B1)));
        assertEquals(0, storage.chosenPrefix());
        assertEquals(Optional.empty(), storage.chosen(3));
        storage = restart();
        DurableState state = storage.load();
        assertEquals(B2, state.promised());
        assertEquals(List.of(new SlotEntry(1, B2, value("a"), false)), state.slots());
        write(new Accepted(2, B2, value("b"))); // and the storage still works
        assertEquals(2, storage.load().slots().size());
    }

    @Test
    void aLongRandomHistoryMatchesAModel() throws Exception {
        Random r = new Random(7);
        java.util.TreeMap<Long, SlotEntry> model = new java.util.TreeMap<>();
        Ballot promised = Ballot.ZERO;
        long prefix = 0;
        long top = 0;
        for (int group = 0; group < 60; group++) {
            List<StorageWrite> writes = new ArrayList<>();
            promised = new Ballot(promised.round() + r.nextInt(2), "n" + r.nextInt(3));
            if (promised.lessThan(storage.load().promised())) {
                promised = storage.load().promised();
            }
            writes.add(new Promised(promised));
            for (int i = 0; i < 1 + r.nextInt(4); i++) {
                long slot = prefix + 1 + r.nextInt(6);
                Value v = value("g" + group + "s" + slot + "i" + i);
                SlotEntry existing = model.get(slot);
                if (existing != null && existing.chosen()) {
                    continue;
                }
                if (r.nextInt(4) == 0) {
                    writes.add(new Chosen(slot, v));
                    model.put(slot, new SlotEntry(slot, Ballot.ZERO, v, true));
                } else {
                    writes.add(new Accepted(slot, promised, v));
                    model.put(slot, new SlotEntry(slot, promised, v, false));
                }
                top = Math.max(top, slot);
            }
            long newPrefix = prefix;
            while (model.containsKey(newPrefix + 1) && r.nextInt(3) != 0) {
                newPrefix++;
            }
            writes.add(new ChosenPrefix(newPrefix));
            prefix = newPrefix;
            storage.write(writes);
            if (group % 15 == 14) {
                storage = restart();
            }
            DurableState state = storage.load();
            assertEquals(promised, state.promised());
            assertEquals(prefix, state.chosenPrefix());
            assertEquals(new ArrayList<>(model.tailMap(prefix, false).values()), state.slots(), "group " + group);
            for (long s = 1; s <= top; s++) {
                SlotEntry e = model.get(s);
                Optional<Value> expected = e != null && (e.chosen() || s <= prefix) ? Optional.of(e.value()) : Optional.empty();
                assertEquals(expected, storage.chosen(s), "slot " + s + " after group " + group);
            }
        }
    }

    // ---------------------------------------------------------------- compaction (StorageWrite.LogStart)

    @Test
    void theLogStartForgetsWhatIsBelowItAndOnlyGrows() throws Exception {
        write(new Promised(B1));
        for (long slot = 1; slot <= 10; slot++) {
            write(new Accepted(slot, B1, value("v" + slot)), new ChosenPrefix(slot));
        }
        write(new StorageWrite.LogStart(6));
        assertEquals(6, storage.logStart());
        assertEquals(Optional.empty(), storage.chosen(5), "compacted");
        assertEquals(Optional.of(value("v6")), storage.chosen(6));
        write(new StorageWrite.LogStart(3)); // lower: a no-op
        assertEquals(6, storage.logStart());
        // late writes of compacted slots are ignored, whatever they say
        write(new Accepted(4, B2, value("late")), new Chosen(5, value("other")));
        assertEquals(Optional.empty(), storage.chosen(4));
        storage = restart();
        DurableState state = storage.load();
        assertEquals(6, state.logStart());
        assertEquals(10, state.chosenPrefix());
        assertEquals(B1, state.promised());
        assertEquals(6, storage.logStart());
        assertEquals(Optional.empty(), storage.chosen(2));
        for (long slot = 6; slot <= 10; slot++) {
            assertEquals(Optional.of(value("v" + slot)), storage.chosen(slot), "slot " + slot);
        }
        // the prefix goes on from there: its vouching starts at the log start
        write(new Accepted(11, B1, value("v11")), new ChosenPrefix(11));
        assertEquals(11, storage.chosenPrefix());
    }

    @Test
    void aLogStartAboveThePrefixRaisesIt() throws Exception {
        // an installed snapshot: every slot below its log start is chosen, and none of them is held here
        write(new Promised(B1), new Accepted(2, B1, value("stale")));
        write(new StorageWrite.LogStart(101));
        assertEquals(100, storage.chosenPrefix());
        assertEquals(Optional.empty(), storage.chosen(2));
        write(new Chosen(101, value("next")), new ChosenPrefix(101));
        storage = restart();
        DurableState state = storage.load();
        assertEquals(101, state.logStart());
        assertEquals(101, state.chosenPrefix());
        assertEquals(List.of(), state.slots(), "nothing above the prefix: the stale accepted record went with the compaction");
        assertEquals(Optional.of(value("next")), storage.chosen(101));
    }
}
