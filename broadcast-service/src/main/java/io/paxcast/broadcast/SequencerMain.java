package io.paxcast.broadcast;

/**
 * The entry point of a <b>sequencer node</b> in the split deployment: a voter (or a node a membership
 * change will make one) that runs Paxos and keeps the durable log. It is the all-in-one node of
 * {@link Main} with {@code node.role=member} required, so it serves HTTP, history and WebSocket too
 * (a deployment sends subscribers to the edge nodes instead: k8s/paxcast-split.yaml). The other
 * half is {@link EdgeMain}; both join the one clustered event bus.
 * Usage: {@code java -cp paxcast-node.jar io.paxcast.broadcast.SequencerMain [--config FILE]}.
 */
public final class SequencerMain {
    private SequencerMain() {
    }

    public static void main(String[] args) {
        Main.run("paxcast-sequencer", args, "member");
    }
}
