package io.paxcast.bench.peer;

import io.paxcast.testkit.client.TestClient;
import io.paxcast.wsframes.TextFrameListener;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Publishes over one WebSocket with {@code {"type":"publish",...,"id":"<n>"}} frames (docs/API.md)
 * and completes each message's {@link Publisher.Ack} from the {@code ack} (or {@code error}) frame
 * carrying the same id. The socket is opened on {@code /v1/subscribe} for a channel nobody
 * publishes to, so it carries only acks back.
 *
 * <p>{@link #publish} is called from the driver's one thread; java.net.http allows one outstanding
 * send, so each send is awaited before the next (a local socket write, not a round trip).
 */
final class PaxcastWebSocketPublisher implements Publisher, TextFrameListener.Handler, AutoCloseable {
    private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*\"(\\d+)\"");

    private final ConcurrentHashMap<Long, Ack> pending = new ConcurrentHashMap<>();
    private final String framePrefix;
    private WebSocket socket;
    private long nextId;

    private PaxcastWebSocketPublisher(String channel) {
        this.framePrefix = "{\"type\":\"publish\",\"channel\":\"" + channel + "\",\"data\":";
    }

    static PaxcastWebSocketPublisher connect(HttpClient http, URI uri, String channel) throws Exception {
        PaxcastWebSocketPublisher p = new PaxcastWebSocketPublisher(channel);
        p.socket = new TestClient(http).webSocket(uri, null, p).get(10, TimeUnit.SECONDS);
        return p;
    }

    @Override
    public void publish(byte[] payload, Ack ack) {
        long id = ++nextId;
        pending.put(id, ack);
        String frame = framePrefix + new String(payload, StandardCharsets.US_ASCII) + ",\"id\":\"" + id + "\"}";
        try {
            socket.sendText(frame, true).join();
        } catch (RuntimeException e) {
            Ack a = pending.remove(id);
            if (a != null) {
                a.done(e);
            }
        }
    }

    @Override
    public void onText(WebSocket webSocket, String frame) {
        boolean ok = frame.startsWith("{\"type\":\"ack\"");
        if (ok || frame.startsWith("{\"type\":\"error\"")) {
            Matcher m = ID.matcher(frame);
            Ack ack = m.find() ? pending.remove(Long.parseLong(m.group(1))) : null;
            if (ack != null) {
                ack.done(ok ? null : new IllegalStateException(frame));
            } else if (!ok) {
                failAll(new IllegalStateException("error frame without a pending id: " + frame));
            }
        }
    }

    @Override
    public void onClose(WebSocket webSocket, int statusCode, String reason) {
        failAll(new IllegalStateException("publisher WebSocket closed: " + statusCode + " " + reason));
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        failAll(error);
    }

    private void failAll(Throwable error) {
        for (Long id : pending.keySet()) {
            Ack ack = pending.remove(id);
            if (ack != null) {
                ack.done(error);
            }
        }
    }

    @Override
    public void close() {
        socket.abort();
    }
}
