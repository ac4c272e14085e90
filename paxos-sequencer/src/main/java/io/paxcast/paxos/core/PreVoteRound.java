package io.paxcast.paxos.core;

import io.paxcast.paxos.core.Message.PreVote;
import io.paxcast.paxos.core.Message.PreVoteReply;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One round of Raft's pre-vote (Ongaro's thesis, 9.6), adapted to Multi-Paxos: before a follower whose
 * election timer fired raises its own promise with a campaign, it asks every voter whether it would
 * promise the ballot it would use. A voter says yes unless it hears a live leader or promised higher;
 * nobody changes any state for it. Only with a quorum of yes (its own included) does the node campaign.
 *
 * <p>Why: a node cut off from the others used to campaign again and again, raising its promise with
 * each try; when the cut healed, that promise was above the working leader's ballot, so the node
 * rejected the leader's messages and the leader stepped down: a needless change of leader at every
 * heal. With pre-vote a node that cannot win never moves its promise.
 */
final class PreVoteRound {
    private final Ballot ballot;
    private final Set<String> granted = new HashSet<>();

    PreVoteRound(Ballot ballot, String self) {
        this.ballot = ballot;
        granted.add(self);
    }

    Ballot ballot() {
        return ballot;
    }

    /** The questions to send. */
    List<Message> requests(String self, List<String> voters) {
        return voters.stream().filter(v -> !v.equals(self))
                .<Message>map(v -> new PreVote(self, v, ballot)).toList();
    }

    /** Records an answer; true once a quorum of {@code voters} granted. */
    boolean onReply(PreVoteReply reply, Membership voters) {
        if (reply.granted() && reply.ballot().equals(ballot)) {
            granted.add(reply.from());
        }
        return voters.isQuorum(granted);
    }
}
