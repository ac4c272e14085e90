package io.paxcast.broadcast.log;

import io.paxcast.broadcast.config.NodeConfig.Retention;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The retention point against the three bounds, a whole slot at a time, on the log clock only. */
class RetentionPointTest {
    private static final long UNLIMITED = Long.MAX_VALUE;

    @TempDir
    Path dir;
    private MessageIndex index;
    private long seq;
    private long payloadBytes;

    @BeforeEach
    void open() {
        index = MessageIndex.create(dir);
    }

    @AfterEach
    void close() {
        index.close();
    }

    /** Applies the next slot with {@code messages} messages of {@code bytesEach} payload bytes, at log clock {@code clock}. */
    private void slot(RetentionPoint point, int messages, int bytesEach, long ts, long clock) {
        long slot = index.lastSlot() + 1;
        index.slotApplied(slot, seq + 1, ts, payloadBytes, clock);
        for (int i = 0; i < messages; i++) {
            index.appendMessage(seq + 1, slot, i, "c", IndexModel.hashOf(++seq));
            payloadBytes += bytesEach;
        }
        point.advance(index, payloadBytes);
    }

    @Test
    void byCountWholeSlotsExpireAndTheBoundIsNeverPassed() {
        RetentionPoint point = new RetentionPoint(new Retention(4, UNLIMITED, UNLIMITED));
        slot(point, 3, 1, 1, 1); // seqs 1..3
        assertEquals(1, point.earliestSeq(index));
        slot(point, 3, 1, 2, 2); // seqs 4..6: six would pass four, so slot 1 goes
        assertEquals(4, point.earliestSeq(index));
        assertEquals(2, point.earliestSlot());
        slot(point, 0, 1, 3, 3); // a slot with nothing in it (a no-op) changes nothing
        assertEquals(4, point.earliestSeq(index));
        slot(point, 5, 1, 4, 4); // one slot larger than the bound: everything before it and it too
        assertEquals(seq + 1, point.earliestSeq(index), "nothing is retained past the bound, not even a large slot");
    }

    @Test
    void byBytesThePayloadsRetainedStayWithinTheBound() {
        RetentionPoint point = new RetentionPoint(new Retention(UNLIMITED, 1000, UNLIMITED));
        for (int i = 1; i <= 20; i++) {
            slot(point, 1, 300, i, i);
            long retained = payloadBytes - index.slotPayloadBytesBefore(point.earliestSlot());
            assertEquals(Math.min(i, 3) * 300L, retained, "at most three 300-byte messages fit in 1000 bytes");
        }
        assertEquals(18, point.earliestSeq(index));
    }

    @Test
    void byAgeOnTheLogClockNotOnTheWallStampAndAnIdleLogKeepsWhatItHas() {
        RetentionPoint point = new RetentionPoint(new Retention(UNLIMITED, UNLIMITED, 250));
        long farFuture = 4_000_000_000_000L; // a leader's wall clock a century ahead: no effect
        for (int i = 0; i <= 10; i++) {
            slot(point, 1, 10, farFuture + i, i * 100L);
        }
        // clocks 0, 100, ..., 1000: older than 1000 - 250 = 750 goes, so slots at 800, 900, 1000 stay
        assertEquals(9, point.earliestSeq(index));
        point.advance(index, payloadBytes); // time passes with no new slot: the newest slot is still the newest
        assertEquals(9, point.earliestSeq(index));
    }

    @Test
    void unlimitedKeepsEverything() {
        RetentionPoint point = new RetentionPoint(Retention.UNLIMITED);
        for (int i = 0; i < 100; i++) {
            slot(point, 2, 1000, i, i * 1_000_000L);
        }
        assertEquals(1, point.earliestSeq(index));
    }
}
