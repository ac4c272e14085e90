package io.paxcast.broadcast.auth;

import io.paxcast.broadcast.api.ApiException;
import io.paxcast.broadcast.api.ChannelPatterns;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;

import java.util.List;

/**
 * Who may publish and subscribe where (docs/API.md, "Authentication"). With no secret configured every
 * request is allowed (the node logs that it runs open). With a secret, a request carries an HS256
 * JWT ({@code Authorization: Bearer <JWT>}, or {@code ?token=<JWT>} on the WebSocket URL) whose claims
 * {@code pub} and {@code sub} list channel patterns: {@code room-*} (a prefix), {@code *} (all), or an
 * exact name. Reading the global log or subscribing to {@code *} needs {@code sub: ["*"]}; the admin routes
 * ({@code /v1/admin/*}, membership change) need {@code admin: true}.
 */
public final class Access {

    /**
     * What one bearer may do. {@code bearer} names the token for per-token limits (a digest of it, so
     * no secret is kept), null when the node runs open.
     */
    public record Grant(List<String> pub, List<String> sub, boolean admin, String bearer) {
        public static final Grant ALL = new Grant(List.of("*"), List.of("*"), true, null);

        public boolean mayPublish(String channel) {
            return new ChannelPatterns(pub).matches(channel);
        }

        public boolean maySubscribe(String channel) {
            return new ChannelPatterns(sub).matches(channel);
        }

        /** Every channel at once (the global log, {@code channels=*}). */
        public boolean maySubscribeToAll() {
            return sub.contains("*");
        }
    }

    private final JWTAuth jwt;

    public Access(Vertx vertx, String secret) {
        this.jwt = secret == null || secret.isBlank() ? null : JWTAuth.create(vertx, new JWTAuthOptions()
                .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(secret)));
    }

    public boolean open() {
        return jwt == null;
    }

    /** The grant of a bearer token; fails with 401 {@code unauthorized} for a missing or bad one. */
    public Future<Grant> grant(String token) {
        if (jwt == null) {
            return Future.succeededFuture(Grant.ALL);
        }
        if (token == null || token.isBlank()) {
            return Future.failedFuture(new ApiException(401, "unauthorized",
                    "a bearer token is required: Authorization: Bearer <JWT> (or ?token=<JWT> on the WebSocket URL)"));
        }
        return jwt.authenticate(new TokenCredentials(token))
                .map(user -> new Grant(patterns(user.principal().getValue("pub")), patterns(user.principal().getValue("sub")),
                        Boolean.TRUE.equals(user.principal().getValue("admin")), digest(token)))
                .recover(e -> Future.failedFuture(new ApiException(401, "unauthorized", "invalid token: " + e.getMessage())));
    }

    /** A short digest of a token: what per-token limits key on. */
    private static String digest(String token) {
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(token.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(d, 0, 16);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> patterns(Object claim) {
        if (claim instanceof JsonArray array) {
            return array.stream().map(String::valueOf).toList();
        }
        return claim instanceof String s ? List.of(s) : List.of();
    }

    public static ApiException forbidden(String what) {
        return new ApiException(403, "forbidden", "the token does not allow " + what);
    }
}
