package io.paxcast.samples.cli;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A scripted stand-in for a node (Vert.x HTTP server on a free loopback port) for the CLI's tests
 * that need no cluster: the test says what each request gets; every request's method and URI are kept.
 */
final class StubNode implements AutoCloseable {
    private static final Vertx VERTX = Vertx.vertx();

    final List<String> requests = new CopyOnWriteArrayList<>();
    private final HttpServer server;

    private StubNode(Handler<HttpServerRequest> handler) throws Exception {
        this.server = VERTX.createHttpServer()
                .requestHandler(req -> {
                    requests.add(req.method() + " " + req.uri());
                    handler.handle(req);
                })
                .listen(0, "127.0.0.1")
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    static StubNode start(Handler<HttpServerRequest> handler) throws Exception {
        return new StubNode(handler);
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + server.actualPort());
    }

    /** Answers with a status and a JSON body. */
    static void json(HttpServerRequest req, int status, String body) {
        req.response().setStatusCode(status).putHeader("content-type", "application/json").end(body);
    }

    /** A loopback URL on which nothing listens (a port just released). */
    static URI deadNode() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return URI.create("http://127.0.0.1:" + socket.getLocalPort());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        server.close().toCompletionStage().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
    }
}
