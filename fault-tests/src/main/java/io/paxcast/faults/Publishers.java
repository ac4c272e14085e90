package io.paxcast.faults;

import io.paxcast.faults.history.PublishOp;
import io.paxcast.faults.history.PublishOp.Outcome;
import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiFunction;

/**
 * Concurrent HTTP publishers at a target total rate. Each logical publish has a unique key and
 * payload; when an attempt ends without a definite answer (timeout, 503, connection reset) the client
 * retries the same key through another node, as a careful client would. Every attempt is recorded.
 */
final class Publishers {
    private static final List<String> CHANNELS = List.of("a", "b", "c", "d");

    private final int clients;
    private final double ratePerSecond;
    private final int nodes;
    private final BiFunction<Integer, String, URI> uri;
    private final Recorder recorder;
    private final long seed;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong logical = new AtomicLong();
    private final List<Thread> threads = new ArrayList<>();

    Publishers(int clients, double ratePerSecond, int nodes, BiFunction<Integer, String, URI> uri, Recorder recorder, long seed) {
        this.clients = clients;
        this.ratePerSecond = ratePerSecond;
        this.nodes = nodes;
        this.uri = uri;
        this.recorder = recorder;
        this.seed = seed;
    }

    void start() {
        for (int c = 0; c < clients; c++) {
            int client = c;
            Thread t = new Thread(() -> run(client), "publisher-" + c);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    /** Stops issuing new publishes and waits for the ones in flight (and their retries) to end. */
    void stop() throws InterruptedException {
        running.set(false);
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(60));
        }
    }

    long logicalPublishes() {
        return logical.get();
    }

    private void run(int client) {
        Random random = new Random(seed * 7919 + client);
        long interval = (long) (1e9 * clients / ratePerSecond);
        long next = System.nanoTime();
        int n = 0;
        while (running.get()) {
            long wait = next - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait); // pacing to the target rate
            }
            next += interval;
            String key = "c" + client + "-" + n;
            String channel = CHANNELS.get(random.nextInt(CHANNELS.size()));
            String payload = new JsonObject().put("client", client).put("n", n).put("key", key).encode();
            n++;
            logical.incrementAndGet();
            int node = 1 + random.nextInt(nodes);
            for (int attempt = 0; attempt < 6; attempt++) {
                Outcome outcome = attempt(client, key, channel, payload, node);
                if (outcome != Outcome.INFO) {
                    break; // acknowledged, or definitely refused
                }
                node = 1 + (node % nodes); // retry the same key through the next node
            }
        }
    }

    private Outcome attempt(int client, String key, String channel, String payload, int node) {
        long invoked = System.nanoTime();
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri.apply(node, "/v1/channels/" + channel + "/messages"))
                            .timeout(Duration.ofSeconds(4))
                            .header("Content-Type", "application/json")
                            .header("Idempotency-Key", key)
                            .POST(HttpRequest.BodyPublishers.ofString(payload)).build(),
                    HttpResponse.BodyHandlers.ofString());
            long done = System.nanoTime();
            if (r.statusCode() == 200 || r.statusCode() == 201) {
                JsonObject result = new JsonObject(r.body());
                recorder.publish(new PublishOp("c" + client, key, channel, payload, node, invoked, done, Outcome.OK,
                        result.getLong("seq"), result.getLong("offset")));
                return Outcome.OK;
            }
            // 503 no_quorum and 429 overloaded may or may not have been ordered later: unknown
            Outcome outcome = r.statusCode() >= 500 || r.statusCode() == 429 ? Outcome.INFO : Outcome.FAILED;
            recorder.publish(new PublishOp("c" + client, key, channel, payload, node, invoked, done, outcome, null, null));
            return outcome;
        } catch (Exception e) {
            // timeout, reset, refused: unknown (a refused connection is certainly not appended, but INFO
            // claims less, and the logical publish is retried through another node anyway)
            recorder.publish(new PublishOp("c" + client, key, channel, payload, node, invoked, System.nanoTime(),
                    Outcome.INFO, null, null));
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return Outcome.INFO;
        }
    }
}
