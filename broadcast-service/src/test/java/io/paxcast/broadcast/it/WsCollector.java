package io.paxcast.broadcast.it;

import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** A WebSocket subscriber that keeps every frame it receives, for assertions. */
final class WsCollector implements WebSocket.Listener {
    final String name;
    final List<JsonObject> frames = new CopyOnWriteArrayList<>();
    private final StringBuilder partial = new StringBuilder();
    volatile boolean closed;
    private WebSocket socket;

    private WsCollector(String name) {
        this.name = name;
    }

    static WsCollector connect(HttpClient http, int port, String query, String name) throws Exception {
        WsCollector collector = new WsCollector(name);
        http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5))
                .buildAsync(URI.create("ws://127.0.0.1:" + port + "/v1/subscribe?" + query), collector)
                .get(10, TimeUnit.SECONDS);
        return collector;
    }

    @Override
    public void onOpen(WebSocket webSocket) {
        socket = webSocket;
        webSocket.request(Long.MAX_VALUE);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            frames.add(new JsonObject(partial.toString()));
            partial.setLength(0);
        }
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closed = true;
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        closed = true;
    }

    List<JsonObject> messages() {
        List<JsonObject> out = new ArrayList<>();
        for (JsonObject f : frames) {
            if ("message".equals(f.getString("type"))) {
                out.add(f);
            }
        }
        return out;
    }

    long lastSeq() {
        List<JsonObject> m = messages();
        return m.isEmpty() ? 0 : m.get(m.size() - 1).getLong("seq");
    }

    void close() {
        if (socket != null) {
            socket.abort();
        }
        closed = true;
    }
}
