package io.paxcast.testkit.node;

/**
 * What a {@link NodeProcesses} did to a node, reported once it took effect (the fault suite's
 * nemesis log is one listener). Called on the thread of the control, with the launcher's lock held.
 */
public interface NodeEvents {
    /** Node k runs as {@code pid}; {@code startNumber} counts its starts, 1 for the first. */
    default void started(int k, long pid, int startNumber) {
    }

    /** Node k (pid) was SIGKILLed and is gone. */
    default void killed(int k, long pid) {
    }

    /** A kill of node k found it already exited with {@code exit}. */
    default void killedNotRunning(int k, int exit) {
    }

    /** Node k (pid) is stopped (SIGSTOP, state T). */
    default void paused(int k, long pid) {
    }

    /** Node k (pid) runs again (SIGCONT). */
    default void resumed(int k, long pid) {
    }
}
