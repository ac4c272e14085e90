package io.paxcast.samples.client;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A WebSocket subscription ({@code GET /v1/subscribe}, docs/API.md) that survives its node: when the
 * connection closes or fails, it connects to the next node of the list with {@code after=<last seq
 * received>}, so it loses nothing and repeats nothing. Without a starting {@code after}, the first
 * {@code subscribed} frame's {@code head} becomes the resume point.
 *
 * <p>Threading: {@link #run()} blocks the calling thread and calls the {@link Listener} on it, one
 * frame at a time, in strictly increasing {@code seq}; the next frame is requested from the socket
 * only after the listener returned (so a slow listener is a slow consumer, which the node cuts off
 * with {@code slow_consumer}, and this class then resumes). {@link #close()} may be called from any
 * thread.
 *
 * <p>A silent node (alive socket, no frames: a paused process) is detected with pings: after
 * {@link #IDLE} without any frame or pong the connection is dropped and resumed elsewhere.
 */
public final class Subscription implements AutoCloseable {
    /** Error frames after which resuming cannot help: the caller must decide. */
    private static final Set<String> FATAL = Set.of("offset_expired", "unauthorized", "forbidden",
            "invalid_parameter", "invalid_channel");
    static final Duration IDLE = Duration.ofSeconds(15);
    private static final Duration PING_EVERY = Duration.ofSeconds(5);
    /** RFC 6455 7.4.1: the connection ended without a close frame (a crashed node, a cut link). */
    private static final int ABNORMAL_CLOSURE = 1006;

    /** What a subscription tells its user. All calls come from the thread in {@link #run()}. */
    public interface Listener {
        /** One {@code message} frame; return false to stop the subscription ({@link #run()} returns). */
        boolean onMessage(URI node, JsonObject message);

        /** The {@code subscribed} frame of each (re)connection. */
        default void onSubscribed(URI node, JsonObject frame) {
        }

        /** An {@code error} frame (the node closes the socket next; fatal codes end {@link #run()}). */
        default void onErrorFrame(URI node, JsonObject frame) {
        }

        /** The connection to {@code node} ended for {@code why}; the next attempt goes to {@code next}. */
        default void onDisconnect(URI node, String why, URI next, Long resumeAfter) {
        }
    }

    private final List<URI> nodes;
    private final String channels;
    private final String token;
    private final HttpClient http;
    private final Listener listener;
    private final Duration giveUpAfter;
    private final boolean failFast;
    private final BlockingQueue<SocketEvents.Event> events = new LinkedBlockingQueue<>();
    private volatile boolean closed;
    private volatile WebSocket socket;
    private int generation;
    private int index;
    /** The {@code after} of the next connection: the last seq received (null: from "now"). */
    private Long resumeAfter;
    private long lastSeq = -1;

    private Subscription(Builder b) {
        this.nodes = List.copyOf(b.nodes);
        this.channels = Nodes.channels(b.channels);
        this.token = b.token;
        this.http = b.http != null ? b.http : NodeClient.newHttpClient();
        this.listener = b.listener;
        this.giveUpAfter = b.giveUpAfter;
        this.failFast = b.failFast;
        this.resumeAfter = b.after;
        this.index = b.firstNode % nodes.size();
    }

    public static Builder builder(List<URI> nodes, String channels, Listener listener) {
        return new Builder(nodes, channels, listener);
    }

    /** The seq of the last message handed to the listener, -1 if none. */
    public long lastSeq() {
        return lastSeq;
    }

    /**
     * Subscribes and delivers until the listener returns false or {@link #close()} is called;
     * returns the last seq delivered (-1 if none).
     *
     * @throws NodeUnreachableException when no node could be connected to for {@code giveUpAfter}
     *                                  (or, with {@code failFast}, once through the list at the start)
     * @throws ApiError                 a refused subscription (bad channel, ...) or a fatal error frame
     */
    public long run() {
        Instant downSince = Instant.now();
        Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(2));
        boolean everConnected = false;
        int failuresInARow = 0;
        Throwable lastFailure = null;
        while (!closed) {
            URI node = nodes.get(index);
            WebSocket ws;
            try {
                ws = connect(node);
            } catch (ConnectFailure e) {
                lastFailure = e.getCause();
                failuresInARow++;
                index = (index + 1) % nodes.size();
                if ((failFast && !everConnected && failuresInARow >= nodes.size())
                        || (giveUpAfter != null && Duration.between(downSince, Instant.now()).compareTo(giveUpAfter) > 0)) {
                    throw new NodeUnreachableException(nodes, lastFailure);
                }
                if (failuresInARow % nodes.size() == 0) {
                    backoff.pause(); // once around the list without luck: wait a little
                }
                continue;
            }
            everConnected = true;
            failuresInARow = 0;
            backoff.reset();
            String why;
            try {
                why = pump(node, ws);
            } finally {
                ws.abort();
            }
            if (why == null) {
                return lastSeq;
            }
            downSince = Instant.now();
            index = (index + 1) % nodes.size();
            listener.onDisconnect(node, why, nodes.get(index), resumeAfter);
        }
        return lastSeq;
    }

    /** Stops {@link #run()} (from any thread); idempotent. */
    @Override
    public void close() {
        closed = true;
        events.offer(new SocketEvents.Stop());
        WebSocket ws = socket;
        if (ws != null) {
            ws.abort();
        }
    }

    // ---- one connection --------------------------------------------------------------------------

    /** Could not connect (or the node refused for now, e.g. 503): try the next node. */
    private static final class ConnectFailure extends Exception {
        ConnectFailure(Throwable cause) {
            super(cause);
        }
    }

    private WebSocket connect(URI node) throws ConnectFailure {
        int gen = ++generation;
        URI uri = Nodes.subscribe(node, channels, resumeAfter, token);
        try {
            WebSocket ws = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(3))
                    .buildAsync(uri, SocketEvents.listener(gen, events)).get(10, TimeUnit.SECONDS);
            socket = ws;
            if (closed) {
                ws.abort();
            }
            return ws;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof WebSocketHandshakeException refused) {
                int status = refused.getResponse().statusCode();
                if (status >= 500 || status == 429) { // this node cannot serve now: another may
                    throw new ConnectFailure(new IOException("HTTP " + status + " from " + node));
                }
                throw refusal(node, status);
            }
            throw new ConnectFailure(cause);
        } catch (TimeoutException e) {
            throw new ConnectFailure(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closed = true;
            throw new ConnectFailure(e);
        }
    }

    /**
     * The node refused the upgrade: the same request over plain HTTP returns its JSON error (the
     * node checks the query before it looks at the upgrade).
     */
    private ApiError refusal(URI node, int status) {
        try {
            HttpRequest plain = HttpRequest.newBuilder(Nodes.subscribeOverHttp(node, channels, resumeAfter, token))
                    .timeout(Duration.ofSeconds(5)).GET().build();
            HttpResponse<String> r = http.send(plain, HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() >= 400 && !r.body().contains("\"websocket_required\"")) {
                return ApiError.fromHttp(node, r.statusCode(), r.body(), 0);
            }
        } catch (IOException e) {
            // fall through to the bare status
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return new ApiError(node, status, "http_" + status, "the node refused the WebSocket upgrade", 0);
    }

    /** Delivers this connection's frames; returns why it ended, or null when the subscription stops. */
    private String pump(URI node, WebSocket ws) {
        int gen = generation;
        Instant lastHeard = Instant.now();
        Instant lastPing = Instant.now();
        while (true) {
            SocketEvents.Event event;
            try {
                event = events.poll(PING_EVERY.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
            if (closed || event instanceof SocketEvents.Stop) {
                return null;
            }
            Instant now = Instant.now();
            if (event == null) {
                if (Duration.between(lastHeard, now).compareTo(IDLE) > 0) {
                    return "no frame or pong for " + IDLE.toSeconds() + " s";
                }
                if (Duration.between(lastPing, now).compareTo(PING_EVERY) >= 0) {
                    ws.sendPing(ByteBuffer.allocate(0));
                    lastPing = now;
                }
                continue;
            }
            if (event instanceof SocketEvents.Frame f && f.generation() == gen) {
                lastHeard = now;
                if (!deliver(node, f.text())) {
                    return null;
                }
                ws.request(1);
            } else if (event instanceof SocketEvents.Pong p && p.generation() == gen) {
                lastHeard = now;
            } else if (event instanceof SocketEvents.Closed c && c.generation() == gen) {
                if (c.status() == ABNORMAL_CLOSURE) {
                    return "connection lost (1006, no close frame)";
                }
                return "closed by the node (" + c.status() + (c.reason().isEmpty() ? "" : " " + c.reason()) + ")";
            } else if (event instanceof SocketEvents.Failed f && f.generation() == gen) {
                return "connection lost (" + NodeUnreachableException.reason(f.error()) + ")";
            }
            // anything else belongs to an earlier connection: ignored
        }
    }

    /** Returns false when the listener asked to stop. */
    private boolean deliver(URI node, String text) {
        JsonObject frame;
        try {
            frame = new JsonObject(text);
        } catch (DecodeException | ClassCastException e) {
            return true; // not the contract's; nothing to do with it
        }
        String type = String.valueOf(frame.getValue("type"));
        switch (type) {
            case "subscribed" -> {
                if (resumeAfter == null) {
                    resumeAfter = frame.getLong("head", 0L);
                }
                listener.onSubscribed(node, frame);
            }
            case "message" -> {
                long seq = frame.getLong("seq", -1L);
                if (seq <= lastSeq) {
                    return true; // never twice, even if a node repeated itself
                }
                lastSeq = seq;
                resumeAfter = seq;
                return listener.onMessage(node, frame);
            }
            case "error" -> {
                listener.onErrorFrame(node, frame);
                if (FATAL.contains(String.valueOf(frame.getValue("code")))) {
                    throw ApiError.fromFrame(node, frame);
                }
            }
            default -> {
                // acks and future frame types: not ours
            }
        }
        return true;
    }

    /** Options of a {@link Subscription}. */
    public static final class Builder {
        private final List<URI> nodes;
        private final String channels;
        private final Listener listener;
        private Long after;
        private String token;
        private HttpClient http;
        private Duration giveUpAfter;
        private boolean failFast;
        private int firstNode;

        private Builder(List<URI> nodes, String channels, Listener listener) {
            if (nodes.isEmpty()) {
                throw new IllegalArgumentException("no node");
            }
            this.nodes = nodes;
            this.channels = channels;
            this.listener = listener;
        }

        /** Start after this seq (null, the default: with messages chosen after subscribing). */
        public Builder after(Long after) {
            this.after = after;
            return this;
        }

        public Builder token(String token) {
            this.token = token;
            return this;
        }

        /** The client whose connections to use (default: a new one). */
        public Builder http(HttpClient http) {
            this.http = http;
            return this;
        }

        /** Give up when no node could be connected to for this long (default: never). */
        public Builder giveUpAfter(Duration giveUpAfter) {
            this.giveUpAfter = giveUpAfter;
            return this;
        }

        /** Give up if no node can be connected to on the first pass through the list. */
        public Builder failFast(boolean failFast) {
            this.failFast = failFast;
            return this;
        }

        /** Index of the node to try first (default 0). */
        public Builder firstNode(int firstNode) {
            this.firstNode = Math.max(0, firstNode);
            return this;
        }

        public Subscription build() {
            return new Subscription(this);
        }
    }
}
