package io.paxcast.samples.rsm;

import io.vertx.core.json.JsonObject;

/**
 * The commands of the replicated ledger, as published into its channel (JSON {@code data}):
 * <pre>
 * {"op": "open",     "account": "alice", "amount": 100}
 * {"op": "transfer", "id": "t17", "from": "alice", "to": "bob", "amount": 30}
 * {"op": "seal"}
 * </pre>
 * Anything else in the channel parses to {@link Invalid}, which every replica counts and skips alike.
 */
public sealed interface LedgerCommand permits LedgerCommand.Open, LedgerCommand.Transfer, LedgerCommand.Seal,
        LedgerCommand.Invalid {

    JsonObject toJson();

    /** Creates an account with an opening balance. */
    record Open(String account, long amount) implements LedgerCommand {
        @Override
        public JsonObject toJson() {
            return new JsonObject().put("op", "open").put("account", account).put("amount", amount);
        }
    }

    /** Moves {@code amount} from one account to another, if the source can pay. */
    record Transfer(String id, String from, String to, long amount) implements LedgerCommand {
        @Override
        public JsonObject toJson() {
            return new JsonObject().put("op", "transfer").put("id", id).put("from", from).put("to", to)
                    .put("amount", amount);
        }
    }

    /** Closes the ledger: later commands are rejected (the demo's end marker). */
    record Seal() implements LedgerCommand {
        @Override
        public JsonObject toJson() {
            return new JsonObject().put("op", "seal");
        }
    }

    /** Not a ledger command. */
    record Invalid(String why) implements LedgerCommand {
        @Override
        public JsonObject toJson() {
            return new JsonObject().put("op", "invalid").put("why", why);
        }
    }

    /** Parses a message's {@code data}; never throws (a replica must not stop on a stray message). */
    static LedgerCommand parse(Object data) {
        if (!(data instanceof JsonObject json)) {
            return new Invalid("not an object");
        }
        Object op = json.getValue("op");
        if ("open".equals(op)) {
            String account = string(json, "account");
            Long amount = wholeNumber(json, "amount");
            return account != null && amount != null ? new Open(account, amount) : new Invalid("bad open");
        }
        if ("transfer".equals(op)) {
            String id = string(json, "id");
            String from = string(json, "from");
            String to = string(json, "to");
            Long amount = wholeNumber(json, "amount");
            return from != null && to != null && amount != null
                    ? new Transfer(id == null ? "" : id, from, to, amount) : new Invalid("bad transfer");
        }
        if ("seal".equals(op)) {
            return new Seal();
        }
        return new Invalid("unknown op " + op);
    }

    private static String string(JsonObject json, String field) {
        return json.getValue(field) instanceof String s ? s : null;
    }

    /** A whole number (no fractions: a replica must not depend on floating point). */
    private static Long wholeNumber(JsonObject json, String field) {
        if (json.getValue(field) instanceof Number n && (n instanceof Integer || n instanceof Long
                || (n.doubleValue() == Math.rint(n.doubleValue()) && Math.abs(n.doubleValue()) < 1e15))) {
            return n.longValue();
        }
        return null;
    }
}
