package io.paxcast.faults;

import io.paxcast.faults.history.Frame;
import io.paxcast.faults.history.Subscription;
import io.paxcast.testkit.client.TestClient;
import io.paxcast.wsframes.TextFrameListener;
import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;

/**
 * WebSocket subscribers that survive faults: when a session ends (its node was killed, paused,
 * partitioned, or it was cut off as a slow consumer) the subscriber reconnects to the next node with
 * {@code after=<last seq received>}. Every session and every frame is recorded.
 */
final class Subscribers {
    private final int nodes;
    private final BiFunction<Integer, String, URI> wsUri;
    private final Recorder recorder;
    private final TestClient client = new TestClient(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build());
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "subscriber-reconnects");
        t.setDaemon(true);
        return t;
    });
    private final List<Subscriber> all = new ArrayList<>();
    private volatile boolean running = true;

    Subscribers(int nodes, BiFunction<Integer, String, URI> wsUri, Recorder recorder) {
        this.nodes = nodes;
        this.wsUri = wsUri;
        this.recorder = recorder;
    }

    /** One subscriber starting on {@code node}, on {@code channels} (null: all), from {@code afterSeq}. */
    void add(String name, int node, Set<String> channels, long afterSeq) {
        Subscriber s = new Subscriber(name, channels, afterSeq);
        synchronized (all) {
            all.add(s);
        }
        s.connect(node);
    }

    void stop() {
        running = false;
        scheduler.shutdownNow();
        synchronized (all) {
            for (Subscriber s : all) {
                s.close("run ended");
            }
        }
    }

    /** Subscribers whose session is currently open. */
    long connected() {
        synchronized (all) {
            return all.stream().filter(s -> s.socket != null).count();
        }
    }

    private final class Subscriber implements TextFrameListener.Handler {
        final String name;
        final Set<String> channels;
        volatile long lastSeq;
        int session = -1;
        int node;
        long openedNanos;
        long sessionAfter;
        volatile WebSocket socket;
        private boolean ended;

        Subscriber(String name, Set<String> channels, long afterSeq) {
            this.name = name;
            this.channels = channels;
            this.lastSeq = afterSeq;
        }

        synchronized void connect(int target) {
            if (!running) {
                return;
            }
            node = target;
            session++;
            ended = false;
            sessionAfter = lastSeq;
            openedNanos = System.nanoTime();
            String query = "channels=" + (channels == null ? "*" : String.join(",", channels)) + "&after=" + lastSeq;
            int thisSession = session;
            client.webSocket(wsUri.apply(target, "/v1/subscribe?" + query), Duration.ofSeconds(1), this)
                    .whenComplete((ws, error) -> {
                        if (error != null) {
                            end(thisSession, "connect failed: " + error.getClass().getSimpleName());
                        }
                    });
        }

        @Override
        public void onOpen(WebSocket webSocket) {
            socket = webSocket;
        }

        @Override
        public void onText(WebSocket webSocket, String text) {
            JsonObject frame = new JsonObject(text);
            if ("message".equals(frame.getString("type"))) {
                long seq = frame.getLong("seq");
                lastSeq = seq;
                recorder.frame(new Frame(name, session, System.nanoTime(), seq, frame.getString("channel"),
                        frame.getLong("offset"), frame.getValue("data") instanceof JsonObject d ? d.encode()
                        : String.valueOf(frame.getValue("data"))));
            }
        }

        @Override
        public void onClose(WebSocket webSocket, int statusCode, String reason) {
            end(session, "closed " + statusCode + " " + reason);
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            end(session, "error: " + error.getClass().getSimpleName());
        }

        synchronized void end(int which, String why) {
            if (which != session || ended) {
                return;
            }
            ended = true;
            socket = null;
            recorder.subscription(new Subscription(name, session, node, channels, sessionAfter, openedNanos,
                    System.nanoTime(), why));
            if (running) {
                int next = 1 + (node % nodes);
                scheduler.schedule(() -> connect(next), 200, TimeUnit.MILLISECONDS);
            }
        }

        synchronized void close(String why) {
            WebSocket ws = socket;
            if (!ended) {
                ended = true;
                socket = null;
                recorder.subscription(new Subscription(name, session, node, channels, sessionAfter, openedNanos,
                        System.nanoTime(), why));
            }
            if (ws != null) {
                ws.abort();
            }
        }
    }
}
