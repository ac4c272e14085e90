package io.paxcast.broadcast.service;

import io.paxcast.broadcast.config.NodeConfig;
import io.paxcast.paxos.core.NodeStatus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The body of {@code GET /v1/cluster} as this node sees it: itself, the leader it follows, every
 * configured member (the others as their last gossip reported them) and, with the Kafka bridge on, a
 * {@code kafka} section.
 *
 * <p>Threading: the node's context.
 */
final class ClusterView {
    private final BroadcastService service;
    private Supplier<JsonObject> kafkaView;

    ClusterView(BroadcastService service) {
        this.service = service;
    }

    /** Adds a {@code kafka} section to the view (when the Kafka bridge is on). */
    void kafkaView(Supplier<JsonObject> view) {
        this.kafkaView = view;
    }

    JsonObject render(Map<String, JsonObject> peers) {
        NodeConfig config = service.config();
        NodeStatus status = service.status();
        JsonArray members = new JsonArray();
        // the members of the newest decided configuration (before the node started: the configured ones)
        List<String> ids = new ArrayList<>();
        if (status != null) {
            ids.addAll(status.membership().voters());
            ids.addAll(status.membership().learners());
        } else {
            config.members().forEach(member -> ids.add(member.id()));
        }
        for (String id : ids) {
            JsonObject m = new JsonObject().put("id", id);
            boolean learner = status != null && status.membership().isLearner(id);
            if (id.equals(config.nodeId())) {
                m.put("role", status != null && status.votes() && !learner ? "voter" : "learner");
                m.put("commitSeq", service.log().headSeq()).put("alive", true);
            } else {
                JsonObject peer = peers.get(id);
                m.put("role", learner ? "learner" : peer == null ? "voter" : peer.getString("role", "voter"));
                m.put("commitSeq", peer == null ? null : peer.getLong("commitSeq"));
                m.put("alive", peer != null && peer.getBoolean("alive", false));
            }
            members.add(m);
        }
        JsonObject view = new JsonObject()
                .put("node", config.nodeId())
                .put("leader", status == null ? null : status.leaderInTouch() ? status.leaderId() : null)
                .put("ballot", status == null ? null : status.ballot().toString())
                .put("commitSeq", service.log().headSeq())
                .put("earliestSeq", service.log().earliestSeq())
                .put("members", members)
                .put("role", status == null ? "starting" : status.role())
                .put("appliedSlot", service.log().lastSlot())
                .put("ready", service.isReady());
        view.put("voting", status != null && status.votes());
        if (status != null) {
            view.put("epoch", status.membership().epoch());
        }
        if (status != null && status.rejoin() != null) {
            view.put("rejoin", status.rejoin());
        }
        String failure = service.failure();
        if (failure != null) {
            view.put("failure", failure);
        }
        if (kafkaView != null) {
            view.put("kafka", kafkaView.get());
        }
        return view;
    }
}
