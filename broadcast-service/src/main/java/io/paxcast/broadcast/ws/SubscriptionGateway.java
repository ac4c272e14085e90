package io.paxcast.broadcast.ws;

import io.paxcast.broadcast.auth.Access;
import io.paxcast.broadcast.api.ApiException;
import io.paxcast.broadcast.api.Validation;
import io.paxcast.broadcast.config.NodeConfig;
import io.paxcast.broadcast.http.BodyBudget;
import io.paxcast.broadcast.log.PublishItem;
import io.paxcast.broadcast.service.BroadcastService;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code GET /v1/subscribe?channels=a,b|*&after=<seq>}: validates the request (a bad one gets the
 * JSON error over plain HTTP, before any upgrade), upgrades, and runs a {@link Subscriber}. Client
 * frames: {@code {"type":"publish",...}} is answered with {@code ack} or {@code error} (same id);
 * anything else gets an {@code error} frame and changes nothing.
 */
public final class SubscriptionGateway {
    /** A resume point this far beyond the node's head is a client bug, not lag. */
    private static final long MAX_AHEAD = 1_000_000;

    private final BroadcastService service;
    private final SubscriptionHub hub;
    private final io.paxcast.broadcast.http.PublishRateLimiter rates;
    /** Null while every live member can apply a conditional publish, else the refusal (PaxcastNode#conditionalSupport). */
    private final java.util.function.Supplier<ApiException> conditionalSupport;
    private final BodyBudget bodies;

    /**
     * @param hub   where the service multicasts to ({@link BroadcastService}'s subscribers): the live end of a subscription
     * @param rates the per-client publish rates, shared with the HTTP publishes
     */
    public SubscriptionGateway(BroadcastService service, SubscriptionHub hub, io.paxcast.broadcast.http.PublishRateLimiter rates,
                               java.util.function.Supplier<ApiException> conditionalSupport) {
        this.service = service;
        this.hub = hub;
        this.rates = rates;
        this.conditionalSupport = conditionalSupport;
        this.bodies = new BodyBudget(service.config().limits().httpMaxBufferedBodyBytes());
    }

    /** The budget of buffered client input: request bodies (HttpApi) and reassembled messages (here). */
    public BodyBudget bodies() {
        return bodies;
    }

    /**
     * The largest frame Netty decodes: twice {@code subscribe.maxFrameBytes}, so a frame above the
     * limit still reaches the gateway, which closes with 1009 (message too big); above the backstop
     * Netty drops the connection itself (1006). Messages that come in fragments are reassembled here
     * ({@link MessageAssembly}), never by Vert.x.
     */
    public static int backstopBytes(NodeConfig.Limits limits) {
        return (int) Math.min(Integer.MAX_VALUE, 2L * limits.subscribeMaxFrameBytes());
    }

    public record Request(Set<String> channels, JsonArray names, long after) {}

    /** Parses and checks the query; throws {@link ApiException} for a bad one. */
    public Request parse(HttpServerRequest request) {
        String channelsParam = request.getParam("channels");
        if (channelsParam == null || channelsParam.isBlank()) {
            throw ApiException.badRequest("invalid_parameter", "channels is required: channels=a,b or channels=*");
        }
        NodeConfig.Limits limits = service.config().limits();
        // the Origin allow-list was checked for every /v1 route (HttpApi#refuseForeignOrigin)
        Set<String> channels = null;
        JsonArray names = new JsonArray();
        if (channelsParam.trim().equals("*")) {
            names.add("*");
        } else {
            channels = new LinkedHashSet<>();
            String[] parts = channelsParam.split(",");
            if (parts.length > limits.subscribeMaxChannels()) {
                throw ApiException.badRequest("too_many_channels", "a subscription names at most "
                        + limits.subscribeMaxChannels() + " channels (subscribe.maxChannels), got " + parts.length);
            }
            for (String part : parts) {
                channels.add(Validation.channel(part.trim()));
            }
            channels.forEach(names::add);
        }
        long head = service.log().headSeq();
        long after = Validation.nonNegative("after", request.getParam("after"), head);
        if (after > head + MAX_AHEAD) {
            throw ApiException.badRequest("invalid_parameter", "after=" + after + " is beyond this log's head " + head);
        }
        return new Request(channels, names, after);
    }

    public void handle(RoutingContext ctx, Request request, Access.Grant grant) {
        ctx.request().toWebSocket().onSuccess(socket -> run(socket, request, grant))
                .onFailure(e -> {
                    if (!ctx.response().ended()) {
                        ApiException error = ApiException.badRequest("websocket_required", "upgrade to a WebSocket: " + e.getMessage());
                        ctx.response().setStatusCode(400).putHeader("content-type", "application/json").end(error.body().encode());
                    }
                });
    }

    private void run(ServerWebSocket socket, Request request, Access.Grant grant) {
        socket.setWriteQueueMaxSize(1024 * 1024);
        Subscriber subscriber = new Subscriber(socket, service.log(), hub, request.channels(),
                request.after(), service.config().maxQueuedFrames(), service.config().limits().subscribeMaxQueuedBytes());
        socket.exceptionHandler(e -> subscriber.onSocketClosed());
        MessageAssembly assembly = new MessageAssembly(service.config().limits().subscribeMaxFrameBytes(), bodies);
        socket.closeHandler(v -> {
            assembly.discard();
            subscriber.onSocketClosed();
        });
        socket.frameHandler(frame -> {
            MessageAssembly.Outcome outcome = assembly.add(frame);
            switch (outcome) {
                case TEXT -> onClientFrame(socket, assembly.take(), grant);
                case BINARY -> reply(socket, ApiException.badRequest("invalid_frame", "frames are JSON text").frame(null));
                // nothing of it is read: closed as RFC 6455 says for a message too big to process
                case TOO_BIG -> socket.close((short) 1009, "a client message holds at most "
                        + service.config().limits().subscribeMaxFrameBytes() + " bytes");
                case NO_ROOM -> socket.close((short) 1013, "the node is reassembling too many client messages"
                        + " (http.maxBufferedBodyBytes); try again later");
                default -> { } // a fragment kept, or a control frame Vert.x answered
            }
        });
        subscriber.start(request.names());
    }

    private void onClientFrame(ServerWebSocket socket, String text, Access.Grant grant) {
        JsonObject frame;
        try {
            Object parsed = Json.decodeValue(text);
            if (!(parsed instanceof JsonObject object)) {
                throw new DecodeException("not an object");
            }
            frame = object;
        } catch (DecodeException e) {
            reply(socket, ApiException.badRequest("invalid_json", "a client frame is a JSON object").frame(null));
            return;
        }
        String id = frame.getValue("id") == null ? null : String.valueOf(frame.getValue("id"));
        if (!"publish".equals(frame.getValue("type"))) {
            reply(socket, ApiException.badRequest("invalid_frame", "unknown frame type " + frame.getValue("type")).frame(id));
            return;
        }
        String address = socket.remoteAddress() == null ? "" : socket.remoteAddress().hostAddress();
        ApiException limited = rates.admit(address, grant.bearer(), 1);
        if (limited != null) {
            reply(socket, limited.withDetail("retryAfter", limited.retryAfterSeconds).frame(id));
            return;
        }
        try {
            JsonObject publish = frame;
            PublishItem item = service.validator().clientItem(frame.getValue("channel") instanceof String s ? s : null,
                    frame.getValue("key") instanceof String s ? s : null, () -> {
                        if (!publish.containsKey("data")) {
                            throw ApiException.badRequest("invalid_frame", "a publish frame carries data");
                        }
                        return Json.encode(publish.getValue("data"));
                    }, grant::mayPublish);
            if (frame.containsKey("expectOffset")) {
                Object expected = frame.getValue("expectOffset");
                if (!(expected instanceof Integer || expected instanceof Long) || ((Number) expected).longValue() < 0) {
                    throw ApiException.badRequest("invalid_frame", "expectOffset must be an integer of at least 0, got "
                            + Json.encode(expected));
                }
                ApiException unsupported = conditionalSupport.get();
                if (unsupported != null) {
                    throw unsupported;
                }
                item = item.expecting(((Number) expected).longValue()); // conditional publish, as If-Channel-Offset
            }
            String channel = item.channel();
            Future<List<io.paxcast.broadcast.log.PublishResult>> result = service.publish(List.of(item));
            result.onSuccess(r -> {
                        write(socket, ackFrame(id, channel, r.get(0)));
                    })
                    .onFailure(e -> reply(socket, (e instanceof ApiException api ? api
                            : new ApiException(500, "internal", e.toString())).frame(id)));
        } catch (ApiException e) {
            reply(socket, e.frame(id));
        }
    }

    /**
     * {@code {"type":"ack","id":..,"seq":..,"offset":..,"channel":..,"ts":..}}, written directly: one per
     * publish, on the thread that applies every decided group, where building a JsonObject and encoding
     * it through Jackson was a third of the ack's cost. Channel names need no escaping ([A-Za-z0-9._-]).
     */
    static String ackFrame(String id, String channel, io.paxcast.broadcast.log.PublishResult result) {
        return new StringBuilder(96 + channel.length() + (id == null ? 4 : id.length()))
                .append("{\"type\":\"ack\",\"id\":").append(id == null ? "null" : Json.encode(id))
                .append(",\"seq\":").append(result.seq())
                .append(",\"offset\":").append(result.offset())
                .append(",\"channel\":\"").append(channel)
                .append("\",\"ts\":").append(result.ts()).append('}').toString();
    }

    /**
     * An answer to the client's own frame. A client that sends frames and never reads the answers would
     * grow the socket's write queue without bound: once it is full the socket is closed as a slow consumer.
     */
    private static void reply(ServerWebSocket socket, JsonObject frame) {
        write(socket, frame.encode());
    }

    private static void write(ServerWebSocket socket, String frame) {
        if (socket.isClosed()) {
            return;
        }
        if (socket.writeQueueFull()) {
            socket.close((short) 1008, "slow_consumer: answers to this client's frames are not read");
            return;
        }
        socket.writeTextMessage(frame);
    }
}
