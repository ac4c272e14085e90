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

import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Who may publish and subscribe where (docs/API.md, "Authentication"). With no secret and no JWKS file
 * configured every request is allowed (the node logs that it runs open). Otherwise a request carries a
 * JWT (HS256 with {@code auth.jwtSecret}, or signed by a key of {@code auth.jwksFile}, RS256 or ES256) ({@code Authorization: Bearer <JWT>}, or {@code ?token=<JWT>} on the WebSocket URL) whose claims
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

    private static final Logger log = LoggerFactory.getLogger(Access.class);

    private final Vertx vertx;
    private final String secret;
    private final Path jwksFile;
    private final String issuer;
    private final String audience;
    /** Rebuilt when the JWKS file changes; read on the node's context. */
    private volatile JWTAuth jwt;
    private String jwksVersion = "";
    private String failedVersion = "";
    private volatile long reloadFailures;
    private long reloadTimer = -1;

    /** HS256 with {@code secret} only (blank: the node runs open). */
    public Access(Vertx vertx, String secret) {
        this(vertx, secret, null, 0);
    }

    /**
     * HS256 with {@code secret} (blank: none) and the public keys of {@code jwksFile} (null: none),
     * which is looked at every {@code reloadSeconds}: a changed file replaces the keys (a rotated key
     * verifies from then on, a removed one no longer); a file that does not parse keeps the keys there
     * were and is logged. With neither, the node runs open.
     */
    public Access(Vertx vertx, String secret, Path jwksFile, int reloadSeconds) {
        this(vertx, secret, jwksFile, reloadSeconds, "", "");
    }

    /** The same, and when non-blank, a token's {@code iss} must be {@code issuer} and its {@code aud} name {@code audience}. */
    public Access(Vertx vertx, String secret, Path jwksFile, int reloadSeconds, String issuer, String audience) {
        this.issuer = issuer == null ? "" : issuer;
        this.audience = audience == null ? "" : audience;
        this.vertx = vertx;
        this.secret = secret == null ? "" : secret;
        this.jwksFile = jwksFile;
        if (jwksFile != null) {
            reloadJwks(true);
            reloadTimer = vertx.setPeriodic(reloadSeconds * 1000L, t -> reloadJwks(false));
        } else {
            jwt = this.secret.isBlank() ? null : JWTAuth.create(vertx, options(List.of()));
        }
    }

    private JWTAuthOptions options(List<JsonObject> jwks) {
        JWTAuthOptions options = new JWTAuthOptions();
        io.vertx.ext.auth.JWTOptions checks = new io.vertx.ext.auth.JWTOptions();
        if (!issuer.isBlank()) {
            checks.setIssuer(issuer);
        }
        if (!audience.isBlank()) {
            checks.addAudience(audience);
        }
        options.setJWTOptions(checks);
        if (!secret.isBlank()) {
            options.addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(secret));
        }
        jwks.forEach(options::addJwk);
        return options;
    }

    /** Reads the JWKS file if it changed (size and time); at start a bad file fails the node's start. */
    private void reloadJwks(boolean atStart) {
        String version = null;
        List<JsonObject> keys;
        try {
            version = Files.size(jwksFile) + "@" + Files.getLastModifiedTime(jwksFile).toMillis();
            if (version.equals(jwksVersion) || version.equals(failedVersion)) {
                return; // counted once: a broken file is looked at again only once it changes
            }
            keys = parseJwks(Files.readString(jwksFile));
            JWTAuth rebuilt = JWTAuth.create(vertx, options(keys));
            jwt = rebuilt;
        } catch (IOException | RuntimeException e) {
            if (atStart) {
                throw new IllegalStateException("auth.jwksFile " + jwksFile + ": " + e.getMessage(), e);
            }
            reloadFailures++;
            failedVersion = version;
            log.warn("event=jwks_not_reloaded file={} keeps=previous_keys error=\"{}\"", jwksFile, e.getMessage());
            return;
        }
        jwksVersion = version;
        log.info("event=jwks_loaded file={} keys={} kids={}", jwksFile, keys.size(),
                keys.stream().map(k -> k.getString("kid", "?")).toList());
    }

    /** The keys of a JWKS document; each needs kty and alg. */
    static List<JsonObject> parseJwks(String text) {
        JsonObject doc = new JsonObject(text);
        JsonArray keys = doc.getJsonArray("keys");
        if (keys == null || keys.isEmpty()) {
            throw new IllegalArgumentException("a JWKS file is {\"keys\": [<jwk>, ...]} with at least one key");
        }
        List<JsonObject> out = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            JsonObject key = keys.getJsonObject(i);
            if (key.getString("kty") == null || key.getString("alg") == null) {
                throw new IllegalArgumentException("key " + i + " needs \"kty\" and \"alg\" (for example RSA and RS256)");
            }
            out.add(key);
        }
        return out;
    }

    /** Times a changed JWKS file could not be used (the keys before it stayed). */
    public long jwksReloadFailures() {
        return reloadFailures;
    }

    /** Stops looking at the JWKS file. */
    public void close() {
        if (reloadTimer >= 0) {
            vertx.cancelTimer(reloadTimer);
        }
    }

    public boolean open() {
        return jwt == null;
    }

    /** The grant of a bearer token; fails with 401 {@code unauthorized} for a missing or bad one. */
    public Future<Grant> grant(String token) {
        JWTAuth jwt = this.jwt;
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
