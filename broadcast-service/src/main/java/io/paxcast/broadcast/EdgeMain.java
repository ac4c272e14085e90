package io.paxcast.broadcast;

/**
 * The entry point of a <b>broadcast edge node</b> in the split deployment: {@code node.role=edge},
 * whatever the configuration file says. It never votes and counts in no quorum; it holds the decided
 * log with retention (learned from the sequencers), serves HTTP, history and WebSocket subscriptions,
 * and forwards publishes to the leader. With {@code edge.autoJoin} (the default) it asks the
 * sequencers to add it as a learner when it starts and to remove it when it stops gracefully
 * ({@link io.paxcast.broadcast.cluster.EdgeMembership}), so edge nodes scale on their own.
 * Usage: {@code java -cp paxcast-node.jar io.paxcast.broadcast.EdgeMain [--config FILE]}.
 */
public final class EdgeMain {
    private EdgeMain() {
    }

    public static void main(String[] args) {
        Main.run("paxcast-edge", args, "edge");
    }
}
