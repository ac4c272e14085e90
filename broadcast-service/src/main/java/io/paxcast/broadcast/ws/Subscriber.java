package io.paxcast.broadcast.ws;

import io.paxcast.broadcast.api.ApiException;
import io.paxcast.broadcast.log.BroadcastLog;
import io.paxcast.broadcast.log.PublishedMessage;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Set;

/**
 * One WebSocket subscription: first the stored history after {@code after} (paged, with
 * back-pressure), then live messages, all in strictly increasing {@code seq}.
 *
 * <p>The switch from history to live happens on the node's context in the same turn that reads the
 * last stored message, so no applied message can fall between the two. A subscriber that cannot keep
 * up (more than {@code maxQueuedFrames} frames or {@code maxQueuedBytes} bytes not yet written to its
 * socket) receives an {@code error} frame {@code slow_consumer} and is closed; it resumes with
 * {@code after}. So one slow reader holds at most those bounds of this node's memory.
 */
final class Subscriber {
    private static final Logger log = LoggerFactory.getLogger(Subscriber.class);
    private static final int HISTORY_PAGE = 256;
    private static final Buffer PING = Buffer.buffer("paxcast");

    private final ServerWebSocket socket;
    private final BroadcastLog broadcastLog;
    private final SubscriptionHub hub;
    /** null: every channel. */
    private final Set<String> channels;
    private final int maxQueuedFrames;
    private final long maxQueuedBytes;
    private long lastSentSeq;
    private boolean live;
    private boolean closed;
    private int unwritten;
    private long unwrittenBytes;

    Subscriber(ServerWebSocket socket, BroadcastLog broadcastLog, SubscriptionHub hub, Set<String> channels,
               long afterSeq, int maxQueuedFrames, long maxQueuedBytes) {
        this.socket = socket;
        this.broadcastLog = broadcastLog;
        this.hub = hub;
        this.channels = channels;
        this.lastSentSeq = afterSeq;
        this.maxQueuedFrames = maxQueuedFrames;
        this.maxQueuedBytes = maxQueuedBytes;
    }

    /** Sends the {@code subscribed} frame, then history, then goes live. */
    void start(JsonArray channelNames) {
        hub.add(this);
        write(new JsonObject().put("type", "subscribed").put("channels", channelNames)
                .put("head", broadcastLog.headSeq()).encode());
        catchUp();
    }

    private void catchUp() {
        while (!closed) {
            if (socket.writeQueueFull()) {
                socket.drainHandler(v -> {
                    socket.drainHandler(null);
                    catchUp();
                });
                return;
            }
            int sent = 0;
            while (sent < HISTORY_PAGE) {
                long next = broadcastLog.nextSeqIn(channels, lastSentSeq);
                if (next < 0) {
                    break;
                }
                long earliest = broadcastLog.earliestSeq();
                if (next < earliest) {
                    closeExpired(earliest); // the next message it would get is gone: never a silent gap
                    return;
                }
                PublishedMessage message = broadcastLog.message(next);
                lastSentSeq = message.seq();
                write(message.toFrame());
                sent++;
            }
            if (sent < HISTORY_PAGE) {
                live = true; // read up to the head in this very turn: nothing applied in between
                return;
            }
        }
    }

    /** Live messages, with their frames encoded once by the hub. */
    void onLive(List<PublishedMessage> messages, List<String> frames) {
        if (!live || closed) {
            return; // still reading history: these will be read from the log
        }
        for (int i = 0; i < messages.size(); i++) {
            PublishedMessage message = messages.get(i);
            if (message.seq() <= lastSentSeq || (channels != null && !channels.contains(message.channel()))) {
                continue;
            }
            String frame = frames.get(i);
            if (unwritten >= maxQueuedFrames || unwrittenBytes + frame.length() > maxQueuedBytes) {
                closeSlow();
                return;
            }
            lastSentSeq = message.seq();
            write(frame);
        }
    }

    private void write(String frame) {
        unwritten++;
        long bytes = frame.length();
        unwrittenBytes += bytes;
        Future<Void> written = socket.writeTextMessage(frame);
        written.onComplete(ar -> {
            unwritten--;
            unwrittenBytes -= bytes;
        });
    }

    void ping() {
        if (!closed) {
            socket.writePing(PING);
        }
    }

    private void closeSlow() {
        log.info("event=slow_consumer remote={} lastSeq={} queuedFrames={} queuedBytes={}", socket.remoteAddress(),
                lastSentSeq, unwritten, unwrittenBytes);
        hub.onSlowConsumer();
        closeWithError("slow_consumer", "more than " + maxQueuedFrames + " frames or " + maxQueuedBytes
                + " bytes queued; resume with after=" + lastSentSeq, (short) 1008);
    }

    private void closeExpired(long earliest) {
        String message = "messages after seq " + lastSentSeq + " have expired (retention): the earliest retained seq is "
                + earliest + "; resume with after=" + (earliest - 1) + " or without after";
        if (!closed) {
            socket.writeTextMessage(ApiException.offsetExpired(message, earliest).frame(null).encode());
            close((short) 1008, "offset_expired");
        }
    }

    void closeWithError(String code, String message, short status) {
        if (closed) {
            return;
        }
        socket.writeTextMessage(new JsonObject().put("type", "error").put("code", code).put("message", message).encode());
        close(status, code);
    }

    void close(short status, String reason) {
        if (closed) {
            return;
        }
        closed = true;
        hub.remove(this);
        socket.close(status, reason);
    }

    void onSocketClosed() {
        closed = true;
        hub.remove(this);
    }
}
