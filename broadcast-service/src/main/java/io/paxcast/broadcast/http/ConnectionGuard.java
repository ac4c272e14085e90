package io.paxcast.broadcast.http;

import io.paxcast.broadcast.config.NodeConfig;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;

import java.util.HashMap;
import java.util.Map;

/**
 * The HTTP server's own bounds, for connections that never become requests worth serving:
 * <ul>
 *   <li>at most {@code http.maxConnections} open at once: one more is closed as soon as it opens;</li>
 *   <li>a connection must deliver a whole request head within {@code http.requestHeaderTimeoutMillis} of
 *       opening, and again of each response's end (a client that sends a request line and one header,
 *       then nothing, is closed then, not after the idle timeout);</li>
 *   <li>the idle timeout itself ({@code http.idleTimeoutSeconds}) is the server option.</li>
 * </ul>
 * Runs on the server's event loop (the node's context), so its maps need no locking.
 */
public final class ConnectionGuard {
    private final Vertx vertx;
    private final NodeConfig.Limits limits;
    private final Map<HttpConnection, Long> awaitingHead = new HashMap<>();
    private int open;
    private long refused;
    private long timedOut;

    public ConnectionGuard(Vertx vertx, NodeConfig.Limits limits) {
        this.vertx = vertx;
        this.limits = limits;
    }

    /** The server's connection handler. */
    public void onConnection(HttpConnection connection) {
        if (open >= limits.httpMaxConnections()) {
            refused++;
            connection.close();
            return;
        }
        open++;
        connection.closeHandler(v -> {
            open--;
            cancel(connection);
        });
        awaitHead(connection);
    }

    /** A request head arrived: the connection is doing what a client should, until its response ends. */
    public void onRequest(HttpServerRequest request) {
        HttpConnection connection = request.connection();
        cancel(connection);
        request.response().endHandler(v -> {
            if (request.response().getStatusCode() != 101) { // not a WebSocket upgrade
                awaitHead(connection);
            }
        });
    }

    private void awaitHead(HttpConnection connection) {
        cancel(connection);
        long timer = vertx.setTimer(limits.httpRequestHeaderTimeoutMillis(), t -> {
            if (awaitingHead.remove(connection) != null) {
                timedOut++;
                connection.close();
            }
        });
        awaitingHead.put(connection, timer);
    }

    private void cancel(HttpConnection connection) {
        Long timer = awaitingHead.remove(connection);
        if (timer != null) {
            vertx.cancelTimer(timer);
        }
    }

    public int openConnections() {
        return open;
    }

    public long refusedConnections() {
        return refused;
    }

    public long headTimeouts() {
        return timedOut;
    }
}
