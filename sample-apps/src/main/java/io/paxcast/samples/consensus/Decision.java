package io.paxcast.samples.consensus;

import java.net.URI;

/**
 * One contender's outcome for one round.
 *
 * @param proposed      what it proposed
 * @param proposedSeq   the global seq its proposal got (-1 if its publish did not complete)
 * @param proposedOffset its proposal's offset in the round's channel (-1 likewise)
 * @param decided       the first proposal delivered in the round's channel: the decision
 * @param decidedSeq    that proposal's global seq
 * @param decidedOffset that proposal's offset in the channel (1 unless something malformed came first)
 * @param node          the node whose stream delivered the decision
 */
public record Decision(String contender, long round, Proposal proposed, long proposedSeq, long proposedOffset,
                       Proposal decided, long decidedSeq, long decidedOffset, URI node) {

    /** True when this contender's own proposal won. */
    public boolean won() {
        return decided.candidate().equals(proposed.candidate()) && decidedSeq == proposedSeq;
    }
}
