package io.paxcast.paxos.core;

import io.paxcast.paxos.core.Message.Accept;
import io.paxcast.paxos.core.Message.CatchupReply;
import io.paxcast.paxos.core.Message.CatchupRequest;
import io.paxcast.paxos.core.Message.Heartbeat;
import io.paxcast.paxos.core.Message.HeartbeatAck;
import io.paxcast.paxos.core.Message.Prepare;
import io.paxcast.paxos.core.Message.PreVote;
import io.paxcast.paxos.core.Message.Promise;

/**
 * A node refuses Paxos messages from an id outside the membership (DESIGN.md P19): a stray process (a
 * member removed long ago still running with its old configuration, a node of another cluster pointed
 * at these ports, a misconfigured learner) must not raise promises, have values accepted, forward
 * commands or be served the log.
 *
 * <h2>Who is a member</h2>
 * Membership is decided in the log, and nodes learn it at different times, so "outside" can only mean
 * "outside what this node has learned": an id that is a voter or a learner of no configuration from
 * the one governing this node's next unapplied slot up to the newest it applied. A removed member
 * drops out once its removal governs; a new one counts from the moment its addition is applied here.
 *
 * <h2>Why the check has an exception</h2>
 * A node that lags in applying may not know a member the others added: refusing it for good could
 * strand the node (after its old peers were all replaced, nobody it knows is left to catch up from).
 * So a message whose sender shows it has learned more of the log than this node has applied (a
 * commit point or chosen prefix above ours: {@link #claimedPrefix}) is heard: the configuration that
 * names the sender may be in the part this node has not applied. A member's addition is always in
 * the prefix it has learned before it leads, campaigns or serves the log; a stray that knows no more
 * than this node is refused. And a {@link PreVote} is always answered: it changes no state, and
 * refusing it could keep a lagging member's cluster from electing the new member that would bring it
 * up to date; the {@link Prepare} that follows is checked.
 *
 * <p>This is a guard against mistakes, not against a forger: ids are what messages say. Binding an id
 * to a certificate is left to the transport (mutual TLS authenticates the cluster, not the member).
 */
class SenderCheck {
    /** Whether this node, which applied the log up to {@code appliedUpTo}, must ignore {@code message}. */
    boolean refuses(Message message, Configurations members, long appliedUpTo) {
        if (message instanceof PreVote) {
            return false;
        }
        String from = message.from();
        if (members.latest().isMember(from)) {
            return false;
        }
        for (Membership m : members.governing(appliedUpTo + 1)) {
            if (m.isMember(from)) {
                return false;
            }
        }
        return claimedPrefix(message) <= appliedUpTo;
    }

    /**
     * How far the sender says it has learned the chosen log: the fields that carry a commit point or a
     * chosen prefix; 0 for the messages that carry none (their senders are heard only as members).
     */
    static long claimedPrefix(Message message) {
        if (message instanceof Heartbeat h) {
            return h.commitUpTo();
        } else if (message instanceof Accept a) {
            return a.commitUpTo();
        } else if (message instanceof Prepare p) {
            return p.fromSlot() - 1;
        } else if (message instanceof Promise p) {
            return p.chosenPrefix();
        } else if (message instanceof HeartbeatAck a) {
            return a.chosenPrefix();
        } else if (message instanceof CatchupReply r) {
            return r.senderChosenPrefix();
        } else if (message instanceof CatchupRequest r) {
            return r.fromSlot() - 1;
        }
        return 0;
    }
}
