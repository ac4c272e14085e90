package io.paxcast.testkit.client;

import io.paxcast.wsframes.TextFrameListener;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * The harnesses' HTTP and WebSocket client of a node (java.net.http): plain GETs and JSON POSTs with
 * short timeouts, and WebSockets whose text frames arrive whole ({@link TextFrameListener}). One
 * instance shares one {@link HttpClient}, so its connections are reused.
 *
 * <p>Threading: every method may be called from any thread; WebSocket handlers run on the JDK's threads.
 */
public final class TestClient {
    private static final Duration GET_TIMEOUT = Duration.ofSeconds(2);

    private final HttpClient http;

    /** Connect timeout 1 s and no proxy: a test cluster is local, and a proxy setting of the machine must not reach it. */
    public TestClient() {
        this(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).proxy(HttpClient.Builder.NO_PROXY).build());
    }

    /** Over a client of the caller's (its timeouts, executor, HTTP version). */
    public TestClient(HttpClient http) {
        this.http = http;
    }

    public HttpClient http() {
        return http;
    }

    /** GET {@code uri} (2 s timeout). */
    public HttpResponse<String> get(URI uri) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri).timeout(GET_TIMEOUT).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The status of GET {@code uri}, or -1 if it does not answer within 2 s. */
    public int status(URI uri) {
        try {
            return get(uri).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** POST a JSON body to {@code uri}. */
    public HttpResponse<String> postJson(URI uri, String json, Duration timeout) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri).timeout(timeout)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Opens a WebSocket that reads every frame as fast as the node sends ({@link TextFrameListener.Demand#UNBOUNDED}). */
    public CompletableFuture<WebSocket> webSocket(URI uri, Duration connectTimeout, TextFrameListener.Handler handler) {
        return webSocket(uri, connectTimeout, TextFrameListener.unbounded(handler));
    }

    /** Opens a WebSocket with a listener of the caller's (another {@link TextFrameListener.Demand}). */
    public CompletableFuture<WebSocket> webSocket(URI uri, Duration connectTimeout, TextFrameListener listener) {
        WebSocket.Builder builder = http.newWebSocketBuilder();
        if (connectTimeout != null) {
            builder.connectTimeout(connectTimeout);
        }
        return builder.buildAsync(uri, listener);
    }
}
