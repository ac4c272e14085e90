package io.paxcast.broadcast.ws;

import io.paxcast.broadcast.http.BodyBudget;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketFrame;

/**
 * The client messages of one WebSocket, from its frames. A message in one frame (what every client
 * sends for a publish) is handed on as it is; a message in fragments is reassembled here, under two
 * bounds: at most {@code maxMessageBytes} per message (a larger one, whole or in fragments, closes
 * with 1009) and, for every
 * connection together, the node's budget of buffered client input ({@code http.maxBufferedBodyBytes},
 * shared with request bodies: past it, 1013). Vert.x's own reassembly is not used: it held up to its
 * message limit per connection with no bound across connections, and past the limit it dropped the
 * message without closing. Not thread-safe: on the connection's context.
 */
final class MessageAssembly {
    enum Outcome { TEXT, BINARY, FRAGMENT, TOO_BIG, NO_ROOM, OTHER }

    private final int maxMessageBytes;
    private final BodyBudget budget;
    private Buffer partial;
    private boolean partialIsText;
    private long reserved;
    private String message;

    MessageAssembly(int maxMessageBytes, BodyBudget budget) {
        this.maxMessageBytes = maxMessageBytes;
        this.budget = budget;
    }

    /** Takes in one frame; {@link Outcome#TEXT}: a whole text message is ready ({@link #take}). */
    Outcome add(WebSocketFrame frame) {
        if (!frame.isText() && !frame.isBinary() && !frame.isContinuation()) {
            return Outcome.OTHER; // ping, pong, close: handled by Vert.x
        }
        if (!frame.isContinuation()) {
            discard(); // a new message: a fragment left over belongs to a protocol error Netty reports
            if (frame.isFinal()) {
                // one frame, already decoded (below Netty's backstop): the common case, handed on as it is
                if (frame.isBinary()) {
                    return frame.binaryData().length() > maxMessageBytes ? Outcome.TOO_BIG : Outcome.BINARY;
                }
                String text = frame.textData();
                if (io.paxcast.broadcast.api.Utf8.length(text) > maxMessageBytes) {
                    return Outcome.TOO_BIG;
                }
                message = text;
                return Outcome.TEXT;
            }
            partialIsText = frame.isText();
            partial = Buffer.buffer();
        } else if (partial == null) {
            return Outcome.OTHER; // a continuation of nothing: Netty closes such a connection
        }
        Buffer data = frame.binaryData();
        if (partial.length() + data.length() > maxMessageBytes) {
            discard();
            return Outcome.TOO_BIG;
        }
        if (!budget.tryReserve(data.length())) {
            discard();
            return Outcome.NO_ROOM;
        }
        reserved += data.length();
        partial.appendBuffer(data);
        if (!frame.isFinal()) {
            return Outcome.FRAGMENT;
        }
        boolean text = partialIsText;
        message = text ? partial.toString(java.nio.charset.StandardCharsets.UTF_8) : null;
        discard();
        return text ? Outcome.TEXT : Outcome.BINARY;
    }

    /** The text message {@link #add} said is ready. */
    String take() {
        String m = message;
        message = null;
        return m;
    }

    /** Drops a partial message and gives its bytes back to the budget (also when the socket closes). */
    void discard() {
        partial = null;
        if (reserved > 0) {
            budget.release(reserved);
            reserved = 0;
        }
    }
}
