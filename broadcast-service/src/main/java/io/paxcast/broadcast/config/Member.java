package io.paxcast.broadcast.config;

/** One voter: its node id and where its Hazelcast member listens. */
public record Member(String id, String host, int port) {

    /** Parses {@code id@host:port}. */
    public static Member parse(String text) {
        int at = text.indexOf('@');
        int colon = text.lastIndexOf(':');
        if (at <= 0 || colon < at + 2 || colon == text.length() - 1) {
            throw new IllegalArgumentException("expected id@host:port, got '" + text + "'");
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad port in '" + text + "'");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port out of range in '" + text + "'");
        }
        return new Member(text.substring(0, at), text.substring(at + 1, colon), port);
    }
}
