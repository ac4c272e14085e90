package io.paxcast.broadcast.cluster;

import io.paxcast.broadcast.api.ApiException;
import io.paxcast.paxos.core.MemberChange;
import io.paxcast.paxos.core.Membership;
import io.paxcast.paxos.core.NodeStatus;
import io.paxcast.paxos.vertx.SequencerDriver;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.function.Supplier;

/**
 * The admin side of membership change ({@code /v1/admin/members}, docs/API.md): any node takes the
 * request; the change itself is proposed by the leader, so a node that does not lead relays it over
 * the event bus to the leader it follows ({@code paxcast.admin.<id>}), which answers with the core's
 * {@link MemberChange.Answer}.
 *
 * <p>Adding a voter is two decided changes: the node is added as a learner, catches up (snapshot and
 * log, like any node that is behind), and is promoted once the leader sees it within a pipeline window
 * of its own log ({@link MemberChange.Promote}); until then it counts in no quorum. Each step waits
 * (polling the node's status, with a deadline) until this node applied the new epoch, and retries while
 * the leader answers that the previous change does not govern the log yet: changes go one at a time.
 *
 * <p>Threading: the node's context.
 */
public final class MembershipAdmin {
    public static final String ADDRESS_PREFIX = "paxcast.admin.";
    private static final Logger log = LoggerFactory.getLogger(MembershipAdmin.class);
    private static final long POLL_MILLIS = 50;

    private final Vertx vertx;
    private final String nodeId;
    private final SequencerDriver driver;
    private final Supplier<Map<String, JsonObject>> peers;
    private final long deadlineMillis;
    private MessageConsumer<JsonObject> consumer;

    public MembershipAdmin(Vertx vertx, String nodeId, SequencerDriver driver, Supplier<Map<String, JsonObject>> peers,
                           long deadlineMillis) {
        this.vertx = vertx;
        this.nodeId = nodeId;
        this.driver = driver;
        this.peers = peers;
        this.deadlineMillis = deadlineMillis;
    }

    /** Serves the changes other nodes relay to this one (it answers for itself only: no second relay). */
    public void start() {
        consumer = vertx.eventBus().consumer(ADDRESS_PREFIX + nodeId, m -> {
            MemberChange change;
            try {
                change = fromJson(m.body());
            } catch (IllegalArgumentException e) {
                m.fail(400, e.getMessage());
                return;
            }
            driver.changeMembership(change).onComplete(ar -> m.reply(ar.succeeded() ? toJson(ar.result())
                    : new JsonObject().put("outcome", "NOT_LEADER").put("detail", String.valueOf(ar.cause()))));
        });
    }

    public void stop() {
        if (consumer != null) {
            consumer.unregister();
        }
    }

    // ---------------------------------------------------------------- the operations

    /** {@code GET /v1/admin/members}. */
    public JsonObject members() {
        NodeStatus status = requireStatus();
        Membership m = status.membership();
        Map<String, JsonObject> view = peers.get();
        JsonArray members = new JsonArray();
        m.voters().forEach(id -> members.add(member(id, "voter", status, view)));
        m.learners().forEach(id -> members.add(member(id, "learner", status, view)));
        return new JsonObject().put("epoch", m.epoch()).put("activeEpoch", status.activeEpoch())
                .put("leader", status.leaderInTouch() ? status.leaderId() : null)
                .put("quorum", m.quorum()).put("members", members);
    }

    /** {@code POST /v1/admin/members}: adds {@code id} as a learner, or as a voter (a learner first, then promoted). */
    public Future<JsonObject> add(String id, String role) {
        Membership now = requireStatus().membership();
        if (now.isVoter(id)) {
            return Future.failedFuture(new ApiException(409, "already_member", id + " is a voter already"));
        }
        if (role.equals("learner")) {
            if (now.isLearner(id)) {
                return Future.failedFuture(new ApiException(409, "already_member", id + " is a learner already"));
            }
            return step(new MemberChange.AddLearner(id)).map(v -> members());
        }
        JsonObject peer = peers.get().get(id);
        if (peer != null && peer.getBoolean("edge", false)) {
            // it would count in the quorum and never answer: one voter fewer than the configuration says
            return Future.failedFuture(new ApiException(409, "invalid_change", id
                    + " is an edge node (node.role=edge): it never votes, so it cannot be a voter"));
        }
        Future<Void> learner = now.isLearner(id) ? Future.succeededFuture() : step(new MemberChange.AddLearner(id));
        return learner.compose(v -> step(new MemberChange.Promote(id))).map(v -> members());
    }

    /** {@code DELETE /v1/admin/members/{id}}. */
    public Future<JsonObject> remove(String id) {
        if (!requireStatus().membership().isMember(id)) {
            return Future.failedFuture(new ApiException(404, "not_member", id + " is not a member"));
        }
        return step(new MemberChange.Remove(id)).map(v -> members());
    }

    /** One change: asked of the leader until proposed, then awaited until this node applied its epoch. */
    private Future<Void> step(MemberChange change) {
        long deadline = System.currentTimeMillis() + deadlineMillis;
        Promise<Void> done = Promise.promise();
        attempt(change, deadline, done);
        return done.future();
    }

    private void attempt(MemberChange change, long deadline, Promise<Void> done) {
        ask(change).onComplete(ar -> {
            if (ar.failed()) {
                retryOrFail(change, deadline, done, "the leader did not answer: " + ar.cause().getMessage());
                return;
            }
            JsonObject answer = ar.result();
            String outcome = answer.getString("outcome");
            String detail = answer.getString("detail");
            switch (outcome) {
                case "PROPOSED" -> {
                    long epoch = answer.getLong("epoch");
                    log.info("event=membership_change_proposed change=\"{}\" epoch={}", change, epoch);
                    awaitEpoch(change, epoch, deadline, done);
                }
                case "INVALID" -> done.fail(new ApiException(409, "invalid_change", detail));
                default -> retryOrFail(change, deadline, done, outcome.toLowerCase(java.util.Locale.ROOT)
                        + (detail == null ? "" : ": " + detail)); // BUSY, NOT_CAUGHT_UP, NOT_LEADER (an election)
            }
        });
    }

    private void retryOrFail(MemberChange change, long deadline, Promise<Void> done, String why) {
        if (System.currentTimeMillis() >= deadline) {
            done.fail(new ApiException(503, "change_timeout", "no change after " + deadlineMillis + " ms: " + why
                    + "; asking again is safe", 1));
            return;
        }
        vertx.setTimer(POLL_MILLIS * 2, t -> attempt(change, deadline, done));
    }

    /**
     * Waits until this node applied {@code epoch}, then checks that the configuration shows the change:
     * another change may have taken the same epoch (a new leader re-proposing its predecessor's), and
     * then this one was ignored everywhere and is asked for again.
     */
    private void awaitEpoch(MemberChange change, long epoch, long deadline, Promise<Void> done) {
        NodeStatus status = driver.status();
        if (status != null && status.membership().epoch() >= epoch) {
            if (shows(status.membership(), change)) {
                done.complete();
            } else {
                retryOrFail(change, deadline, done, "epoch " + epoch + " was taken by another change");
            }
        } else if (System.currentTimeMillis() >= deadline) {
            done.fail(new ApiException(503, "change_timeout", "epoch " + epoch + " was proposed but not applied here within "
                    + deadlineMillis + " ms (a leader change?); GET /v1/admin/members tells whether it was", 1));
        } else {
            vertx.setTimer(POLL_MILLIS, t -> awaitEpoch(change, epoch, deadline, done));
        }
    }

    /** Whether {@code m} has what {@code change} asked for. */
    static boolean shows(Membership m, MemberChange change) {
        if (change instanceof MemberChange.AddLearner) {
            return m.isMember(change.id());
        } else if (change instanceof MemberChange.Promote) {
            return m.isVoter(change.id());
        }
        return !m.isMember(change.id());
    }

    /** The leader's answer: this node's own if it leads, else relayed to the leader it follows. */
    private Future<JsonObject> ask(MemberChange change) {
        return driver.changeMembership(change).compose(answer -> {
            String leader = answer.leaderId();
            if (answer.outcome() != MemberChange.Outcome.NOT_LEADER || leader == null || leader.equals(nodeId)) {
                return Future.succeededFuture(toJson(answer));
            }
            return vertx.eventBus().<JsonObject>request(ADDRESS_PREFIX + leader, toJson(change),
                    new DeliveryOptions().setSendTimeout(5000)).map(m -> m.body()).recover(e -> {
                        if (e instanceof ReplyException r && r.failureCode() == 400) {
                            return Future.succeededFuture(new JsonObject().put("outcome", "INVALID")
                                    .put("detail", r.getMessage()));
                        }
                        return Future.failedFuture(e);
                    });
        });
    }

    private NodeStatus requireStatus() {
        NodeStatus status = driver.status();
        if (status == null) {
            throw new ApiException(503, "starting", "the node is starting", 1);
        }
        return status;
    }

    private JsonObject member(String id, String role, NodeStatus status, Map<String, JsonObject> view) {
        JsonObject m = new JsonObject().put("id", id).put("role", role);
        if (id.equals(nodeId)) {
            m.put("alive", true).put("votes", status.votes()).put("appliedSlot", status.deliveredUpTo());
        } else {
            JsonObject peer = view.get(id);
            m.put("alive", peer != null && peer.getBoolean("alive", false));
            if (peer != null) {
                m.put("commitSeq", peer.getLong("commitSeq")).put("address", peer.getString("http"));
            }
        }
        Long learned = status.peerChosenPrefix().get(id);
        if (learned != null) {
            m.put("learnedSlot", learned); // on the leader: how far it reported in its last heartbeat ack
        }
        return m;
    }

    // ---------------------------------------------------------------- the relay's JSON

    static JsonObject toJson(MemberChange change) {
        String op = change instanceof MemberChange.AddLearner ? "addLearner"
                : change instanceof MemberChange.Promote ? "promote" : "remove";
        return new JsonObject().put("op", op).put("id", change.id());
    }

    static MemberChange fromJson(JsonObject json) {
        String id = json.getString("id");
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("no member id");
        }
        return switch (String.valueOf(json.getString("op"))) {
            case "addLearner" -> new MemberChange.AddLearner(id);
            case "promote" -> new MemberChange.Promote(id);
            case "remove" -> new MemberChange.Remove(id);
            default -> throw new IllegalArgumentException("unknown op " + json.getString("op"));
        };
    }

    static JsonObject toJson(MemberChange.Answer answer) {
        JsonObject json = new JsonObject().put("outcome", answer.outcome().name()).put("detail", answer.detail())
                .put("leader", answer.leaderId());
        if (answer.proposed() != null) {
            json.put("epoch", answer.proposed().epoch());
        }
        return json;
    }
}
