package io.paxcast.broadcast.http;

import io.netty.handler.flush.FlushConsolidationHandler;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;

/**
 * One socket write for everything a connection was given in one event-loop turn. Vert.x flushes every
 * WebSocket frame written outside a read on its own, so a decided group of 1,000 messages cost each
 * subscriber 1,000 {@code write(2)} calls and each publisher 1,000 for its acks: on the leader at window
 * 1024, writing ack frames was 59% of the delivery work (JFR). Netty's {@link FlushConsolidationHandler}
 * holds such a flush until the loop's current task ends (at most {@value #MAX_HELD_FLUSHES} flushes), then
 * writes once; nothing waits longer than that turn, and back-pressure (write-queue size, drain) is
 * unchanged because the frames are still written one by one.
 *
 * <p>It reaches the connection's Netty pipeline through Vert.x's {@code ConnectionBase}, an
 * implementation class; on a connection of another kind it does nothing (frames are then flushed one by
 * one, as before).
 */
public final class FlushCoalescing {
    static final int MAX_HELD_FLUSHES = 256;
    private static final String NAME = "paxcast-flush-coalescing";

    private FlushCoalescing() {
    }

    /** Installs the coalescing on {@code connection}'s pipeline, nearest the socket. */
    public static void install(HttpConnection connection) {
        if (connection instanceof ConnectionBase base && base.channel().pipeline().get(NAME) == null) {
            base.channel().pipeline().addFirst(NAME, new FlushConsolidationHandler(MAX_HELD_FLUSHES, true));
        }
    }
}
