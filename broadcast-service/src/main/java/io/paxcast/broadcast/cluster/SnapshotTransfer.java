package io.paxcast.broadcast.cluster;

import io.paxcast.broadcast.log.SnapshotFiles;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * Moves a snapshot file from one node to another over the cluster event bus, a chunk at a time: what a
 * node installs when its peers compacted past what it has (a node down longer than retention, a lost
 * disk, a new node).
 *
 * <p>Each node serves its oldest kept snapshot, the base its log was compacted to
 * ({@link SnapshotFiles#base}), at {@code paxcast.snapshot.<node>}: a request names the slot (none for
 * "your base") and an offset, the reply is at most {@link #CHUNK_BYTES} of the file, with its slot and
 * size in the headers. The fetching node asks for the next chunk only once it wrote the last one to
 * its disk: one chunk in flight, so memory on both ends is a chunk, whatever the snapshot's size, and
 * the transfer goes at the pace of the receiver's disk. A snapshot replaced at the sender while it is
 * being fetched (kept snapshots rotate) fails the transfer, which the receiver starts again.
 */
public final class SnapshotTransfer {
    static final String ADDRESS_PREFIX = "paxcast.snapshot.";
    static final int CHUNK_BYTES = 1 << 20;
    private static final long REQUEST_TIMEOUT_MILLIS = 30_000;

    private final Vertx vertx;
    private final String nodeId;
    private final SnapshotFiles files;
    private MessageConsumer<JsonObject> consumer;

    public SnapshotTransfer(Vertx vertx, String nodeId, SnapshotFiles files) {
        this.vertx = vertx;
        this.nodeId = nodeId;
        this.files = files;
    }

    /** Serves this node's snapshots to peers. */
    public Future<Void> serve() {
        consumer = vertx.eventBus().consumer(ADDRESS_PREFIX + nodeId, this::onRequest);
        return consumer.completion();
    }

    public void stop() {
        if (consumer != null) {
            consumer.unregister();
        }
    }

    private record Chunk(long slot, long size, Buffer bytes) {}

    private void onRequest(Message<JsonObject> request) {
        long slot = request.body().getLong("slot", -1L);
        long offset = request.body().getLong("offset", 0L);
        vertx.executeBlocking(() -> readChunk(slot, offset)).onComplete(ar -> {
            if (ar.failed()) {
                request.fail(404, ar.cause().getMessage());
            } else {
                Chunk c = ar.result();
                request.reply(c.bytes(), new DeliveryOptions().addHeader("slot", Long.toString(c.slot()))
                        .addHeader("size", Long.toString(c.size())));
            }
        });
    }

    private Chunk readChunk(long slot, long offset) throws IOException {
        Optional<Path> file = slot < 0 ? files.oldest() : files.fileOf(slot);
        if (file.isEmpty()) {
            throw new IOException(slot < 0 ? "node " + nodeId + " has no snapshot"
                    : "node " + nodeId + " no longer keeps the snapshot of slot " + slot);
        }
        long fileSlot = SnapshotFiles.slotOf(file.get());
        try (FileChannel channel = FileChannel.open(file.get(), StandardOpenOption.READ)) {
            long size = channel.size();
            if (offset < 0 || offset > size) {
                throw new IOException("offset " + offset + " outside the snapshot of slot " + fileSlot + " (" + size + " bytes)");
            }
            ByteBuffer chunk = ByteBuffer.allocate((int) Math.min(CHUNK_BYTES, size - offset));
            while (chunk.hasRemaining()) {
                if (channel.read(chunk, offset + chunk.position()) < 0) {
                    throw new IOException("the snapshot of slot " + fileSlot + " shrank while being read");
                }
            }
            return new Chunk(fileSlot, size, Buffer.buffer(chunk.array()));
        }
    }

    /** What a fetch brought: the file, the slot of the snapshot in it, and its size. */
    public record Fetched(Path file, long slot, long bytes) {}

    /**
     * Fetches {@code peer}'s base snapshot into {@code into} (replaced), a chunk at a time. Completes on
     * the caller's context; fails if the peer has none or it rotated away meanwhile.
     */
    public Future<Fetched> fetch(String peer, Path into) {
        Promise<Fetched> done = Promise.promise();
        vertx.executeBlocking(() -> {
            Files.createDirectories(into.getParent());
            Files.deleteIfExists(into);
            return Files.createFile(into);
        }).onComplete(ar -> {
            if (ar.failed()) {
                done.fail(ar.cause());
            } else {
                next(peer, into, -1, 0, done);
            }
        });
        return done.future();
    }

    private void next(String peer, Path into, long slot, long offset, Promise<Fetched> done) {
        JsonObject request = new JsonObject().put("slot", slot).put("offset", offset);
        vertx.eventBus().<Buffer>request(ADDRESS_PREFIX + peer, request,
                new DeliveryOptions().setSendTimeout(REQUEST_TIMEOUT_MILLIS)).onComplete(ar -> {
            if (ar.failed()) {
                done.fail(ar.cause());
                return;
            }
            long chunkSlot = Long.parseLong(ar.result().headers().get("slot"));
            long size = Long.parseLong(ar.result().headers().get("size"));
            Buffer bytes = ar.result().body();
            if (slot >= 0 && chunkSlot != slot) {
                done.fail(new IOException("node " + peer + " answered with the snapshot of slot " + chunkSlot
                        + " while slot " + slot + " was being fetched"));
                return;
            }
            vertx.executeBlocking(() -> {
                try (FileChannel out = FileChannel.open(into, StandardOpenOption.WRITE)) {
                    ByteBuffer b = ByteBuffer.wrap(bytes.getBytes());
                    while (b.hasRemaining()) {
                        out.write(b, offset + b.position());
                    }
                    if (offset + bytes.length() >= size) {
                        out.force(true);
                    }
                }
                return null;
            }).onComplete(written -> {
                if (written.failed()) {
                    done.fail(written.cause());
                } else if (offset + bytes.length() >= size) {
                    done.complete(new Fetched(into, chunkSlot, size));
                } else if (bytes.length() == 0) {
                    done.fail(new IOException("node " + peer + " sent an empty chunk at " + offset + " of " + size));
                } else {
                    next(peer, into, chunkSlot, offset + bytes.length(), done);
                }
            });
        });
    }
}
