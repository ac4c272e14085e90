package io.paxcast.paxos.core;

import java.util.function.LongSupplier;

/**
 * How a leader stamps the batches it proposes, so that both stamps never decrease in slot order.
 *
 * <ul>
 *   <li>The wall stamp ({@link Value#timestampMillis}) is the leader's clock, raised to the largest
 *       stamp already in the log: a leader whose clock is behind does not move {@code ts} backwards.
 *       A leader whose clock is ahead moves it forward; that is cosmetic, since nothing that must be
 *       right is measured in it.</li>
 *   <li>The log clock ({@link Value#logClockMillis}) counts time on the leaders' tick timers, which
 *       run on the monotonic clock: the largest log clock this node has seen in the log (its anchor),
 *       plus {@code millisPerTick} for every tick since it saw it. A tick never fires faster than real
 *       time, so the log clock never runs ahead of the real time since the log began; it falls behind
 *       while the whole cluster is down or ticks are late (windows measured in it then last longer,
 *       never shorter). A wall-clock jump of minutes, either way, does not move it at all.</li>
 * </ul>
 * Called on the node's thread only; ticks come from the node ({@code ticks}).
 */
class LogClock {
    private final Clock wall;
    private final long millisPerTick;
    private final LongSupplier ticks;
    private long wallFloor;
    private long anchor;
    private long anchorTick;

    LogClock(Clock wall, long millisPerTick, LongSupplier ticks) {
        this.wall = wall;
        this.millisPerTick = millisPerTick;
        this.ticks = ticks;
        this.anchorTick = ticks.getAsLong();
    }

    /** A value this node knows is (or may be) in the log: stamps issued later go above its stamps. */
    void observe(Value value) {
        if (value.noop()) {
            return;
        }
        wallFloor = Math.max(wallFloor, value.timestampMillis());
        long tick = ticks.getAsLong();
        if (value.logClockMillis() > estimate(tick)) {
            anchor = value.logClockMillis();
            anchorTick = tick;
        }
    }

    /** The wall stamp of a new batch. */
    long wallStamp() {
        wallFloor = Math.max(wallFloor, wall.nowMillis());
        return wallFloor;
    }

    /** The log-clock stamp of a new batch: the anchor plus the ticks since. */
    long logStamp() {
        long tick = ticks.getAsLong();
        anchor = nextAnchor(anchor, tick);
        anchorTick = tick;
        return anchor;
    }

    /** The log clock at {@code tick}: the anchor plus the ticks since it was set. */
    long nextAnchor(long anchor, long tick) {
        return estimate(tick);
    }

    /** The largest wall stamp this node knows in the log. */
    long wallFloor() {
        return wallFloor;
    }

    private long estimate(long tick) {
        return anchor + Math.max(0, tick - anchorTick) * millisPerTick;
    }
}
