package io.paxcast.paxos.core;

/**
 * The node observed something Paxos guarantees can never happen (two values chosen for one slot).
 * It stops rather than diverge; the simulator turns it into a failed seed.
 */
public final class SafetyViolation extends IllegalStateException {
    public SafetyViolation(String message) {
        super(message);
    }
}
