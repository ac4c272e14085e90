package io.paxcast.paxos.core;

/**
 * The leader's wall clock, used only to stamp batches with a timestamp that travels in the log as
 * data. No protocol decision ever depends on it (DESIGN.md P15): timeouts are counted in ticks.
 * Called on the node's own thread; must not block.
 */
@FunctionalInterface
public interface Clock {
    long nowMillis();
}
