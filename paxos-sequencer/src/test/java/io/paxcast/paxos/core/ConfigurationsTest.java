package io.paxcast.paxos.core;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which configuration governs which slot: α, the epoch rule, the horizon, and the checkpoint bytes. */
class ConfigurationsTest {
    private static final Membership BOOT = Membership.bootstrap(List.of("n1", "n2", "n3"));

    @Test
    void aChangeGovernsFromItsSlotPlusAlphaAndTheHorizonIsAppliedPlusAlpha() {
        Configurations c = new Configurations(BOOT, 4);
        assertEquals(4, c.horizon(), "nothing applied: slots 1..4 are known to be epoch 0");
        for (long slot = 1; slot <= 9; slot++) {
            c.applied(slot, null);
        }
        Membership next = BOOT.withLearner("n4");
        assertFalse(c.applied(10, next.promoted("n4", 42)), "epoch 2 right after epoch 0: ignored");
        assertTrue(c.applied(10, next));
        assertEquals(14, c.horizon());
        assertEquals(BOOT, c.at(13), "slots 11..13 keep the old configuration");
        assertEquals(1, c.at(14).epoch(), "the change governs from 10 + 4");
        assertEquals(List.of(BOOT, c.latest()), c.governing(11));
        assertEquals(List.of("n1", "n2", "n3"), c.votersFrom(11));
        assertFalse(c.applied(11, c.latest()), "the same change chosen a second time is ignored");
        assertEquals(14, c.latestActivation());
    }

    @Test
    void quorumsAreMajoritiesOfTheVoters() {
        Membership four = BOOT.withLearner("n4").promoted("n4", 7);
        assertEquals(3, four.quorum());
        assertTrue(four.isQuorum(List.of("n1", "n2", "n4")));
        assertFalse(four.isQuorum(List.of("n1", "n4", "n5")), "n5 is no voter");
        assertEquals(Map.of("n4", 7L), four.joinTokens());
        assertThrows(IllegalArgumentException.class, () -> BOOT.promoted("n1", 1), "n1 is no learner");
        assertThrows(IllegalArgumentException.class, () -> BOOT.withLearner("n4").promoted("n4", 0),
                "a learner that reported no token cannot vote");
        assertThrows(IllegalArgumentException.class, () -> BOOT.withLearner("n1"), "a member already");
        assertEquals(List.of("n1", "n3"), BOOT.without("n2").voters());
    }

    @Test
    void checkpointBytesReadBackIdentically() throws Exception {
        Configurations c = new Configurations(BOOT, 8);
        for (long slot = 1; slot <= 5; slot++) {
            c.applied(slot, slot == 3 ? BOOT.withLearner("n4") : null);
        }
        byte[] bytes = c.encode();
        Configurations back = Configurations.decode(bytes);
        assertEquals(c, back);
        assertEquals(c.at(11), back.at(11));
        assertEquals(java.util.Arrays.toString(bytes), java.util.Arrays.toString(back.encode()), "canonical");
        assertThrows(java.io.IOException.class, () -> Configurations.decode(java.util.Arrays.copyOf(bytes, bytes.length - 1)));
    }

    @Test
    void aCheckpointOfVersionOneResumesWithTheBootstrapConfiguration() throws Exception {
        Checkpoint v2 = new Checkpoint(9, 1, 2, new AppliedCommands().encode(),
                new Configurations(BOOT, 256).encode());
        assertEquals(v2, Checkpoint.decode(v2.encode()));
        Checkpoint v1 = new Checkpoint(9, 1, 2, new AppliedCommands().encode());
        assertEquals(0, Checkpoint.decode(v1.encode()).members().length, "no configurations: the bootstrap one");
    }
}
