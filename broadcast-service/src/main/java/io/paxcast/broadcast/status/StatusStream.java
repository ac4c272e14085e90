package io.paxcast.broadcast.status;

import io.paxcast.broadcast.api.ApiException;
import io.vertx.core.Vertx;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * {@code GET /v1/admin/status/stream}: the dashboard's live feed, a WebSocket that gets, every
 * {@link #PERIOD_MILLIS}, {@code {"type": "status", "node", "now", "sample", "members", "events"}}:
 * this node's view now, its newest one-second sample, every member with the sample it gossiped, and
 * the recent leader and membership changes; the first frame also carries {@code "history"} (the
 * samples of the last five minutes). A frame that would queue behind a slow reader is skipped (the
 * next one says everything again). At most {@link #MAX_STREAMS} streams per node.
 * {@code GET /v1/admin/status} answers the same object once, over plain HTTP ({@code ?history=true}: with
 * the history).
 */
public final class StatusStream {
    static final long PERIOD_MILLIS = 500;
    public static final int MAX_STREAMS = 64;

    private final Vertx vertx;
    private final StatusSampler sampler;
    private final Function<Map<String, JsonObject>, JsonObject> clusterView;
    private final Supplier<Map<String, JsonObject>> peers;
    private final Set<ServerWebSocket> streams = new LinkedHashSet<>();
    private long timer = -1;

    /**
     * @param clusterView renders {@code /v1/cluster} from the peers' gossip
     * @param peers       peer id -> its gossip (with {@code "dash"}: its newest sample)
     */
    public StatusStream(Vertx vertx, StatusSampler sampler, Function<Map<String, JsonObject>, JsonObject> clusterView,
                        Supplier<Map<String, JsonObject>> peers) {
        this.vertx = vertx;
        this.sampler = sampler;
        this.clusterView = clusterView;
        this.peers = peers;
    }

    /** The status object every frame carries. */
    public JsonObject status() {
        Map<String, JsonObject> gossip = peers.get();
        JsonObject cluster = clusterView.apply(gossip);
        JsonArray members = cluster.getJsonArray("members", new JsonArray());
        String self = cluster.getString("node");
        for (int i = 0; i < members.size(); i++) {
            JsonObject m = members.getJsonObject(i);
            JsonObject peer = gossip.get(m.getString("id"));
            m.put("sample", m.getString("id").equals(self) ? sampler.latest()
                    : peer == null ? null : peer.getJsonObject("dash"));
        }
        return new JsonObject().put("type", "status").put("node", self).put("now", sampler.now())
                .put("cluster", cluster).put("sample", sampler.latest()).put("members", members)
                .put("events", sampler.events());
    }

    /** {@link #status()} with the samples of the last five minutes ({@code "history"}). */
    public JsonObject withHistory() {
        return status().put("history", sampler.history());
    }

    public void handle(RoutingContext ctx) {
        if (streams.size() >= MAX_STREAMS) {
            throw new ApiException(429, "overloaded", MAX_STREAMS + " status streams are open on this node", 5);
        }
        ctx.request().toWebSocket().onSuccess(socket -> {
            streams.add(socket);
            socket.closeHandler(v -> streams.remove(socket));
            socket.exceptionHandler(e -> streams.remove(socket));
            socket.textMessageHandler(text -> { }); // the feed is one way
            socket.writeTextMessage(withHistory().encode());
            if (timer < 0) {
                timer = vertx.setPeriodic(PERIOD_MILLIS, t -> push());
            }
        }).onFailure(ctx::fail);
    }

    private void push() {
        if (streams.isEmpty()) {
            vertx.cancelTimer(timer);
            timer = -1;
            return;
        }
        String frame = status().encode();
        for (ServerWebSocket socket : Set.copyOf(streams)) {
            if (!socket.isClosed() && !socket.writeQueueFull()) {
                socket.writeTextMessage(frame);
            }
        }
    }

    public void stop() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
        for (ServerWebSocket socket : Set.copyOf(streams)) {
            socket.close();
        }
    }
}
