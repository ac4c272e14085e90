package io.paxcast.broadcast.http;

import io.paxcast.broadcast.config.NodeConfig;
import io.vertx.core.http.HttpConnection;

/**
 * At most {@code http.maxConnections} HTTP and WebSocket connections at once, and at most
 * {@code http.maxConnectionsPerIp} from one client address (so one client cannot take them all): one
 * more is closed as soon as the server sees it (Vert.x 5 hands an HTTP/1.x connection to this handler with its first request
 * head). Connections that send nothing are the server options' business: {@code http.readIdleTimeoutSeconds}
 * closes one that sent nothing for that long (a request line and one header, then silence: closed after
 * 10 s, where 2,000 of them used to stay open for more than 65 s), {@code http.idleTimeoutSeconds} one
 * with nothing sent either way. Runs on the server's event loop (the node's context).
 */
public final class ConnectionGuard {
    private final NodeConfig.Limits limits;
    /** Open connections per client address; an address leaves the map with its last connection. */
    private final java.util.Map<String, Integer> perAddress = new java.util.HashMap<>();
    private int open;
    private long refused;
    private long refusedPerAddress;

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
        String address = connection.remoteAddress() == null ? "" : connection.remoteAddress().hostAddress();
        int fromAddress = perAddress.getOrDefault(address, 0);
        if (fromAddress >= limits.httpMaxConnectionsPerIp()) {
            refusedPerAddress++;
            connection.close();
            return;
        }
        perAddress.put(address, fromAddress + 1);
        open++;
        connection.closeHandler(v -> {
            open--;
            perAddress.computeIfPresent(address, (a, n) -> n == 1 ? null : n - 1);
        });
    }

    /** Connections closed because their address had {@code http.maxConnectionsPerIp} open already. */
    public long refusedPerAddress() {
        return refusedPerAddress;
    }

    public int openConnections() {
        return open;
    }

    public long refusedConnections() {
        return refused;
    }
}
