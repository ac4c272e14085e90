package io.paxcast.paxos.core;

import java.util.Map;

/**
 * A snapshot of one node's view, for {@code GET /v1/cluster}, metrics and tests.
 *
 * @param leaderId        the leader this node believes in, or null
 * @param ballot          the leader's ballot as this node knows it
 * @param peerChosenPrefix on a leader, how far each voter reported having learned
 * @param leaderInTouch   this node leads, or heard from its leader within an election timeout
 * @param leaderCommit    the highest commit point a leader announced to this node
 */
public record NodeStatus(String nodeId, String role, String leaderId, Ballot ballot, Ballot promised,
                         long chosenPrefix, long deliveredUpTo, int inFlightSlots, int pendingCommands,
                         int trackedSubmissions, Map<String, Long> peerChosenPrefix, boolean leaderInTouch,
                         long leaderCommit) {
}
