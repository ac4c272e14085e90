package io.paxcast.samples.client;

import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;

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
     * Queues the callbacks of one connection. It requests one frame when opened and then only the
     * rest of a partial frame: the subscription requests the next frame after handling one.
     */
    static final class Listener implements WebSocket.Listener {
        private final int generation;
        private final BlockingQueue<Event> events;
        private final StringBuilder partial = new StringBuilder();

        Listener(int generation, BlockingQueue<Event> events) {
            this.generation = generation;
            this.events = events;
        }

        @Override
        public void onOpen(WebSocket webSocket) {
            webSocket.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                events.offer(new Frame(generation, partial.toString()));
                partial.setLength(0);
            } else {
                webSocket.request(1); // the rest of this frame
            }
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onPong(WebSocket webSocket, ByteBuffer message) {
            events.offer(new Pong(generation));
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            events.offer(new Closed(generation, statusCode, reason == null ? "" : reason));
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            events.offer(new Failed(generation, error));
        }
    }
}
