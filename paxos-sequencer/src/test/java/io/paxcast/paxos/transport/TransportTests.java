package io.paxcast.paxos.transport;

import io.paxcast.paxos.core.Ballot;
import io.paxcast.paxos.core.Message;
import io.vertx.core.Context;

import java.net.ServerSocket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** What the transport tests share: a message to send, a free port, and running on a transport's context. */
final class TransportTests {
    private TransportTests() {
    }

    static Message heartbeat(String from, String to, long commit) {
        return new Message.Heartbeat(from, to, new Ballot(3, "a"), commit, 0);
    }

    /** Runs {@code action} on {@code context} (the transport's own, as in the driver) and returns its result. */
    static <T> T on(Context context, Supplier<T> action) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        context.runOnContext(v -> result.complete(action.get()));
        return result.get(10, TimeUnit.SECONDS);
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
