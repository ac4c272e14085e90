package io.paxcast.broadcast.cluster;

import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Each node publishes a small status record on the cluster event bus every second; every node keeps
 * the latest one of each peer, for {@code GET /v1/cluster}. A peer silent for 3 s is shown not alive.
 * Informational only: nothing in the protocol depends on it.
 */
public final class PeerStatus {
    public static final String ADDRESS = "paxcast.status";
    private static final long PERIOD_MILLIS = 1000;
    private static final long STALE_MILLIS = 3000;

    private final Vertx vertx;
    private final String nodeId;
    private final Supplier<JsonObject> ownStatus;
    private final Map<String, JsonObject> latest = new HashMap<>();
    private final Map<String, Long> heardAt = new HashMap<>();
    private MessageConsumer<JsonObject> consumer;
    private long timer = -1;

    public PeerStatus(Vertx vertx, String nodeId, Supplier<JsonObject> ownStatus) {
        this.vertx = vertx;
        this.nodeId = nodeId;
        this.ownStatus = ownStatus;
    }

    public void start() {
        consumer = vertx.eventBus().consumer(ADDRESS, m -> {
            JsonObject body = m.body();
            String from = body.getString("node");
            if (from != null && !from.equals(nodeId)) {
                latest.put(from, body);
                heardAt.put(from, System.currentTimeMillis());
            }
        });
        timer = vertx.setPeriodic(PERIOD_MILLIS, t -> vertx.eventBus().publish(ADDRESS, ownStatus.get().put("node", nodeId)));
    }

    /** Peer id -> {commitSeq, alive, ...}. */
    public Map<String, JsonObject> view() {
        Map<String, JsonObject> view = new HashMap<>();
        long now = System.currentTimeMillis();
        latest.forEach((id, status) -> view.put(id, status.copy()
                .put("alive", now - heardAt.getOrDefault(id, 0L) <= STALE_MILLIS)));
        return view;
    }

    public void stop() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
        if (consumer != null) {
            consumer.unregister();
        }
    }
}
