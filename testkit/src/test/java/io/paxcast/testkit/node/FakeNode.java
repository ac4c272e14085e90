package io.paxcast.testkit.node;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A stand-in node for the harness's own test (JDK only): reads the same environment as the real
 * node, serves /health at once and /ready after PAXCAST_FAKE_READY_MILLIS (default 500), echoes
 * its environment at /env, and prints one line per second so a paused process shows in its log.
 */
public final class FakeNode {
    private FakeNode() {
    }

    public static void main(String[] args) throws IOException {
        String id = System.getenv("PAXCAST_NODE_ID");
        long readyAt = System.currentTimeMillis() + Long.parseLong(System.getenv().getOrDefault("PAXCAST_FAKE_READY_MILLIS", "500"));
        String env = "node=" + id + "\nmembers=" + System.getenv("PAXCAST_CLUSTER_MEMBERS")
                + "\nhttpHost=" + System.getenv("PAXCAST_HTTP_HOST") + "\nhttpPort=" + System.getenv("PAXCAST_HTTP_PORT")
                + "\ndataDir=" + System.getenv("PAXCAST_DATA_DIR") + "\n";
        HttpServer server = HttpServer.create(new InetSocketAddress(System.getenv("PAXCAST_HTTP_HOST"),
                Integer.parseInt(System.getenv("PAXCAST_HTTP_PORT"))), 0);
        server.createContext("/health", x -> {
            x.sendResponseHeaders(200, -1);
            x.close();
        });
        server.createContext("/ready", x -> {
            x.sendResponseHeaders(System.currentTimeMillis() >= readyAt ? 200 : 503, -1);
            x.close();
        });
        server.createContext("/env", x -> {
            byte[] body = env.getBytes(StandardCharsets.UTF_8);
            x.sendResponseHeaders(200, body.length);
            x.getResponseBody().write(body);
            x.close();
        });
        server.start();
        System.out.println("fake " + id + " serving");
        AtomicLong ticks = new AtomicLong();
        Executors.newSingleThreadScheduledExecutor().scheduleAtFixedRate(
                () -> System.out.println("fake " + id + " tick " + ticks.getAndIncrement()), 0, 1, TimeUnit.SECONDS);
    }
}
