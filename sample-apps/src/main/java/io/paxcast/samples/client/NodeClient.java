package io.paxcast.samples.client;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Function;

/**
 * The HTTP half of the wire contract (docs/API.md) against a list of nodes.
 *
 * <p>Fail-over: a request goes to the current node; only when that node cannot be connected to
 * (nothing was sent, so nothing can have happened) does it move on to the next one, and the client
 * stays there. A node that answers with an error is never retried elsewhere here: the caller sees
 * the {@link ApiError}. {@link #publishReliably} is the one retrying call, and it needs an
 * idempotency key to be safe.
 *
 * <p>Threading: one instance may be shared by threads; it holds one {@link HttpClient} (and so its
 * own connections), which is why each contender or replica of the samples creates its own.
 */
public final class NodeClient {
    private final List<URI> nodes;
    private final String token;
    private final HttpClient http;
    private final Duration requestTimeout;
    private volatile int current;

    public NodeClient(List<URI> nodes, String token, Duration requestTimeout) {
        this(nodes, token, newHttpClient(), requestTimeout);
    }

    public NodeClient(List<URI> nodes, String token, HttpClient http, Duration requestTimeout) {
        if (nodes.isEmpty()) {
            throw new IllegalArgumentException("no node");
        }
        this.nodes = List.copyOf(nodes);
        this.token = token;
        this.http = http;
        this.requestTimeout = requestTimeout;
    }

    /** HTTP/1.1 (the node speaks it; no h2c upgrade dance), 2 s to connect. */
    public static HttpClient newHttpClient() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2)).build();
    }

    public List<URI> nodes() {
        return nodes;
    }

    public HttpClient http() {
        return http;
    }

    public String token() {
        return token;
    }

    /** The node the last request went to (or the next one will). */
    public URI currentNode() {
        return nodes.get(current);
    }

    // ---- the API ---------------------------------------------------------------------------------

    /** {@code POST /v1/channels/{channel}/messages}: the result {@code {seq, channel, offset, ts}}. */
    public JsonObject publish(String channel, String json, String idempotencyKey) {
        Nodes.channel(channel);
        return send(node -> {
            HttpRequest.Builder b = request(node, "/v1/channels/" + channel + "/messages")
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(json));
            if (idempotencyKey != null) {
                b.header("Idempotency-Key", idempotencyKey);
            }
            return b.build();
        });
    }

    /**
     * Publishes with an idempotency key, retrying on transient refusals (503, 429), on timeouts and
     * on unreachable nodes (moving along the list) until {@code within} has passed. Safe because a
     * retry with the same key on the same channel returns the original result and appends nothing.
     */
    public JsonObject publishReliably(String channel, String json, String idempotencyKey, Duration within) {
        if (idempotencyKey == null) {
            throw new IllegalArgumentException("a retried publish needs an idempotency key");
        }
        Instant deadline = Instant.now().plus(within);
        Backoff backoff = new Backoff(Duration.ofMillis(50), Duration.ofSeconds(1));
        while (true) {
            if (Thread.currentThread().isInterrupted()) {
                throw new IllegalStateException("interrupted while publishing to " + channel);
            }
            try {
                return publish(channel, json, idempotencyKey);
            } catch (ApiError e) {
                if (!e.isTransient() || Instant.now().isAfter(deadline)) {
                    throw e;
                }
                moveOn();
            } catch (NodeUnreachableException e) {
                if (Instant.now().isAfter(deadline)) {
                    throw e;
                }
            } catch (RequestTimeoutException e) {
                // the publish may or may not have been ordered: the key makes the retry safe
                if (Instant.now().isAfter(deadline)) {
                    throw e;
                }
                moveOn();
            }
            backoff.pause();
        }
    }

    /** {@code GET /v1/channels/{channel}/messages?after=&limit=}: {@code {messages, next}}. */
    public JsonObject channelHistory(String channel, long after, int limit) {
        Nodes.channel(channel);
        return send(node -> request(node, "/v1/channels/" + channel + "/messages?after=" + after + "&limit=" + limit)
                .GET().build());
    }

    /** {@code GET /v1/messages?after=&limit=} (by global seq): {@code {messages, next}}. */
    public JsonObject globalHistory(long after, int limit) {
        return send(node -> request(node, "/v1/messages?after=" + after + "&limit=" + limit).GET().build());
    }

    /** {@code GET /v1/cluster}. */
    public JsonObject cluster() {
        return send(node -> request(node, "/v1/cluster").GET().build());
    }

    /** {@code GET /v1/head}: {@code {node, seq, earliestSeq, hash, linearizable}}. */
    public JsonObject headWithHash() {
        return send(node -> request(node, "/v1/head").GET().build());
    }

    /** {@code GET /v1/messages/{seq}/proof}: the message at seq, its chain hash and the one before. */
    public JsonObject proof(long seq) {
        return send(node -> request(node, "/v1/messages/" + seq + "/proof").GET().build());
    }

    /** The {@code commitSeq} of the current node's {@code /v1/cluster}. */
    public long head() {
        return cluster().getLong("commitSeq", 0L);
    }

    // ---- plumbing --------------------------------------------------------------------------------

    /** A request that timed out after it was sent: it may have taken effect. */
    public static final class RequestTimeoutException extends RuntimeException {
        public RequestTimeoutException(URI node, Duration timeout) {
            super("no answer from " + node + " within " + timeout.toMillis() + " ms");
        }
    }

    private HttpRequest.Builder request(URI node, String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(Nodes.http(node, path)).timeout(requestTimeout)
                .header("Accept", "application/json");
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return b;
    }

    /** Tries the current node, then the others in order, but only past nodes it could not connect to. */
    private JsonObject send(Function<URI, HttpRequest> build) {
        Throwable last = null;
        int start = current;
        for (int i = 0; i < nodes.size(); i++) {
            int index = (start + i) % nodes.size();
            URI node = nodes.get(index);
            HttpResponse<String> response;
            try {
                response = http.send(build.apply(node), HttpResponse.BodyHandlers.ofString());
            } catch (ConnectException | HttpConnectTimeoutException | UnresolvedAddressException e) {
                last = e;
                continue;
            } catch (java.net.http.HttpTimeoutException e) {
                current = index;
                throw new RequestTimeoutException(node, requestTimeout);
            } catch (IOException e) {
                if (isConnectFailure(e)) {
                    last = e;
                    continue;
                }
                current = index;
                throw new NodeUnreachableException(List.of(node), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
            current = index;
            return parse(node, response);
        }
        throw new NodeUnreachableException(nodes, last);
    }

    /** The JDK reports some refused connections as a bare IOException whose cause is ConnectException. */
    private static boolean isConnectFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectException || t instanceof UnresolvedAddressException) {
                return true;
            }
        }
        return false;
    }

    private static JsonObject parse(URI node, HttpResponse<String> response) {
        int status = response.statusCode();
        if (status / 100 != 2) {
            long retryAfter = response.headers().firstValue("Retry-After").map(v -> {
                try {
                    return Long.parseLong(v.trim());
                } catch (NumberFormatException e) {
                    return 0L;
                }
            }).orElse(0L);
            throw ApiError.fromHttp(node, status, response.body(), retryAfter);
        }
        try {
            return new JsonObject(response.body());
        } catch (DecodeException | ClassCastException e) {
            throw new ApiError(node, status, "invalid_response", "not a JSON object: " + response.body(), 0);
        }
    }

    private void moveOn() {
        current = (current + 1) % nodes.size();
    }
}
