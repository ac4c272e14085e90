package io.paxcast.paxos.storage;

import io.paxcast.paxos.core.Ballot;
import io.paxcast.paxos.core.Command;
import io.paxcast.paxos.core.DurableState;
import io.paxcast.paxos.core.StorageWrite;
import io.paxcast.paxos.core.Value;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The victim of {@link MapDbCrashTest}: a separate JVM that writes groups to a {@link MapDbStorage}
 * until it is killed. Usage: {@code CrashWriter <dir> <always|interval|none> <intervalMillis>}.
 *
 * <p>Each group covers slots {@code first..last} (1 to 4 slots): Promised(round = first), Accepted for
 * every slot but the last, Chosen for the last, ChosenPrefix(first - 1). Before the write it prints
 * {@code BEGIN first last}, after {@code write} returned {@code ACK first last prefix}, each line
 * flushed. A restarted writer resumes after the highest slot it finds, so later rounds reopen a store
 * that was killed before. Slot contents are a function of the slot number ({@link #valueFor}).
 */
public final class CrashWriter {

    static final long SEGMENT_BYTES = 1L << 20;
    /** The writer compacts to keep about this many slots below its prefix. */
    static final long RETAINED_SLOTS = 200;

    private CrashWriter() {
    }

    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        FsyncPolicy policy = FsyncPolicy.parse(args[1]);
        long interval = Long.parseLong(args[2]);
        PrintStream out = new PrintStream(System.out, false);
        // small segments and a compaction every few groups: the kill also lands while segments roll and go
        MapDbStorage storage = new MapDbStorage(dir, policy, interval, SEGMENT_BYTES);
        DurableState state = storage.load();
        long next = (state.slots().isEmpty() ? state.chosenPrefix() : state.slots().get(state.slots().size() - 1).slot()) + 1;
        out.println("READY " + next);
        out.flush();
        while (true) { // until SIGKILL
            long first = next;
            long last = first + groupSize(first) - 1;
            Ballot ballot = new Ballot(first, "w");
            List<StorageWrite> writes = new ArrayList<>();
            writes.add(new StorageWrite.Promised(ballot));
            for (long s = first; s < last; s++) {
                writes.add(new StorageWrite.Accepted(s, ballot, valueFor(s)));
            }
            writes.add(new StorageWrite.Chosen(last, valueFor(last)));
            writes.add(new StorageWrite.ChosenPrefix(first - 1));
            if (first % 7 == 0 && first > RETAINED_SLOTS) {
                writes.add(new StorageWrite.LogStart(first - RETAINED_SLOTS));
            }
            out.println("BEGIN " + first + " " + last);
            out.flush();
            storage.write(writes);
            out.println("ACK " + first + " " + last + " " + (first - 1));
            out.flush();
            next = last + 1;
        }
    }

    static int groupSize(long first) {
        return 1 + (int) Math.floorMod(first * 31 + 7, 4L);
    }

    /** The value of {@code slot}: one command of 100 B to 20 KB, derived from the slot number only. */
    public static Value valueFor(long slot) {
        Random r = new Random(slot * 0x9E3779B97F4A7C15L + 17);
        byte[] payload = new byte[100 + r.nextInt(20_000 - 100 + 1)];
        r.nextBytes(payload);
        return Value.batch(slot, slot, List.of(new Command(new io.paxcast.paxos.core.CommandId("m", 1, slot), 0, payload)));
    }
}
