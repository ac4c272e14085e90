package io.paxcast.broadcast;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** With {@code auth.jwtSecret} set, a bearer may publish and subscribe only where its claims allow. */
class AuthTest {
    static final String SECRET = "a-test-secret-long-enough-for-hs256-0123456789";
    @TempDir
    static Path dataDir;
    static InProcessNode node;
    static JWTAuth issuer;
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        node = new InProcessNode(dataDir, new JsonObject().put("auth.jwtSecret", SECRET));
        issuer = JWTAuth.create(node.vertx, new JWTAuthOptions()
                .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(SECRET)));
        await().atMost(Duration.ofSeconds(20)).until(() -> send("GET", "/ready", null, null).statusCode() == 200);
    }

    @AfterAll
    static void stop() throws Exception {
        node.close();
    }

    static String token(JsonArray pub, JsonArray sub) {
        return issuer.generateToken(new JsonObject().put("pub", pub).put("sub", sub));
    }

    static HttpResponse<String> send(String method, String path, String body, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json");
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static void assertError(HttpResponse<String> r, int status, String code) {
        assertEquals(status, r.statusCode(), r.body());
        assertEquals(code, new JsonObject(r.body()).getJsonObject("error").getString("code"), r.body());
    }

    @Test
    void withoutATokenNothingButClusterHealthAndReadiness() throws Exception {
        assertError(send("POST", "/v1/channels/room-1/messages", "1", null), 401, "unauthorized");
        assertError(send("GET", "/v1/messages", null, null), 401, "unauthorized");
        assertError(send("GET", "/v1/subscribe?channels=room-1", null, null), 401, "unauthorized");
        assertError(send("POST", "/v1/channels/room-1/messages", "1", "not.a.jwt"), 401, "unauthorized");
        assertEquals(200, send("GET", "/v1/cluster", null, null).statusCode());
        assertEquals(200, send("GET", "/health", null, null).statusCode());
    }

    @Test
    void aProofIsReadableOnlyWithTheRightToReadItsChannelAndA403NamesNoChannel() throws Exception {
        String writer = token(new JsonArray().add("*"), new JsonArray().add("*"));
        HttpResponse<String> secret = send("POST", "/v1/channels/secret-plans/messages", "{\"p\":1}", writer);
        assertEquals(201, secret.statusCode(), secret.body());
        long seq = new JsonObject(secret.body()).getLong("seq");
        String roomsOnly = token(new JsonArray(), new JsonArray().add("room-*"));
        HttpResponse<String> refused = send("GET", "/v1/messages/" + seq + "/proof", null, roomsOnly);
        assertError(refused, 403, "forbidden");
        assertFalse(refused.body().contains("secret-plans"), "a 403 must not name the channel: " + refused.body());
        assertError(send("GET", "/v1/messages/" + seq + "/proof", null, null), 401, "unauthorized");
        HttpResponse<String> allowed = send("GET", "/v1/messages/" + seq + "/proof", null, writer);
        assertEquals(200, allowed.statusCode(), allowed.body());
        assertEquals("secret-plans", new JsonObject(allowed.body()).getString("channel"));
    }

    @Test
    void claimsLimitWhereABearerMayPublishAndRead() throws Exception {
        String roomsOnly = token(new JsonArray().add("room-*"), new JsonArray().add("room-1"));
        assertEquals(201, send("POST", "/v1/channels/room-7/messages", "{\"ok\":1}", roomsOnly).statusCode());
        assertError(send("POST", "/v1/channels/admin/messages", "1", roomsOnly), 403, "forbidden");
        assertError(send("POST", "/v1/messages", "[{\"channel\":\"room-1\",\"data\":1},{\"channel\":\"admin\",\"data\":2}]",
                roomsOnly), 403, "forbidden");
        assertEquals(200, send("GET", "/v1/channels/room-1/messages", null, roomsOnly).statusCode());
        assertError(send("GET", "/v1/channels/room-7/messages", null, roomsOnly), 403, "forbidden");
        assertError(send("GET", "/v1/messages", null, roomsOnly), 403, "forbidden");
        String everything = token(new JsonArray().add("*"), new JsonArray().add("*"));
        assertEquals(200, send("GET", "/v1/messages", null, everything).statusCode());
    }
}
