package io.paxcast.paxos.core;

import io.paxcast.paxos.core.Message.CatchupReply;
import io.paxcast.paxos.core.Message.CatchupRequest;
import io.paxcast.paxos.core.Message.ChosenEntry;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Catch-up of chosen values between nodes (DESIGN.md P13, P16): a node that missed slots asks a
 * peer that has them for their chosen values, a page at a time, and serves the same to others. Only
 * chosen values travel, with their slots; a merely accepted value is never taken for chosen.
 *
 * <p>Pace: the request for the next page leaves in the output after the page before it, so only
 * once that page is durable (the {@link Ready} order): a node catches up at the pace of its own disk.
 * An unanswered request is sent again with back-off (a loaded peer is not asked the same page again
 * and again). A reply holds at most {@link PaxosConfig#catchupBatchSlots} slots and
 * {@link PaxosConfig#catchupReplyBytes} bytes (at least one slot).
 */
final class Catchup {
    private static final int MAX_BACKOFF_SHIFT = 3;
    /** Unanswered requests to a follower before a learner asks the leader instead. */
    static final int FALLBACK_AFTER = 2;
    private static final int RETRY_AFTER_REQUESTS = 64;

    private final PaxosConfig config;
    private final PaxosLog log;
    private final Outbox out;

    /** The chosen prefix to reach, and from whom (0 / null: nothing to catch up). */
    private long target;
    private String source;
    /** Whom to ask when {@link #source} does not answer (null: nobody else). */
    private String fallback;
    /** The source last given up on, asked again only after {@link #RETRY_AFTER_REQUESTS} requests elsewhere. */
    private String unresponsive;
    private int requestsSinceFallback;
    /** A peer that compacted past this node's next slot: only a snapshot from it helps (null: none). */
    private String installFrom;
    private long lastRequest = Long.MIN_VALUE / 2;
    private int resends;

    Catchup(PaxosConfig config, PaxosLog log, Outbox out) {
        this.config = config;
        this.log = log;
        this.out = out;
    }

    /** {@code source} knows every slot up to {@code upTo} chosen: catch up to there. */
    void need(String source, long upTo) {
        if (upTo > target || this.source == null) {
            this.source = source;
        }
        target = Math.max(target, upTo);
    }

    /**
     * Catch up to {@code upTo} from {@code source} (a follower, which may be down or behind), or from
     * {@code fallback} (the leader, which knows {@code upTo} chosen) once {@code source} leaves
     * {@link #FALLBACK_AFTER} requests unanswered.
     */
    void need(String source, long upTo, String fallback) {
        this.fallback = fallback;
        if (source.equals(unresponsive) && requestsSinceFallback < RETRY_AFTER_REQUESTS) {
            source = fallback; // it did not answer lately: don't make every new commit point wait for it again
        }
        need(source, upTo);
    }

    /**
     * Answers a peer with the chosen values from its first missing slot on, one page; or, if that slot
     * was compacted here, with none and this node's log start, so that it installs a snapshot.
     */
    void serve(CatchupRequest request) {
        if (log.isCompacted(request.fromSlot())) {
            out.send(new CatchupReply(config.nodeId(), request.from(), List.of(), log.chosenPrefix(), log.logStart()));
            return;
        }
        List<ChosenEntry> entries = new ArrayList<>();
        long bytes = 0;
        for (long slot = request.fromSlot(); entries.size() < config.catchupBatchSlots(); slot++) {
            Optional<Value> value = log.chosenValue(slot);
            if (value.isEmpty()) {
                break;
            }
            long weight = value.get().weight();
            if (!entries.isEmpty() && bytes + weight > config.catchupReplyBytes()) {
                break;
            }
            entries.add(new ChosenEntry(slot, value.get()));
            bytes += weight;
        }
        out.send(new CatchupReply(config.nodeId(), request.from(), entries, log.chosenPrefix(), log.logStart()));
    }

    /** The peer this node must install a snapshot from, or null. */
    String installFrom() {
        return installFrom;
    }

    /** Only a snapshot helps this node (its store compacted past what it delivered): ask {@code peer}. */
    void requireInstall(String peer) {
        if (installFrom == null) {
            installFrom = peer;
        }
    }

    /** A snapshot was installed (or this node caught up otherwise): ask for pages again. */
    void installed() {
        installFrom = null;
        lastRequest = Long.MIN_VALUE / 2;
        resends = 0;
    }

    /**
     * Learns a page of chosen values.
     *
     * @return the entries that were news here (the proposer checks them against its own proposals)
     */
    List<ChosenEntry> onReply(CatchupReply reply) {
        if (reply.chosen().isEmpty() && reply.senderLogStart() > log.chosenPrefix() + 1) {
            // the values this node lacks were compacted there: the application installs a snapshot
            installFrom = reply.from();
            need(reply.from(), reply.senderChosenPrefix());
            return List.of();
        }
        List<ChosenEntry> learned = new ArrayList<>();
        for (ChosenEntry entry : reply.chosen()) {
            if (log.learn(entry.slot(), entry.value(), false)) {
                learned.add(entry);
            }
        }
        log.advancePrefix();
        if (reply.senderChosenPrefix() > log.chosenPrefix()) {
            need(reply.from(), reply.senderChosenPrefix());
        }
        if (!reply.chosen().isEmpty()) {
            // a page arrived, so the request was answered: ask for the next one (more of this source's,
            // or a commit point announced meanwhile) in the next output, without the retransmission
            // wait; it leaves only once this page is durable (the Ready order), so a node catches up at
            // the pace of its own disk. A learner follows a live log this way within a round trip of
            // each commit point, not a retransmission period later.
            lastRequest = Long.MIN_VALUE / 2;
            resends = 0;
        }
        return learned;
    }

    /** Sends the next request if this node is behind its target and the last one is due again. */
    void requestIfBehind(long now) {
        if (target <= log.chosenPrefix()) {
            // caught up: the next commit point this node misses is asked for at once
            target = 0;
            source = null;
            resends = 0;
            installFrom = null;
            lastRequest = Long.MIN_VALUE / 2;
            return;
        }
        if (installFrom != null && now - lastRequest < (long) config.retransmitTicks() << MAX_BACKOFF_SHIFT) {
            return; // waiting for the snapshot; ask again now and then (another peer may have the log)
        }
        if (source == null || source.equals(config.nodeId()) || now - lastRequest < config.retransmitTicks()) {
            return;
        }
        if (now - lastRequest < (long) config.retransmitTicks() << resends) {
            return; // the last request is unanswered: back off, a loaded peer is not asked the same page again and again
        }
        if (resends >= FALLBACK_AFTER && fallback != null && !fallback.equals(source)) {
            unresponsive = source; // the follower is down, cut off or behind: the leader has every chosen slot
            requestsSinceFallback = 0;
            source = fallback;
            resends = 0;
        }
        requestsSinceFallback++;
        lastRequest = now;
        resends = Math.min(resends + 1, MAX_BACKOFF_SHIFT);
        out.send(new CatchupRequest(config.nodeId(), source, log.chosenPrefix() + 1));
    }
}
