package io.paxcast.samples.consensus;

import io.vertx.core.json.JsonObject;

import java.util.Optional;

/**
 * What a contender publishes into a round's channel: {@code {"round": R, "candidate": id, "value": v}}.
 *
 * <p>{@link #parse} is the deterministic filter every contender applies to what it is delivered:
 * the same input gives the same answer on every contender, so a stray or malformed message in the
 * channel is skipped by all of them alike and cannot break agreement.
 */
public record Proposal(long round, String candidate, String value) {

    public JsonObject toJson() {
        return new JsonObject().put("round", round).put("candidate", candidate).put("value", value);
    }

    /** The proposal for {@code round} carried by a message's {@code data}, if it is one. */
    public static Optional<Proposal> parse(long round, Object data) {
        if (!(data instanceof JsonObject json)) {
            return Optional.empty();
        }
        Object r = json.getValue("round");
        Object candidate = json.getValue("candidate");
        Object value = json.getValue("value");
        boolean wellFormed = r instanceof Number n && n.longValue() == round && n.doubleValue() == round
                && candidate instanceof String && value instanceof String;
        return wellFormed ? Optional.of(new Proposal(round, (String) candidate, (String) value)) : Optional.empty();
    }
}
