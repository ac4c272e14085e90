package io.paxcast.paxos.core;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The learner's exactly-once rule, on its own: a function of the applied log alone, in bounded memory. */
class AppliedCommandsTest {

    private static Command command(String origin, long incarnation, long counter, long floor) {
        return new Command(new CommandId(origin, incarnation, counter), floor, new byte[0]);
    }

    @Test
    void theFirstOccurrenceIsAppliedAndEveryLaterOneSkipped() {
        AppliedCommands applied = new AppliedCommands();
        Command x = command("n1", 7, 3, 1);
        assertFalse(applied.isSettled(x.id()));
        assertTrue(applied.firstApplication(x));
        assertFalse(applied.firstApplication(x));
        assertTrue(applied.isSettled(x.id()));
        assertTrue(applied.firstApplication(command("n1", 7, 2, 1)), "a lower counter above the floor still applies");
        assertTrue(applied.firstApplication(command("n2", 7, 3, 1)), "another origin");
        assertTrue(applied.firstApplication(command("n1", 8, 3, 1)), "another incarnation");
    }

    @Test
    void aCopyBelowTheFloorOfALaterCommandIsSkippedWithoutHavingBeenRemembered() {
        AppliedCommands applied = new AppliedCommands();
        assertTrue(applied.firstApplication(command("n1", 1, 10, 10)));
        // counter 4 was abandoned by its origin before it created 10 (floor 10): a late copy never applies
        assertFalse(applied.firstApplication(command("n1", 1, 4, 1)));
        assertTrue(applied.isSettled(new CommandId("n1", 1, 4)));
    }

    @Test
    void anOriginThatRestartedManyTimesSinceCannotStillWaitForAnOldIncarnation() {
        AppliedCommands applied = new AppliedCommands();
        for (long inc = 10; inc < 10 + AppliedCommands.INCARNATIONS_KEPT; inc++) {
            assertTrue(applied.firstApplication(command("n1", inc, 1, 1)));
        }
        assertTrue(applied.firstApplication(command("n1", 20, 1, 1)), "a newer incarnation pushes the oldest out");
        assertFalse(applied.firstApplication(command("n1", 10, 2, 1)), "older than every kept incarnation: skipped");
        assertFalse(applied.firstApplication(command("n1", 11, 1, 1)), "kept: its counter 1 was applied");
        assertTrue(applied.firstApplication(command("n1", 11, 2, 1)));
    }

    @Test
    void aCommandThatBreaksTheSpanIsSkippedSoTheWindowStaysBounded() {
        AppliedCommands applied = new AppliedCommands();
        assertFalse(applied.firstApplication(command("n1", 1, CounterWindow.MAX_SPAN + 5, 5)));
        assertTrue(applied.firstApplication(command("n1", 1, CounterWindow.MAX_SPAN + 4, 5)));
    }

    @Test
    void legacyCommandsAreAppliedAsTheyCome() {
        AppliedCommands applied = new AppliedCommands();
        Command legacy = new Command(CommandId.LEGACY, 0, new byte[1]);
        assertTrue(applied.firstApplication(legacy));
        assertTrue(applied.firstApplication(legacy));
    }

    /** Against a reference model (a set of every applied id, plus the floors), for random origins. */
    @Test
    void agreesWithAReferenceModelAndStaysSmall() {
        for (long seed = 1; seed <= 50; seed++) {
            Random r = new Random(seed);
            AppliedCommands applied = new AppliedCommands();
            java.util.Set<CommandId> model = new java.util.HashSet<>();
            long[] floors = new long[3];
            long[] next = new long[3];
            for (int i = 0; i < 20_000; i++) {
                int o = r.nextInt(3);
                if (r.nextInt(10) == 0 && next[o] > floors[o]) {
                    floors[o] += 1 + r.nextInt((int) Math.min(50, next[o] - floors[o]));
                }
                long counter = r.nextInt(4) == 0 && next[o] > floors[o]
                        ? floors[o] + r.nextInt((int) (next[o] - floors[o])) : ++next[o];
                counter = Math.max(counter, floors[o]);
                Command c = command("n" + o, 1, counter, floors[o]);
                boolean expected = counter >= floors[o] && model.add(c.id());
                assertEquals(expected, applied.firstApplication(c), "seed " + seed + " step " + i + ": " + c);
            }
            assertTrue(applied.heapBytes() < 64 * 1024, "seed " + seed + ": " + applied.heapBytes() + " bytes");
        }
    }
}
