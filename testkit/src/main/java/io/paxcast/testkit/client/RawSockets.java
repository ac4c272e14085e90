package io.paxcast.testkit.client;

import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;

/** Plain TCP sockets in tests that speak to a node below HTTP (half-open requests, wrong protocols). */
public final class RawSockets {
    private RawSockets() {
    }

    /**
     * Whether the server closed {@code socket}: what it sent is read and dropped, then end-of-stream or
     * a reset says closed, and 1 ms of silence says still open. For polling with a deadline.
     */
    public static boolean closedByServer(Socket socket) {
        try {
            socket.setSoTimeout(1);
            while (true) {
                if (socket.getInputStream().read() < 0) {
                    return true;
                }
            }
        } catch (SocketTimeoutException stillOpen) {
            return false;
        } catch (IOException reset) {
            return true;
        }
    }
}
