package io.paxcast.paxos.core;

import io.paxcast.paxos.core.Message.Forward;
import io.paxcast.paxos.core.Message.ForwardAck;

import java.util.ArrayList;
import java.util.List;

/**
 * The way of this node's commands ({@link Submissions}) to a leader: into this node's own proposer
 * queue when it leads or is a candidate (its queue carries over), else forwarded to the leader it
 * believes in, within the forward window; and, on a leader, taking forwarded commands into its queue
 * and answering which it took and which it refused (flow control, so work does not multiply near
 * saturation). With no leader known, commands wait until one appears. Every message leaves through
 * the {@link Outbox}.
 */
final class CommandRouting {
    private final PaxosConfig config;
    private final Submissions submissions;
    private final Proposer proposer;
    private final Outbox out;
    private final List<Command> forwardBuffer = new ArrayList<>();
    /** Whether this node was leader or candidate at the last {@link #handIn}. */
    private boolean wasProposing;

    CommandRouting(PaxosConfig config, Submissions submissions, Proposer proposer, Outbox out) {
        this.config = config;
        this.submissions = submissions;
        this.proposer = proposer;
        this.out = out;
    }

    /** Hands the submissions that are due to the leader ({@code leaderId}, possibly this node, or null). */
    void handIn(long now, String leaderId) {
        boolean proposing = proposer.role() != Proposer.Role.FOLLOWER;
        if (proposing != wasProposing) {
            wasProposing = proposing;
            submissions.rerouteAll(now); // became leader or candidate, or stepped down: a queue began or ended
        }
        if (proposing) {
            for (Command command : submissions.toSend(now, false)) {
                if (proposer.enqueue(command)) {
                    submissions.taken(command.id().counter(), now);
                } else {
                    submissions.refused(command.id().counter(), now);
                }
            }
        } else if (leaderId != null && !leaderId.equals(config.nodeId())) {
            forwardBuffer.addAll(submissions.toSend(now, true));
        }
    }

    /** The leader takes what its queue has room for and says which it took and which it refused. */
    void onForward(Forward forward) {
        List<Long> taken = new ArrayList<>();
        List<Long> refused = new ArrayList<>();
        for (Command command : forward.commands()) {
            (proposer.enqueue(command) ? taken : refused).add(command.id().counter());
        }
        if (!forward.commands().isEmpty()) {
            out.send(new ForwardAck(config.nodeId(), forward.from(), proposer.ballot(),
                    forward.commands().get(0).id().incarnation(), taken, refused));
        }
    }

    /** The leader's answer to this incarnation's forwards (an answer to an earlier life is ignored). */
    void onForwardAck(ForwardAck ack, long incarnation, long now) {
        if (ack.incarnation() != incarnation) {
            return;
        }
        for (long counter : ack.taken()) {
            submissions.taken(counter, now);
        }
        for (long counter : ack.refused()) {
            submissions.refused(counter, now);
        }
    }

    /** Sends the buffered commands to {@code leaderId}, in messages of at most one batch's bytes. */
    void flushForwards(String leaderId) {
        if (forwardBuffer.isEmpty()) {
            return;
        }
        if (leaderId != null && !leaderId.equals(config.nodeId())) {
            List<Command> chunk = new ArrayList<>();
            long bytes = 0;
            for (Command command : forwardBuffer) {
                if (!chunk.isEmpty() && bytes + command.weight() > config.maxBatchBytes()) {
                    out.send(new Forward(config.nodeId(), leaderId, chunk));
                    chunk = new ArrayList<>();
                    bytes = 0;
                }
                chunk.add(command);
                bytes += command.weight();
            }
            out.send(new Forward(config.nodeId(), leaderId, chunk));
        }
        forwardBuffer.clear();
    }
}
