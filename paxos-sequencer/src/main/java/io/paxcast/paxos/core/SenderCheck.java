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
 * member removed long ago still running with its old configuration, a learner never added, a node
 * configured with the wrong peers) must not raise promises, have values accepted, lead this node,
 * forward commands or be served the log.
 *
 * <h2>Who is a member</h2>
 * Membership is decided in the log, and nodes learn it at different times, so "outside" can only mean
 * "outside what this node has learned": an id that is a voter or a learner of no configuration from
 * the one governing this node's next unapplied slot up to the newest it applied. A removed member
 * drops out once its removal governs; a new one counts from the moment its addition is applied here.
 *
 * <h2>A member this node has not learned of yet</h2>
 * A node that lags in applying may not know a member the others added, and refusing it for good
 * could strand the node (after its old peers were all replaced, nobody it knows is left to catch up
 * from). A member's own addition is always in the prefix it has learned before it leads, campaigns or
 * serves the log. So when a stray shows it has learned more of the log than this node applied
 * ({@link #claimedPrefix}), the configuration that names it may be in the part this node has not
 * applied:
 * <ul>
 *   <li>a {@link Prepare}, {@link Accept} or {@link Heartbeat} from it is still not acted on (no
 *       promise, no vote, no leader), but this node asks it for the chosen log
 *       ({@link Verdict#LEARN_FROM}); once the change that names it is applied, its next retransmission
 *       is heard;</li>
 *   <li>an answer to this node's own requests ({@link Promise}, {@link HeartbeatAck}, {@link CatchupReply})
 *       is heard.</li>
 * </ul>
 * A {@link PreVote} is always answered: it changes no state, and the {@link Prepare} after it is checked.
 *
 * <p>This guards against ids outside the membership, not against forgery or another cluster that uses
 * the same ids: ids are what messages say. Mutual TLS ({@code cluster.tls.*}) keeps out every process
 * without a certificate of the cluster's trust store, a node of another cluster included, and with
 * member ids bound to certificates ({@code TcpTransport#withTls}) a connection speaks only for the
 * member its certificate names.
 */
class SenderCheck {
    /** What to do with a message. */
    enum Verdict {
        HEAR,
        REFUSE,
        /** Refuse it, and catch up from its sender up to its {@link #claimedPrefix}. */
        LEARN_FROM
    }

    /** What this node, which applied the log up to {@code appliedUpTo}, does with {@code message}. */
    Verdict verdict(Message message, Configurations members, long appliedUpTo) {
        if (message instanceof PreVote || isMember(message.from(), members, appliedUpTo)) {
            return Verdict.HEAR;
        }
        if (claimedPrefix(message) <= appliedUpTo) {
            return Verdict.REFUSE;
        }
        boolean actsOnThisNode = message instanceof Prepare || message instanceof Accept || message instanceof Heartbeat;
        return actsOnThisNode ? Verdict.LEARN_FROM : Verdict.HEAR;
    }

    private static boolean isMember(String id, Configurations members, long appliedUpTo) {
        if (members.latest().isMember(id)) {
            return true;
        }
        for (Membership m : members.governing(appliedUpTo + 1)) {
            if (m.isMember(id)) {
                return true;
            }
        }
        return false;
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
