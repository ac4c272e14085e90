package io.paxcast.samples.client;

import io.paxcast.wsframes.TextFrameListener;

import java.net.http.WebSocket;
import java.util.concurrent.BlockingQueue;

/**
 * What a WebSocket tells a {@link Subscription}, as queued events: the JDK calls the listener on its
 * own threads, the subscription's thread takes the events one by one. Each event carries the
 * generation of the connection it came from, so late events of an abandoned connection are ignored.
 */
final class SocketEvents {
    private SocketEvents() {
    }

    sealed interface Event permits Frame, Pong, Closed, Failed, Stop {
    }

    /** One whole text frame. */
    record Frame(int generation, String text) implements Event {
    }

    record Pong(int generation) implements Event {
    }

    record Closed(int generation, int status, String reason) implements Event {
    }

    record Failed(int generation, Throwable error) implements Event {
    }

    /** {@link Subscription#close()} was called. */
    record Stop() implements Event {
    }

    /**
     * Queues the callbacks of one connection, text frames whole ({@link TextFrameListener}). It reads
     * one frame at a time ({@link TextFrameListener.Demand#ONE_AT_A_TIME}): the subscription requests
     * the next frame after handling one.
     */
    static TextFrameListener listener(int generation, BlockingQueue<Event> events) {
        return new TextFrameListener(TextFrameListener.Demand.ONE_AT_A_TIME, new TextFrameListener.Handler() {
            @Override
            public void onText(WebSocket webSocket, String text) {
                events.offer(new Frame(generation, text));
            }

            @Override
            public void onPong(WebSocket webSocket) {
                events.offer(new Pong(generation));
            }

            @Override
            public void onClose(WebSocket webSocket, int statusCode, String reason) {
                events.offer(new Closed(generation, statusCode, reason));
            }

            @Override
            public void onError(WebSocket webSocket, Throwable error) {
                events.offer(new Failed(generation, error));
            }
        });
    }
}
