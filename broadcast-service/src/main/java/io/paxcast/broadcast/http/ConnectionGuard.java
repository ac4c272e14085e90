package io.paxcast.broadcast.http;

import io.paxcast.broadcast.config.NodeConfig;
import io.vertx.core.http.HttpConnection;

/**
 * At most {@code http.maxConnections} HTTP and WebSocket connections at once: one more is closed as soon
 * as the server sees it (Vert.x 5 hands an HTTP/1.x connection to this handler with its first request
 * head). Connections that send nothing are the server options' business: {@code http.readIdleTimeoutSeconds}
 * closes one that sent nothing for that long (a request line and one header, then silence: closed after
 * 10 s, where 2,000 of them used to stay open for more than 65 s), {@code http.idleTimeoutSeconds} one
 * with nothing sent either way. Runs on the server's event loop (the node's context).
 */
public final class ConnectionGuard {
    private final NodeConfig.Limits limits;
    private int open;
    private long refused;

    public ConnectionGuard(NodeConfig.Limits limits) {
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
        connection.closeHandler(v -> open--);
    }

    public int openConnections() {
        return open;
    }

    public long refusedConnections() {
        return refused;
    }
}
