package io.paxcast.bench.peer;

import java.nio.file.Path;
import java.util.List;

/**
 * One system under test, started for real on fresh data under a work directory: its servers, a
 * publishing client, and a subscriber on ANOTHER node/server than the one published to, feeding
 * {@link Deliveries}. Closing it stops every process it started.
 */
interface PeerSystem extends AutoCloseable {
    /** The systems {@code --systems} accepts, in table order. */
    List<String> NAMES = List.of("nats", "kafka", "paxcast", "paxcast-batch", "paxcast5");
    /**
     * Diagnostics, run only when named: one Paxcast node (no consensus round trip; the subscriber is on
     * the same node) and three nodes with {@code fsync=none}. They split a Paxcast figure into the
     * node's own path, the round trips and the disk.
     */
    List<String> DIAGNOSTICS = List.of("paxcast1", "paxcast-nosync");

    Publisher publisher();

    /** What the servers are, for the progress line. */
    String describe();

    /**
     * Elections since the servers started, where the system counts them (the most any one server saw),
     * else -1. Paxcast: {@code paxcast_leader_changes_total}; the target under saturation is 0.
     */
    default long leaderChanges() {
        return -1;
    }

    @Override
    void close();

    static PeerSystem start(String name, Path workDir, Deliveries deliveries, int batchItems) throws Exception {
        return switch (name) {
            case "nats" -> NatsPeer.start(workDir, 3, deliveries);
            case "kafka" -> KafkaPeer.start(workDir, 3, deliveries);
            case "paxcast" -> PaxcastPeer.start(3, "always", PaxcastPeer.Client.WEBSOCKET, batchItems, deliveries);
            case "paxcast-batch" -> PaxcastPeer.start(3, "always", PaxcastPeer.Client.BATCH, batchItems, deliveries);
            case "paxcast5" -> PaxcastPeer.start(5, "always", PaxcastPeer.Client.WEBSOCKET, batchItems, deliveries);
            case "paxcast1" -> PaxcastPeer.start(1, "always", PaxcastPeer.Client.WEBSOCKET, batchItems, deliveries);
            case "paxcast-nosync" -> PaxcastPeer.start(3, "none", PaxcastPeer.Client.WEBSOCKET, batchItems, deliveries);
            default -> throw new IllegalArgumentException("unknown system " + name + "; known: " + NAMES + " and " + DIAGNOSTICS);
        };
    }
}
