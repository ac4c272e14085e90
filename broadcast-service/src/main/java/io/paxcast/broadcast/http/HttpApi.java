package io.paxcast.broadcast.http;

import io.paxcast.broadcast.auth.Access;
import io.paxcast.broadcast.api.ApiException;
import io.paxcast.broadcast.service.BroadcastService;
import io.paxcast.broadcast.api.Validation;
import io.paxcast.broadcast.log.PublishItem;
import io.paxcast.broadcast.log.PublishResult;
import io.paxcast.broadcast.log.ChainProof;
import io.paxcast.broadcast.log.OffsetExpired;
import io.paxcast.broadcast.log.PublishedMessage;
import io.paxcast.broadcast.ws.SubscriptionGateway;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.paxcast.broadcast.cluster.MembershipAdmin;
import io.vertx.ext.web.handler.CorsHandler;
import io.vertx.ext.web.handler.StaticHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The HTTP side of the wire contract (docs/API.md): publish, history, cluster, health, readiness,
 * metrics, the subscribe upgrade and the static pages. Every error is the documented JSON shape.
 *
 * <p>{@code /v1/*} answers CORS requests from any origin (GET, POST, OPTIONS; request headers
 * Content-Type and Idempotency-Key), so a page served by one node, such as the chat at
 * {@code /chat/}, can publish to and read from another node when its own node is gone.
 */
public final class HttpApi {
    private static final Logger log = LoggerFactory.getLogger(HttpApi.class);
    private static final String JSON = "application/json";

    private final BroadcastService service;
    private final SubscriptionGateway gateway;
    private final Supplier<Map<String, JsonObject>> peers;
    private final Handler<RoutingContext> metricsHandler;
    private final Access access;
    private final BodyBudget bodies;
    private final PublishRateLimiter rates;
    private final io.paxcast.broadcast.status.StatusStream status;
    /** Null while every live member can apply a conditional publish, else the refusal. */
    private final Supplier<ApiException> conditionalSupport;
    private final MembershipAdmin admin;

    public HttpApi(BroadcastService service, SubscriptionGateway gateway, Supplier<Map<String, JsonObject>> peers,
                   Handler<RoutingContext> metricsHandler, Access access, MembershipAdmin admin, PublishRateLimiter rates,
                   io.paxcast.broadcast.status.StatusStream status, Supplier<ApiException> conditionalSupport) {
        this.status = status;
        this.conditionalSupport = conditionalSupport;
        this.access = access;
        this.rates = rates;
        this.admin = admin;
        this.bodies = gateway.bodies(); // one budget for request bodies and reassembled WebSocket messages
        this.service = service;
        this.gateway = gateway;
        this.peers = peers;
        this.metricsHandler = metricsHandler;
    }

    public Router router(Vertx vertx) {
        Router router = Router.router(vertx);
        router.route("/v1/*").handler(this::refuseWhenStopped);
        // the browser origins of subscribe.allowedOrigins, or any (*): the same list for CORS as for WebSockets
        java.util.Set<String> origins = service.config().limits().allowedOrigins();
        CorsHandler cors = CorsHandler.create();
        if (origins.isEmpty()) {
            cors.addOrigin("*");
        } else {
            cors.addOrigins(List.copyOf(origins));
        }
        router.route("/v1/*").handler(this::refuseForeignOrigin); // before CORS, which would answer a bare 500
        router.route("/v1/*").handler(cors
                .allowedMethods(Set.of(HttpMethod.GET, HttpMethod.POST, HttpMethod.OPTIONS))
                .allowedHeaders(Set.of("Content-Type", "Idempotency-Key", "Authorization", IF_CHANNEL_OFFSET))
                .exposedHeader("Retry-After"));
        router.route("/v1/*").handler(this::authenticate);
        int payloadLimit = service.config().maxPayloadBytes();
        int requestLimit = service.config().maxRequestBytes();
        // admission first, on routes of their own: a refused publish is answered before its body is read
        router.post("/v1/channels/:channel/messages").handler(this::refuseWhenOverloaded).handler(bodies.before(payloadLimit));
        router.post("/v1/messages").handler(this::refuseWhenOverloaded).handler(bodies.before(requestLimit));
        router.post("/v1/channels/:channel/messages")
                .handler(BodyHandler.create(false).setBodyLimit(payloadLimit))
                .handler(this::publishOne);
        router.post("/v1/messages")
                .handler(BodyHandler.create(false).setBodyLimit(requestLimit))
                .handler(this::publishBatch);
        router.get("/v1/channels/:channel/messages").handler(this::awaitMinSeq).handler(this::channelHistory);
        router.get("/v1/messages").handler(this::awaitMinSeq).handler(this::globalHistory);
        router.get("/v1/messages/:seq/proof").handler(this::proof);
        router.get("/v1/subscribe").handler(this::awaitMinSeq).handler(this::subscribe);
        router.get("/v1/head").handler(this::head);
        router.get("/v1/cluster").handler(ctx -> json(ctx, 200, service.clusterView(peers.get())));
        router.route("/v1/admin/*").handler(HttpApi::requireAdmin);
        router.get("/v1/admin/members").handler(ctx -> json(ctx, 200, admin.members()));
        router.get("/v1/admin/status").handler(ctx -> json(ctx, 200, "true".equals(ctx.request().getParam("history"))
                ? status.withHistory() : status.status()));
        router.get("/v1/admin/status/stream").handler(ctx -> {
            String upgrade = ctx.request().getHeader(HttpHeaders.UPGRADE);
            if (upgrade == null || !upgrade.equalsIgnoreCase("websocket")) {
                throw ApiException.badRequest("websocket_required", "GET /v1/admin/status/stream upgrades to a WebSocket");
            }
            status.handle(ctx); // its Origin was checked with every /v1 route's (refuseForeignOrigin)
        });
        router.post("/v1/admin/members").handler(BodyHandler.create(false).setBodyLimit(4096)).handler(this::addMember);
        router.delete("/v1/admin/members/:id").handler(ctx -> {
            String id = memberId(ctx.pathParam("id"));
            answerWithin(ctx, admin.remove(id), "removing " + id);
        });
        router.get("/health").handler(ctx -> json(ctx, 200, new JsonObject().put("status", "ok")
                .put("node", service.config().nodeId())));
        router.get("/ready").handler(this::ready);
        router.get("/metrics").handler(metricsHandler);
        router.route("/v1/*").handler(ctx -> {
            throw new ApiException(404, "not_found", "no route " + ctx.request().method() + " " + ctx.request().path());
        });
        router.get("/chat").handler(HttpApi::chatWithSlash);
        router.get("/dashboard").handler(ctx -> {
            if (!ctx.request().path().equals("/dashboard")) {
                ctx.next();
                return;
            }
            String query = ctx.request().query(); // ?token= goes along
            ctx.response().setStatusCode(301).putHeader(HttpHeaders.LOCATION,
                    "/dashboard/" + (query == null || query.isEmpty() ? "" : "?" + query)).end();
        });
        router.route().method(HttpMethod.GET).handler(StaticHandler.create("webroot").setCachingEnabled(false));
        router.route().handler(ctx -> {
            throw new ApiException(404, "not_found", "no route " + ctx.request().method() + " " + ctx.request().path());
        });
        router.route().failureHandler(this::failure);
        return router;
    }

    // ---------------------------------------------------------------- admission

    /** A node that stopped (it could not apply the log) serves nothing but its cluster view. */
    private void refuseWhenStopped(RoutingContext ctx) {
        if (service.failure() != null && !ctx.request().path().equals("/v1/cluster")) {
            throw new ApiException(503, "node_failed", "this node stopped: " + service.failure() + "; use another node", 5);
        }
        ctx.next();
    }

    /**
     * A browser page from an origin outside {@code subscribe.allowedOrigins} gets {@code 403
     * origin_forbidden} on every route of the API; a request without {@code Origin} (no browser) passes.
     */
    private void refuseForeignOrigin(RoutingContext ctx) {
        String origin = ctx.request().getHeader("Origin");
        if (!service.config().limits().originAllowed(origin == null ? null : origin.toLowerCase(java.util.Locale.ROOT))) {
            throw new ApiException(403, "origin_forbidden", "pages from origin " + origin
                    + " may not use this API (subscribe.allowedOrigins)");
        }
        ctx.next();
    }

    /** Past the node's publish bounds, a publish is refused before its body is read. */
    private void refuseWhenOverloaded(RoutingContext ctx) {
        ApiException overloaded = service.overloaded();
        if (overloaded == null) {
            overloaded = rates.admit(clientAddress(ctx), grant(ctx).bearer(), 1);
        }
        if (overloaded != null) {
            ctx.response().putHeader(HttpHeaders.CONNECTION, "close"); // the body stays unread
            throw overloaded;
        }
        ctx.next();
    }

    private static String clientAddress(RoutingContext ctx) {
        return ctx.request().remoteAddress() == null ? "" : ctx.request().remoteAddress().hostAddress();
    }

    /**
     * Read-your-writes: with {@code minSeq=<seq>} the read (history, or a subscription's start) goes on
     * only once this node has applied {@code seq}, waiting at most {@code read.maxWaitMillis}. A client
     * that published through another node passes the {@code seq} it got back and reads its own write.
     */
    private void awaitMinSeq(RoutingContext ctx) {
        String text = ctx.request().getParam("minSeq");
        if (text == null) {
            ctx.next();
            return;
        }
        long minSeq = Validation.nonNegative("minSeq", text, 0);
        Future<Void> applied = service.appliedAtLeast(minSeq);
        if (applied.isComplete()) {
            if (applied.failed()) {
                throw (RuntimeException) applied.cause();
            }
            ctx.next();
            return;
        }
        ctx.request().pause(); // a WebSocket upgrade must not read ahead of its handler
        applied.onComplete(ar -> {
            ctx.request().resume();
            if (ar.failed()) {
                ctx.fail(ar.cause());
            } else {
                ctx.next();
            }
        });
    }

    // ---------------------------------------------------------------- access

    private static final String GRANT = "paxcast.grant";

    /** Resolves the bearer's grant (401 for a missing or bad token when a secret is set); /v1/cluster stays open. */
    private void authenticate(RoutingContext ctx) {
        if (access.open() || ctx.request().path().equals("/v1/cluster")) {
            ctx.put(GRANT, Access.Grant.ALL);
            ctx.next();
            return;
        }
        String header = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
        String token = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).trim()
                : ctx.request().getParam("token");
        access.grant(token).onSuccess(grant -> {
            ctx.put(GRANT, grant);
            ctx.next();
        }).onFailure(ctx::fail);
    }

    /** Membership change needs a token with the {@code admin} claim when auth is on. */
    private static void requireAdmin(RoutingContext ctx) {
        if (!grant(ctx).admin()) {
            throw new ApiException(403, "forbidden", "the admin routes need a token with the claim \"admin\": true");
        }
        ctx.next();
    }

    // ---------------------------------------------------------------- membership

    private static final java.util.regex.Pattern MEMBER_ID = java.util.regex.Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    private static final java.util.regex.Pattern ADDRESS = java.util.regex.Pattern.compile("[A-Za-z0-9_.:\\[\\]-]{1,255}:[0-9]{1,5}");

    private void addMember(RoutingContext ctx) {
        if (!(parseJson(ctx.body().buffer()) instanceof JsonObject body)) {
            throw ApiException.badRequest("invalid_member", "the body is {\"id\", \"address\"?, \"role\"?: \"voter\" | \"learner\"}");
        }
        String id = memberId(body.getValue("id") instanceof String s ? s : null);
        Object role = body.getValue("role", "voter");
        if (!"voter".equals(role) && !"learner".equals(role)) {
            throw ApiException.badRequest("invalid_member", "role is \"voter\" or \"learner\", got " + role);
        }
        Object address = body.getValue("address");
        if (address != null && !(address instanceof String a && ADDRESS.matcher(a).matches())) {
            throw ApiException.badRequest("invalid_member", "address is host:port, got " + address);
        }
        answerWithin(ctx, admin.add(id, (String) role), "adding " + id + " as a " + role);
    }

    /**
     * A membership change can take longer than a client (or this server's read-idle timeout) waits: a
     * voter to add first catches up. Done within {@link #ADMIN_ANSWER_MILLIS}: 200 with the members;
     * else 202 with the members so far and what goes on, which goes on (GET /v1/admin/members tells
     * when it is done; a failure after the 202 is logged).
     */
    private void answerWithin(RoutingContext ctx, io.vertx.core.Future<JsonObject> change, String what) {
        long timer = ctx.vertx().setTimer(ADMIN_ANSWER_MILLIS, t -> {
            if (!ctx.response().ended()) {
                json(ctx, 202, admin.members().put("inProgress", what));
            }
        });
        change.onComplete(ar -> {
            ctx.vertx().cancelTimer(timer);
            if (ctx.response().ended()) {
                if (ar.failed()) {
                    log.warn("event=membership_change_failed change=\"{}\" error=\"{}\"", what, ar.cause().getMessage());
                }
            } else if (ar.succeeded()) {
                json(ctx, 200, ar.result());
            } else {
                ctx.fail(ar.cause());
            }
        });
    }

    private static final long ADMIN_ANSWER_MILLIS = 5000;

    private static String memberId(String id) {
        if (id == null || !MEMBER_ID.matcher(id).matches()) {
            throw ApiException.badRequest("invalid_member", "a member id is 1..64 of [A-Za-z0-9_.-], got " + id);
        }
        return id;
    }

    private static Access.Grant grant(RoutingContext ctx) {
        Access.Grant grant = ctx.get(GRANT);
        return grant == null ? Access.Grant.ALL : grant;
    }

    // ---------------------------------------------------------------- publish

    private void publishOne(RoutingContext ctx) {
        PublishItem item = service.validator().clientItem(ctx.pathParam("channel"),
                ctx.request().getHeader("Idempotency-Key"), () -> canonicalJson(ctx.body().buffer()), grant(ctx)::mayPublish);
        String expected = ctx.request().getHeader(IF_CHANNEL_OFFSET);
        if (expected != null) {
            item = item.expecting(Validation.nonNegative(IF_CHANNEL_OFFSET, expected, 0));
            refuseUnlessConditionalSupported();
        }
        service.publish(List.of(item))
                .onSuccess(results -> {
                    PublishResult r = results.get(0);
                    json(ctx, r.replay() ? 200 : 201, r.toJson());
                })
                .onFailure(ctx::fail);
    }

    private void publishBatch(RoutingContext ctx) {
        Object parsed = parseJson(ctx.body().buffer());
        if (!(parsed instanceof JsonArray array)) {
            throw ApiException.badRequest("invalid_batch", "the body is a JSON array of {channel, data, key?}");
        }
        int max = service.config().maxBatchItems();
        if (array.isEmpty() || array.size() > max) {
            throw new ApiException(array.isEmpty() ? 400 : 413, array.isEmpty() ? "invalid_batch" : "batch_too_large",
                    "a batch holds 1.." + max + " items, got " + array.size());
        }
        List<PublishItem> items = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            if (!(array.getValue(i) instanceof JsonObject item)) {
                throw ApiException.badRequest("invalid_batch", "item " + i + " is not an object");
            }
            if (!item.containsKey("data")) {
                throw ApiException.badRequest("invalid_batch", "item " + i + " has no data");
            }
            Object key = item.getValue("key");
            if (key != null && !(key instanceof String)) {
                throw ApiException.badRequest("invalid_idempotency_key", "item " + i + ": key must be a string");
            }
            PublishItem valid = service.validator().clientItem(item.getValue("channel") instanceof String s ? s : null,
                    (String) key, () -> Json.encode(item.getValue("data")), grant(ctx)::mayPublish);
            if (item.containsKey("expectOffset")) {
                valid = valid.expecting(expectOffset(i, item.getValue("expectOffset")));
                refuseUnlessConditionalSupported();
            }
            items.add(valid);
        }
        rates.take(clientAddress(ctx), grant(ctx).bearer(), items.size() - 1); // admission took one
        service.publish(items).onSuccess(results -> {
            JsonArray out = new JsonArray();
            results.forEach(r -> out.add(r.toJson()));
            json(ctx, 201, new JsonObject().put("results", out));
        }).onFailure(ctx::fail);
    }

    /** Conditional publish: the channel offset a message must follow (docs/API.md, "Conditional publish"). */
    private static final String IF_CHANNEL_OFFSET = "If-Channel-Offset";

    private void refuseUnlessConditionalSupported() {
        ApiException unsupported = conditionalSupport.get();
        if (unsupported != null) {
            throw unsupported;
        }
    }

    /** A batch item's {@code expectOffset}: an integer of at least 0, or 400 invalid_batch. */
    private static long expectOffset(int i, Object value) {
        if (value instanceof Number n && (value instanceof Integer || value instanceof Long) && n.longValue() >= 0) {
            return n.longValue();
        }
        throw ApiException.badRequest("invalid_batch", "item " + i + ": expectOffset must be an integer of at least 0, got "
                + Json.encode(value));
    }

    /** The body as compact JSON text, or 400 invalid_json. */
    private static String canonicalJson(Buffer body) {
        return Json.encode(parseJson(body));
    }

    private static Object parseJson(Buffer body) {
        if (body == null || body.length() == 0) {
            throw ApiException.badRequest("invalid_json", "the body is empty; send a JSON value");
        }
        try {
            return Json.decodeValue(body);
        } catch (DecodeException e) {
            throw ApiException.badRequest("invalid_json", "the body is not valid JSON: " + describe(e));
        } catch (RuntimeException | StackOverflowError e) {
            throw ApiException.badRequest("invalid_json", "the body cannot be parsed as JSON: " + describe(e));
        }
    }

    // ---------------------------------------------------------------- reads

    private void channelHistory(RoutingContext ctx) {
        String channel = Validation.channel(ctx.pathParam("channel"));
        if (!grant(ctx).maySubscribe(channel)) {
            throw Access.forbidden("reading " + channel);
        }
        long after = Validation.nonNegative("after", ctx.request().getParam("after"), 0);
        int limit = Validation.limit(ctx.request().getParam("limit"), 1000);
        List<PublishedMessage> page;
        try {
            page = service.log().channel(channel, after, limit);
        } catch (OffsetExpired e) {
            throw ApiException.offsetExpired(e.getMessage(), e.earliest);
        }
        long next = page.isEmpty() ? after : page.get(page.size() - 1).offset();
        json(ctx, 200, historyPage(page, next));
    }

    private void globalHistory(RoutingContext ctx) {
        if (!grant(ctx).maySubscribeToAll()) {
            throw Access.forbidden("reading the global log (it needs sub: [\"*\"])");
        }
        long after = Validation.nonNegative("after", ctx.request().getParam("after"), 0);
        int limit = Validation.limit(ctx.request().getParam("limit"), 1000);
        List<PublishedMessage> page;
        try {
            page = service.log().global(after, limit);
        } catch (OffsetExpired e) {
            throw ApiException.offsetExpired(e.getMessage(), e.earliest);
        }
        long next = page.isEmpty() ? after : page.get(page.size() - 1).seq();
        json(ctx, 200, historyPage(page, next));
    }

    /**
     * {@code GET /v1/messages/{seq}/proof}: the message at {@code seq} with the chain hash it chains from
     * and its own ({@link ChainProof}); readable by whoever may read its channel.
     */
    private void proof(RoutingContext ctx) {
        String text = ctx.pathParam("seq");
        long seq = Validation.nonNegative("seq", text, 0);
        if (seq < 1) {
            throw ApiException.badRequest("invalid_parameter", "seq must be an integer of at least 1, got '"
                    + (text.length() > 20 ? text.substring(0, 20) + "..." : text) + "'");
        }
        long head = service.log().headSeq();
        if (seq > head) {
            throw new ApiException(404, "not_found", "no message " + seq + " on this node yet (its head is " + head + ")")
                    .withDetail("headSeq", head);
        }
        ChainProof proof;
        try {
            proof = service.log().proof(seq);
        } catch (OffsetExpired e) {
            throw ApiException.offsetExpired(e.getMessage(), e.earliest);
        }
        if (!grant(ctx).maySubscribe(proof.message().channel())) {
            // not naming the channel: a token for one channel must not learn the others by walking seqs
            throw Access.forbidden("reading the message at seq " + seq);
        }
        json(ctx, 200, proof.toJson());
    }

    /**
     * {@code GET /v1/head}: the last seq this node applied, and its chain hash; with {@code linearizable=true}, one confirmed
     * through the leader and a quorum (a read barrier in the log): no publish acknowledged before the
     * request is above it.
     */
    private void head(RoutingContext ctx) {
        String text = ctx.request().getParam("linearizable");
        if (text != null && !text.equals("true") && !text.equals("false")) {
            throw ApiException.badRequest("invalid_parameter", "linearizable is true or false, got '"
                    + (text.length() > 20 ? text.substring(0, 20) + "..." : text) + "'");
        }
        if (!"true".equals(text)) {
            json(ctx, 200, new JsonObject().put("node", service.config().nodeId()).put("seq", service.log().headSeq())
                    .put("earliestSeq", service.log().earliestSeq()).put("linearizable", false)
                    .put("hash", service.log().headHash().hex()));
            return;
        }
        ApiException limited = rates.admit(clientAddress(ctx), grant(ctx).bearer(), 1); // it orders a command
        if (limited != null) {
            throw limited;
        }
        service.linearizableHead().onSuccess(seq -> {
            JsonObject head = new JsonObject().put("node", service.config().nodeId()).put("seq", seq)
                    .put("earliestSeq", service.log().earliestSeq()).put("linearizable", true);
            try {
                head.put("hash", service.log().hashAt(seq).hex());
            } catch (OffsetExpired e) {
                // retention passed it in the meantime: the head is still right, its hash is gone here
            }
            json(ctx, 200, head);
        }).onFailure(ctx::fail);
    }

    private static String historyPage(List<PublishedMessage> page, long next) {
        // built as text: the payloads are stored as JSON text already
        StringBuilder sb = new StringBuilder(64 + page.size() * 96).append("{\"messages\":[");
        for (int i = 0; i < page.size(); i++) {
            sb.append(i == 0 ? "" : ",").append(page.get(i).toJson());
        }
        return sb.append("],\"next\":").append(next).append('}').toString();
    }

    private void subscribe(RoutingContext ctx) {
        SubscriptionGateway.Request request = gateway.parse(ctx.request());
        Access.Grant grant = grant(ctx);
        if (request.channels() == null ? !grant.maySubscribeToAll()
                : !request.channels().stream().allMatch(grant::maySubscribe)) {
            throw Access.forbidden("subscribing to " + request.names().encode());
        }
        String upgrade = ctx.request().getHeader(HttpHeaders.UPGRADE);
        if (upgrade == null || !upgrade.equalsIgnoreCase("websocket")) {
            throw ApiException.badRequest("websocket_required", "GET /v1/subscribe upgrades to a WebSocket");
        }
        gateway.handle(ctx, request, grant);
    }

    private void ready(RoutingContext ctx) {
        boolean ready = service.isReady();
        JsonObject body = new JsonObject().put("ready", ready).put("node", service.config().nodeId())
                .put("commitSeq", service.log().headSeq());
        if (!ready) {
            ctx.response().putHeader("Retry-After", "1");
        }
        json(ctx, ready ? 200 : 503, body);
    }

    // ---------------------------------------------------------------- static pages

    /** {@code /chat} to {@code /chat/} (query kept), so the chat's relative links resolve. */
    private static void chatWithSlash(RoutingContext ctx) {
        if (!ctx.request().path().equals("/chat")) {
            ctx.next();
            return;
        }
        String query = ctx.request().query();
        ctx.response().setStatusCode(301)
                .putHeader(HttpHeaders.LOCATION, "/chat/" + (query == null || query.isEmpty() ? "" : "?" + query))
                .end();
    }

    // ---------------------------------------------------------------- errors

    private void failure(RoutingContext ctx) {
        Throwable cause = ctx.failure();
        ApiException error;
        if (cause instanceof ApiException api) {
            error = api;
        } else if (ctx.statusCode() == 413) {
            error = new ApiException(413, "payload_too_large", "the request body exceeds the limit of this endpoint");
        } else if (ctx.statusCode() == 400) {
            error = ApiException.badRequest("bad_request", cause == null ? "bad request" : describe(cause));
        } else if (ctx.statusCode() == 404) {
            error = new ApiException(404, "not_found", "no route " + ctx.request().path());
        } else {
            log.warn("event=request_failed path={} error=\"{}\"", ctx.request().path(), String.valueOf(cause));
            error = new ApiException(500, "internal", "internal error: " + (cause == null ? "unknown" : cause.getClass().getSimpleName()));
        }
        if (ctx.response().ended()) {
            return;
        }
        if (error.retryAfterSeconds > 0) {
            ctx.response().putHeader("Retry-After", Integer.toString(error.retryAfterSeconds));
        }
        json(ctx, error.status, error.body());
    }

    private static void json(RoutingContext ctx, int status, JsonObject body) {
        json(ctx, status, body.encode());
    }

    private static void json(RoutingContext ctx, int status, String body) {
        if (ctx.response().ended()) {
            return;
        }
        ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, JSON).end(body);
    }

    /** A parse failure in words: the message of the deepest cause that has one (never empty). */
    private static String describe(Throwable e) {
        String text = null;
        for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                text = t.getMessage();
            }
            if (t.getCause() == null) {
                break;
            }
        }
        if (e instanceof StackOverflowError) {
            return "nested too deeply";
        }
        return text == null ? e.getClass().getSimpleName() : firstLine(text);
    }

    private static String firstLine(String text) {
        if (text == null) {
            return "";
        }
        int nl = text.indexOf('\n');
        return nl < 0 ? text : text.substring(0, nl);
    }
}
