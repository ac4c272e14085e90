package io.paxcast.wsframes;

import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.concurrent.CompletionStage;

/**
 * A {@link WebSocket.Listener} that hands its {@link Handler} whole text messages: java.net.http may
 * deliver one message in several parts ({@code last == false} on all but the final one), and every
 * client of the node's WebSocket needs the whole JSON frame. This is the one copy of that assembly.
 *
 * <p>Demand: {@link Demand#UNBOUNDED} requests {@code Long.MAX_VALUE} messages when the socket opens
 * (the client reads as fast as the node sends); {@link Demand#ONE_AT_A_TIME} requests one, then only
 * the remaining parts of a message it has begun, so the handler decides when to read the next
 * message ({@code webSocket.request(1)}) and a slow handler is a slow consumer on the wire.
 *
 * <p>Threading: the JDK calls a listener for one socket sequentially, never concurrently, so the
 * partial buffer needs no lock; one instance serves one socket.
 */
public final class TextFrameListener implements WebSocket.Listener {
    /** How many messages the listener asks the socket for. */
    public enum Demand { UNBOUNDED, ONE_AT_A_TIME }

    /** What a socket says, with text already reassembled. Called on the JDK's threads. */
    public interface Handler {
        /** The socket is open (before any message). */
        default void onOpen(WebSocket webSocket) {
        }

        /** One whole text message. */
        void onText(WebSocket webSocket, String text);

        /** A pong arrived (answer to a ping this side sent). */
        default void onPong(WebSocket webSocket) {
        }

        /** The node sent a close frame, or the connection ended (status 1006 then). */
        default void onClose(WebSocket webSocket, int statusCode, String reason) {
        }

        /** The connection failed; no more calls follow. */
        default void onError(WebSocket webSocket, Throwable error) {
        }
    }

    private final Demand demand;
    private final Handler handler;
    private final StringBuilder partial = new StringBuilder();

    public TextFrameListener(Demand demand, Handler handler) {
        this.demand = Objects.requireNonNull(demand, "demand");
        this.handler = Objects.requireNonNull(handler, "handler");
    }

    /** An unbounded reader: the common case of collecting every frame. */
    public static TextFrameListener unbounded(Handler handler) {
        return new TextFrameListener(Demand.UNBOUNDED, handler);
    }

    @Override
    public void onOpen(WebSocket webSocket) {
        webSocket.request(demand == Demand.UNBOUNDED ? Long.MAX_VALUE : 1);
        handler.onOpen(webSocket);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            String text = partial.toString();
            partial.setLength(0);
            handler.onText(webSocket, text);
        } else if (demand == Demand.ONE_AT_A_TIME) {
            webSocket.request(1); // the rest of this message; the next one is the handler's call
        }
        return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
        webSocket.request(1); // the contract has no binary frames: skip, as the JDK's default does
        return null;
    }

    @Override
    public CompletionStage<?> onPong(WebSocket webSocket, ByteBuffer message) {
        handler.onPong(webSocket);
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        handler.onClose(webSocket, statusCode, reason == null ? "" : reason);
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        handler.onError(webSocket, error);
    }
}
