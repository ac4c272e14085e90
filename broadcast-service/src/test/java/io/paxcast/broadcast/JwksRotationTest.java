package io.paxcast.broadcast;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.util.Base64;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * RS256 bearer tokens verified with the keys of {@code auth.jwksFile}, and key rotation without a
 * restart: once the file names only the new key, a token of the new key is accepted and one of the
 * removed key gets 401; a file that does not parse keeps the keys there were.
 */
class JwksRotationTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    @TempDir
    Path dir;

    private static KeyPair rsa() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        return g.generateKeyPair();
    }

    private static String unsigned(BigInteger v) {
        byte[] bytes = v.toByteArray();
        if (bytes[0] == 0 && bytes.length > 1) {
            bytes = java.util.Arrays.copyOfRange(bytes, 1, bytes.length);
        }
        return B64.encodeToString(bytes);
    }

    private static JsonObject jwk(String kid, KeyPair pair) {
        RSAPublicKey key = (RSAPublicKey) pair.getPublic();
        return new JsonObject().put("kty", "RSA").put("kid", kid).put("alg", "RS256").put("use", "sig")
                .put("n", unsigned(key.getModulus())).put("e", unsigned(key.getPublicExponent()));
    }

    /** An RS256 JWT by hand (the JDK signs it): header.claims.signature, base64url. */
    private static String token(String kid, KeyPair pair) throws Exception {
        return token(kid, pair, new JsonObject());
    }

    private static String token(String kid, KeyPair pair, JsonObject extraClaims) throws Exception {
        String header = B64.encodeToString(new JsonObject().put("alg", "RS256").put("typ", "JWT").put("kid", kid)
                .encode().getBytes(StandardCharsets.UTF_8));
        String claims = B64.encodeToString(new JsonObject().put("pub", new JsonArray().add("*")).put("sub", new JsonArray().add("*"))
                .put("iat", System.currentTimeMillis() / 1000).mergeIn(extraClaims).encode().getBytes(StandardCharsets.UTF_8));
        Signature rs256 = Signature.getInstance("SHA256withRSA");
        rs256.initSign(pair.getPrivate());
        rs256.update((header + "." + claims).getBytes(StandardCharsets.US_ASCII));
        return header + "." + claims + "." + B64.encodeToString(rs256.sign());
    }

    private static int publish(InProcessNode node, String token) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port + "/v1/channels/a/messages"))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.ofString("1")).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    private static void write(Path file, String text, long stamp) throws Exception {
        Files.writeString(file, text);
        Files.setLastModifiedTime(file, FileTime.fromMillis(stamp)); // a change within the same second counts too
    }

    @Test
    void rotatedKeysVerifyWithoutARestartAndRemovedOnesNoLonger() throws Exception {
        KeyPair k1 = rsa();
        KeyPair k2 = rsa();
        Path jwks = dir.resolve("jwks.json");
        write(jwks, new JsonObject().put("keys", new JsonArray().add(jwk("k1", k1))).encode(), 1_000_000);
        JsonObject config = new JsonObject().put("auth.jwksFile", jwks.toString()).put("auth.jwksReloadSeconds", "1");
        try (InProcessNode node = new InProcessNode(dir.resolve("data"), config)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> node.status("/ready") == 200);
            String old = token("k1", k1);
            String rotated = token("k2", k2);
            assertEquals(201, publish(node, old));
            assertEquals(401, publish(node, rotated), "k2 is not in the file yet");
            assertEquals(401, publish(node, old.substring(0, old.length() - 4) + "AAAA"), "a forged signature");

            write(jwks, new JsonObject().put("keys", new JsonArray().add(jwk("k1", k1)).add(jwk("k2", k2))).encode(), 2_000_000);
            await("k2 accepted").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
                    .until(() -> publish(node, rotated) == 201);
            assertEquals(201, publish(node, old), "both keys during the rotation");

            write(jwks, new JsonObject().put("keys", new JsonArray().add(jwk("k2", k2))).encode(), 3_000_000);
            await("k1 refused").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
                    .until(() -> publish(node, old) == 401);

            write(jwks, "{not json", 4_000_000);
            await("the broken file is seen").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
                    .until(() -> node.metric("paxcast_auth_jwks_reload_failures") >= 1);
            assertEquals(201, publish(node, rotated), "a broken file keeps the keys there were");
            assertEquals(401, publish(node, old));
        }
    }

    @Test
    void withAnIssuerAndAnAudienceConfiguredOnlyTheirTokensAreAccepted() throws Exception {
        KeyPair k1 = rsa();
        Path jwks = dir.resolve("jwks.json");
        write(jwks, new JsonObject().put("keys", new JsonArray().add(jwk("k1", k1))).encode(), 1_000_000);
        JsonObject config = new JsonObject().put("auth.jwksFile", jwks.toString())
                .put("auth.jwtIssuer", "https://idp.example").put("auth.jwtAudience", "paxcast");
        try (InProcessNode node = new InProcessNode(dir.resolve("data"), config)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> node.status("/ready") == 200);
            JsonObject right = new JsonObject().put("iss", "https://idp.example").put("aud", "paxcast");
            assertEquals(201, publish(node, token("k1", k1, right)));
            assertEquals(401, publish(node, token("k1", k1, right.copy().put("iss", "https://other.example"))),
                    "another issuer");
            assertEquals(401, publish(node, token("k1", k1, right.copy().put("aud", "another-service"))),
                    "another audience");
            assertEquals(401, publish(node, token("k1", k1)), "no iss, no aud");
        }
    }
}
