package io.paxcast.samples.client;

import java.net.URI;
import java.util.List;

/** No listed node accepted a connection (or answered in time): nothing was sent, or nothing is known. */
public final class NodeUnreachableException extends RuntimeException {
    public final List<URI> nodes;

    public NodeUnreachableException(List<URI> nodes, Throwable lastCause) {
        super(message(nodes, lastCause), lastCause);
        this.nodes = List.copyOf(nodes);
    }

    private static String message(List<URI> nodes, Throwable cause) {
        String what = nodes.size() == 1 ? "cannot reach " + nodes.get(0) : "cannot reach any of " + nodes;
        return cause == null ? what : what + ": " + reason(cause);
    }

    /** A short reason: "connection refused", "timed out", or the innermost message. */
    public static String reason(Throwable cause) {
        String message = null;
        for (Throwable t = cause; t != null; t = t.getCause()) {
            String name = t.getClass().getSimpleName();
            if (name.equals("ConnectException")) {
                return "connection refused";
            }
            if (name.contains("Timeout")) {
                return "timed out";
            }
            if (t.getMessage() != null) {
                message = t.getMessage();
            } else if (message == null) {
                message = name;
            }
        }
        return message;
    }
}
