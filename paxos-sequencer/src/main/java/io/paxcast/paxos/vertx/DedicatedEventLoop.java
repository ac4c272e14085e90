package io.paxcast.paxos.vertx;

import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.vertx.core.Context;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;

import java.util.concurrent.TimeUnit;

/**
 * A Vert.x event-loop context on a thread that runs nothing else. Vert.x hands out the contexts of
 * its own event loops round-robin, so a deployed verticle can land on the thread that parses HTTP or
 * fans WebSocket frames out; this one cannot. It is an event-loop context (not a worker on a one-thread
 * pool): Vert.x runs the clustered event bus's blocking lookups on its internal worker pool, never on
 * this thread. Timers set, consumers registered and connections opened from code running on it run on
 * it too; a caller that continues from a future the sequencer completed must hop back to its own
 * context before it opens servers or connections, through a promise of its own context
 * ({@code ContextInternal.promise()}): a {@code Promise.promise()} made on this thread runs its
 * continuations here again.
 *
 * <p>It uses Vert.x's internal context builder (io.vertx.core.internal), the one public way in to give a
 * context an event loop of one's choosing.
 */
final class DedicatedEventLoop implements AutoCloseable {
    private final MultiThreadIoEventLoopGroup group;
    private final Context context;

    DedicatedEventLoop(Vertx vertx, String threadName) {
        // Vert.x's own I/O handler (NIO or a native one): a connection opened from this context (the event
        // bus's connection to a peer, when the sequencer sends first) is registered on this loop, and Netty
        // refuses a channel whose loop has another I/O type. A daemon thread: a JVM whose node was never
        // stopped still exits.
        VertxInternal internal = (VertxInternal) vertx;
        group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory(threadName, true),
                internal.transport().ioHandlerFactory());
        context = internal.contextBuilder().withThreadingModel(ThreadingModel.EVENT_LOOP)
                .withEventLoop(group.next()).build();
    }

    Context context() {
        return context;
    }

    /** Lets the thread finish what it was given, then ends it (without waiting for it). */
    @Override
    public void close() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
    }
}
