package io.paxcast.broadcast.it;

import io.paxcast.testkit.client.TestClient;
import io.paxcast.wsframes.TextFrameListener;
import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** A WebSocket subscriber that keeps every frame it receives, for assertions. */
final class WsCollector implements TextFrameListener.Handler {
    final String name;
    final List<JsonObject> frames = new CopyOnWriteArrayList<>();
    volatile boolean closed;
    private WebSocket socket;

    private WsCollector(String name) {
        this.name = name;
    }

    static WsCollector connect(HttpClient http, int port, String query, String name) throws Exception {
        WsCollector collector = new WsCollector(name);
        new TestClient(http).webSocket(URI.create("ws://127.0.0.1:" + port + "/v1/subscribe?" + query),
                Duration.ofSeconds(5), collector).get(10, TimeUnit.SECONDS);
        return collector;
    }

    @Override
    public void onOpen(WebSocket webSocket) {
        socket = webSocket;
    }

    @Override
    public void onText(WebSocket webSocket, String text) {
        frames.add(new JsonObject(text));
    }

    @Override
    public void onClose(WebSocket webSocket, int statusCode, String reason) {
        closed = true;
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
