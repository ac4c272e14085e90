package io.paxcast.broadcast.log;

import io.paxcast.broadcast.config.NodeConfig.Retention;

/**
 * Where the retained part of the global log begins: the earliest retained slot, moved forward after
 * each applied slot while keeping it would pass a bound of the {@link Retention}: more than
 * {@code maxMessages} messages, more than {@code maxBytes} payload bytes, or a slot older than
 * {@code maxAgeMillis} on the log clock than the newest one.
 *
 * <p>Why these rules: every input is part of the applied log (positions, payload sizes, the log
 * clock), never a local clock, so every node with the same configuration expires exactly the same
 * messages, and a client gets the same {@code 410 offset_expired} from any of them. Age is measured
 * on the log clock (leaders' tick timers), not on {@code ts} (a leader's wall clock): a leader whose
 * clock is a year ahead must not expire the whole log. Whole slots
 * expire together (a slot is one atomic batch), so a count or byte bound is kept exactly, and the log
 * keeps at least the bound minus one slot's worth. Age counts back from the newest slot: an idle log
 * keeps what it has (nothing grows while it is idle). Expiry never renumbers:
 * {@code seq} and channel offsets are assigned at apply, whatever has expired since.
 *
 * <p>Reads the per-slot records of the {@link MessageIndex}; holds two numbers. Not thread-safe: on
 * the node's context, like the index.
 */
final class RetentionPoint {
    private final Retention retention;
    /** The earliest slot whose messages are retained (slots before it have expired). */
    private long earliestSlot = 1;

    RetentionPoint(Retention retention) {
        this(retention, 1);
    }

    /** Resumed from a snapshot whose earliest retained slot was {@code earliestSlot}. */
    RetentionPoint(Retention retention, long earliestSlot) {
        this.retention = retention;
        this.earliestSlot = earliestSlot;
    }

    /**
     * The index just applied a slot; {@code payloadBytes} is the total over every message applied so far.
     */
    void advance(MessageIndex index, long payloadBytes) {
        long lastSlot = index.lastSlot();
        long headSeq = index.headSeq();
        long newest = lastSlot == 0 ? 0 : index.slotLogClock(lastSlot);
        while (earliestSlot <= lastSlot && expired(index, earliestSlot, headSeq, payloadBytes, newest)) {
            earliestSlot++;
        }
    }

    private boolean expired(MessageIndex index, long slot, long headSeq, long payloadBytes, long newestLogClock) {
        long messages = headSeq - index.slotFirstSeq(slot) + 1;
        long bytes = payloadBytes - index.slotPayloadBytesBefore(slot);
        long age = newestLogClock - index.slotLogClock(slot);
        return messages > retention.maxMessages() || bytes > retention.maxBytes() || age > retention.maxAgeMillis();
    }

    Retention retention() {
        return retention;
    }

    /** The earliest slot still retained (the last applied slot + 1 when everything has expired). */
    long earliestSlot() {
        return earliestSlot;
    }

    /** The earliest retained seq: the first seq of the earliest retained slot, or head + 1 if none is left. */
    long earliestSeq(MessageIndex index) {
        return earliestSlot <= index.lastSlot() ? index.slotFirstSeq(earliestSlot) : index.headSeq() + 1;
    }
}
