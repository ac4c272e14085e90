/**
 * Tools for state machines that apply the decided log.
 *
 * <p>Everything here is used while a node applies chosen slots in order, so every class must be a
 * deterministic function of the sequence of calls made on it: no local clock, no randomness, no
 * identity hashes or {@code String.hashCode}, no iteration order that depends on the JVM. Two nodes
 * (or one node after a restart that replays the log or loads a snapshot) that make the same calls
 * get the same answers. Classes here are not thread-safe: a state machine runs on one thread.
 */
package io.paxcast.paxos.apply;
