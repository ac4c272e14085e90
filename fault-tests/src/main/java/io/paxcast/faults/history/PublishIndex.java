package io.paxcast.faults.history;

import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The publish invocations grouped into logical publishes. The payload is the identity of a logical
 * publish (it is unique per logical publish and its retries reuse it, with the same Idempotency-Key),
 * so a log entry or a frame finds its publish by payload.
 */
final class PublishIndex {

    /** One logical publish: every attempt (retries through any node) of one payload. */
    static final class Logical {
        final String payload;
        final List<PublishOp> attempts = new ArrayList<>(1);
        /** The earliest invocation of any attempt: when the logical publish began. */
        long firstInvoke = Long.MAX_VALUE;
        /** The latest answer (or failure) of any attempt. */
        long lastComplete = Long.MIN_VALUE;
        /** The OK attempt answered first, or null: its completion is when the publish was acknowledged. */
        PublishOp firstOk;
        boolean anyInfo;

        Logical(String payload) {
            this.payload = payload;
        }

        void add(PublishOp op) {
            attempts.add(op);
            firstInvoke = Math.min(firstInvoke, op.invokeNanos());
            lastComplete = Math.max(lastComplete, op.completeNanos());
            if (op.outcome() == PublishOp.Outcome.OK
                    && (firstOk == null || op.completeNanos() < firstOk.completeNanos())) {
                firstOk = op;
            }
            anyInfo |= op.outcome() == PublishOp.Outcome.INFO;
        }

        boolean acknowledged() {
            return firstOk != null;
        }

        /** Every attempt was a definite failure (4xx): the message must not be in the log. */
        boolean definitelyFailed() {
            return firstOk == null && !anyInfo;
        }

        PublishOp first() {
            return attempts.get(0);
        }

        /**
         * When the message was known to exist: its acknowledgement, or for a publish never acknowledged
         * the last time a client heard from any attempt (it may have been chosen later still).
         */
        long knownAt() {
            return firstOk != null ? firstOk.completeNanos() : lastComplete;
        }
    }

    private final Map<String, Logical> byPayload = new LinkedHashMap<>();
    private Map<String, Logical> byCanonical;
    private final EnumMap<PublishOp.Outcome, Integer> outcomes = new EnumMap<>(PublishOp.Outcome.class);

    private PublishIndex(List<PublishOp> publishes) {
        for (PublishOp op : publishes) {
            if (op.payload() == null || op.outcome() == null) {
                throw new IllegalArgumentException("publish without payload or outcome: " + op);
            }
            if (op.outcome() == PublishOp.Outcome.OK && op.seq() == null) {
                throw new IllegalArgumentException("OK publish without an acknowledged seq: " + op);
            }
            byPayload.computeIfAbsent(op.payload(), Logical::new).add(op);
            outcomes.merge(op.outcome(), 1, Integer::sum);
        }
    }

    static PublishIndex of(List<PublishOp> publishes) {
        return new PublishIndex(publishes);
    }

    /** The logical publish of this payload, or null when nothing like it was ever published. */
    Logical find(String payload) {
        Logical l = byPayload.get(payload);
        if (l != null || payload == null) {
            return l;
        }
        if (byCanonical == null) { // only on a miss: the recorder and the server encoded JSON differently
            byCanonical = new HashMap<>();
            byPayload.forEach((p, logical) -> byCanonical.putIfAbsent(Text.canonical(p), logical));
        }
        return byCanonical.get(Text.canonical(payload));
    }

    /** Logical publishes in the order of their first invocation in the history. */
    Collection<Logical> logicals() {
        return byPayload.values();
    }

    int count(PublishOp.Outcome outcome) {
        return outcomes.getOrDefault(outcome, 0);
    }
}
