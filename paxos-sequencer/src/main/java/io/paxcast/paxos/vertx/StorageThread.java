package io.paxcast.paxos.vertx;

import io.paxcast.paxos.core.DurableState;
import io.paxcast.paxos.core.StorageWrite;
import io.paxcast.paxos.storage.PaxosStorage;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;

import java.util.List;
import java.util.function.Consumer;

/**
 * The one worker thread of {@link SequencerDriver} that touches its {@link PaxosStorage}: the load at
 * start, every write group (they may block on a sync, so never on an event loop) and the periodic
 * flushes of an interval fsync policy. One thread, so groups reach the storage one at a time, in order.
 */
final class StorageThread {
    private final PaxosStorage storage;
    private final WorkerExecutor thread;

    StorageThread(Vertx vertx, String nodeId, PaxosStorage storage) {
        this.storage = storage;
        this.thread = vertx.createSharedWorkerExecutor("paxcast-storage-" + nodeId, 1);
    }

    /** The durable state, loaded on the storage thread; completes on the calling context. */
    Future<DurableState> load() {
        return thread.executeBlocking(storage::load, true);
    }

    /** The loop's storage: each group on the storage thread (never an event loop), completed on the context. */
    void write(List<StorageWrite> writes, Consumer<Throwable> done) {
        thread.<Void>executeBlocking(() -> {
            storage.write(writes);
            return null;
        }, true).onComplete(ar -> done.accept(ar.failed() ? ar.cause() : null));
    }

    /** Forces pending groups, on the storage thread (behind any write queued there). */
    void flush() {
        thread.executeBlocking(() -> {
            storage.flush();
            return null;
        }, true);
    }

    void close() {
        thread.close();
    }
}
