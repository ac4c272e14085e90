package io.paxcast.paxos.core;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One configuration of the cluster, as the log decides it: the voters (the acceptors, a majority of
 * which is a quorum), the learners (they receive the decided log and serve it, and never count in a
 * quorum), and numbered by {@code epoch}: the bootstrap configuration is epoch 0, each decided change
 * makes the next one.
 *
 * <p>{@code joinTokens} is why a voter added by a change may vote at all (DESIGN.md P3: "a wiped acceptor
 * is a new acceptor"). A node that joins starts on a blank store, which holds a random token; the change
 * that makes it a voter records that token. The node votes only while its store still holds it: a node
 * that lost its disk since it joined has another token, so it cannot vote with promises it forgot; it is
 * replaced by a fresh member instead. The bootstrap voters have no token here; their blank stores earn
 * the vote back by {@link Rejoin}.
 *
 * @param epoch      0 for the bootstrap configuration, then one more per decided change
 * @param voters     the acceptors, in a stable order
 * @param learners   members that receive the log and never vote
 * @param joinTokens per voter added by a change: the store token it had when it was made a voter
 */
public record Membership(long epoch, List<String> voters, List<String> learners, Map<String, Long> joinTokens) {

    public Membership {
        voters = List.copyOf(voters);
        learners = List.copyOf(learners);
        joinTokens = Map.copyOf(joinTokens);
        if (epoch < 0) {
            throw new IllegalArgumentException("negative epoch " + epoch);
        }
        if (voters.isEmpty()) {
            throw new IllegalArgumentException("a configuration needs at least one voter");
        }
        if (voters.stream().distinct().count() != voters.size()
                || learners.stream().distinct().count() != learners.size()) {
            throw new IllegalArgumentException("a member listed twice in " + voters + " / " + learners);
        }
        for (String learner : learners) {
            if (voters.contains(learner)) {
                throw new IllegalArgumentException(learner + " is both a voter and a learner");
            }
        }
        for (String id : joinTokens.keySet()) {
            if (!voters.contains(id)) {
                throw new IllegalArgumentException("a join token for " + id + ", which is not a voter");
            }
        }
    }

    /** The configuration a cluster starts with: epoch 0, the configured voters, no learners. */
    public static Membership bootstrap(List<String> voters) {
        return new Membership(0, voters, List.of(), Map.of());
    }

    public int quorum() {
        return voters.size() / 2 + 1;
    }

    public boolean isVoter(String id) {
        return voters.contains(id);
    }

    public boolean isLearner(String id) {
        return learners.contains(id);
    }

    public boolean isMember(String id) {
        return isVoter(id) || isLearner(id);
    }

    /** Whether the ids in {@code answered} include a quorum of this configuration's voters. */
    public boolean isQuorum(java.util.Collection<String> answered) {
        int n = 0;
        for (String voter : voters) {
            if (answered.contains(voter)) {
                n++;
            }
        }
        return n >= quorum();
    }

    /** The token this configuration admits {@code id} with: its join token, 0 for a bootstrap voter. */
    public long tokenOf(String id) {
        return joinTokens.getOrDefault(id, 0L);
    }

    /**
     * Whether {@code promised} (voter -> the {@link #tokenOf token} it was admitted with when it promised)
     * includes a quorum of this configuration's voters in the incarnation this configuration admits. A
     * promise made by a member's earlier store (before it was removed, wiped and admitted again with a
     * new token) is forgotten by the store that votes now, so it counts for nothing here.
     */
    public boolean isQuorumOfIncarnations(Map<String, Long> promised) {
        int n = 0;
        for (String voter : voters) {
            Long token = promised.get(voter);
            if (token != null && token == tokenOf(voter)) {
                n++;
            }
        }
        return n >= quorum();
    }

    // ---------------------------------------------------------------- the changes, one member at a time

    /** The next epoch with {@code id} added as a learner. */
    public Membership withLearner(String id) {
        requireNew(id);
        List<String> l = new ArrayList<>(learners);
        l.add(id);
        return new Membership(epoch + 1, voters, l, joinTokens);
    }

    /** The next epoch with learner {@code id} made a voter; {@code token} is its store's token now. */
    public Membership promoted(String id, long token) {
        if (!isLearner(id)) {
            throw new IllegalArgumentException(id + " is not a learner of epoch " + epoch);
        }
        if (token == 0) {
            throw new IllegalArgumentException(id + " reported no store token: it cannot be made a voter");
        }
        List<String> v = new ArrayList<>(voters);
        v.add(id);
        List<String> l = new ArrayList<>(learners);
        l.remove(id);
        Map<String, Long> tokens = new LinkedHashMap<>(joinTokens);
        tokens.put(id, token);
        return new Membership(epoch + 1, v, l, tokens);
    }

    /** The next epoch without {@code id} (a voter or a learner). */
    public Membership without(String id) {
        if (!isMember(id)) {
            throw new IllegalArgumentException(id + " is not a member of epoch " + epoch);
        }
        List<String> v = new ArrayList<>(voters);
        v.remove(id);
        List<String> l = new ArrayList<>(learners);
        l.remove(id);
        Map<String, Long> tokens = new LinkedHashMap<>(joinTokens);
        tokens.remove(id);
        return new Membership(epoch + 1, v, l, tokens);
    }

    private void requireNew(String id) {
        Objects.requireNonNull(id, "id");
        if (id.isBlank()) {
            throw new IllegalArgumentException("a blank member id");
        }
        if (isMember(id)) {
            throw new IllegalArgumentException(id + " is a member already");
        }
    }

    @Override
    public String toString() {
        return "Membership[epoch=" + epoch + ", voters=" + voters + ", learners=" + learners + "]";
    }
}
