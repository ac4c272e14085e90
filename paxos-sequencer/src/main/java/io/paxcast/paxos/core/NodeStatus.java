package io.paxcast.paxos.core;

import java.util.Map;

/**
 * A snapshot of one node's view, for {@code GET /v1/cluster}, metrics and tests.
 *
 * @param role             follower, candidate, leader; learner for a node that does not vote
 * @param leaderId         the leader this node believes in, or null
 * @param ballot           the leader's ballot as this node knows it
 * @param peerChosenPrefix on a leader, how far each voter reported having learned
 * @param leaderInTouch    this node leads, or heard from its leader within an election timeout
 * @param leaderCommit     the highest commit point a leader announced to this node
 * @param votes            this node's acceptor answers Prepares and Accepts
 * @param rejoin           for a blank voter not yet voting ({@link Rejoin}), what it waits for; else null
 * @param incarnation      this run's incarnation (the origin part of the ids of commands submitted here)
 * @param trackedBytes     bytes of the submissions this node tracks
 * @param queuedBytes      on a leader, bytes of commands waiting for a slot
 * @param logStart         the first slot this node still holds (1 until it compacted)
 * @param installFrom      a peer that compacted past what this node lacks: the application must install
 *                         a snapshot from it ({@link PaxosNode#install}); null when none is needed
 * @param membership       the newest configuration this node applied (it may not govern a slot yet)
 * @param activeEpoch      the epoch of the configuration that governs this node's next slot
 * @param storeToken       the token of this node's store (0: none), which a change that makes it a voter
 *                         records ({@link Membership#joinTokens})
 */
public record NodeStatus(String nodeId, String role, String leaderId, Ballot ballot, Ballot promised,
                         long chosenPrefix, long deliveredUpTo, int inFlightSlots, int pendingCommands,
                         int trackedSubmissions, Map<String, Long> peerChosenPrefix, boolean leaderInTouch,
                         long leaderCommit, boolean votes, String rejoin, long incarnation, long trackedBytes,
                         long queuedBytes, long logStart, String installFrom, Membership membership,
                         long activeEpoch, long storeToken) {
}
