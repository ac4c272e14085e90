package io.paxcast.bench.peer;

import io.paxcast.testkit.client.TestClient;
import io.paxcast.testkit.node.NodeProcesses;
import io.paxcast.wsframes.TextFrameListener;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Paxcast: N real node processes ({@link NodeProcesses}, fresh data, {@code storage.fsync=always}, or {@code none} for the diagnostic).
 * The publisher talks to the leader (as Kafka's producer does), either with WebSocket
 * {@code publish} frames or with {@code POST /v1/messages} batches; the subscriber is a WebSocket
 * {@code /v1/subscribe} on a follower.
 */
final class PaxcastPeer implements PeerSystem {
    static final String CHANNEL = "peer-bench";
    private static final Pattern LEADER = Pattern.compile("\"leader\"\\s*:\\s*\"n(\\d+)\"");

    enum Client { WEBSOCKET, BATCH }

    private final NodeProcesses nodes;
    private final Client client;
    private final Publisher publisher;
    private final AutoCloseable publisherConnection;
    private final WebSocket subscriber;
    private final int leader;
    private final String fsync;
    private final int follower;

    private PaxcastPeer(NodeProcesses nodes, Client client, Publisher publisher, AutoCloseable publisherConnection,
                        WebSocket subscriber, int leader, int follower, String fsync) {
        this.fsync = fsync;
        this.nodes = nodes;
        this.client = client;
        this.publisher = publisher;
        this.publisherConnection = publisherConnection;
        this.subscriber = subscriber;
        this.leader = leader;
        this.follower = follower;
    }

    static PaxcastPeer start(int size, String fsync, Client client, int batchItems, Deliveries deliveries) throws Exception {
        NodeProcesses nodes = NodeProcesses.builder().nodes(size).name("PeerBench-paxcast" + size).heap("384m")
                .env("PAXCAST_STORAGE_FSYNC", fsync).build();
        try {
            nodes.startAll();
            nodes.awaitReady(Duration.ofSeconds(120));
            int leader = awaitLeader(nodes);
            int follower = leader % size + 1;
            // HTTP/1.1: by default java.net.http upgrades http:// to h2c, and a window of 1024 batches
            // of 1 then ran into the node's limit of concurrent streams ("too many concurrent streams")
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5)).build();
            WebSocket subscriber = new TestClient(http)
                    .webSocket(ws(nodes, follower, "/v1/subscribe?channels=" + CHANNEL), null, new SubscriberListener(deliveries))
                    .get(10, TimeUnit.SECONDS);
            Publisher publisher;
            AutoCloseable connection;
            if (client == Client.WEBSOCKET) {
                PaxcastWebSocketPublisher p = PaxcastWebSocketPublisher.connect(http, ws(nodes, leader, "/v1/subscribe?channels=" + CHANNEL + "-acks"), CHANNEL);
                publisher = p;
                connection = p;
            } else {
                publisher = new PaxcastBatchPublisher(http, nodes.uri(leader, "/v1/messages"), CHANNEL, batchItems);
                connection = () -> { };
            }
            return new PaxcastPeer(nodes, client, publisher, connection, subscriber, leader, follower, fsync);
        } catch (Exception | Error e) {
            nodes.close();
            throw e;
        }
    }

    private static URI ws(NodeProcesses nodes, int k, String pathAndQuery) {
        return URI.create(nodes.uri(k, "").toString().replaceFirst("^http", "ws").replaceAll("/$", "") + pathAndQuery);
    }

    /** The node named leader by /v1/cluster, polled until one is (readiness means in a quorum, not always led yet). */
    private static int awaitLeader(NodeProcesses nodes) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        Object pause = new Object();
        while (System.nanoTime() < deadline) {
            Matcher m = LEADER.matcher(nodes.get(1, "/v1/cluster").body());
            if (m.find()) {
                return Integer.parseInt(m.group(1));
            }
            synchronized (pause) {
                pause.wait(100); // a bounded poll interval
            }
        }
        throw new IllegalStateException("no leader named within 60 s");
    }

    @Override
    public Publisher publisher() {
        return publisher;
    }

    @Override
    public String describe() {
        return nodes.size() + " Paxcast nodes (fsync=" + fsync + "), " + (client == Client.WEBSOCKET ? "WebSocket publish frames"
                : "POST /v1/messages batches") + " to the leader n" + leader + ", subscriber on n" + follower;
    }

    @Override
    public long leaderChanges() {
        long most = 0;
        for (int k = 1; k <= nodes.size(); k++) {
            try {
                for (String line : nodes.get(k, "/metrics").body().split("\n")) {
                    if (line.startsWith("paxcast_leader_changes_total")) {
                        most = Math.max(most, (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)));
                    }
                }
            } catch (Exception e) {
                return -1; // a node that does not answer: not counted, not guessed
            }
        }
        return most;
    }

    @Override
    public void close() {
        try {
            publisherConnection.close();
        } catch (Exception ignored) {
            // the nodes go next anyway
        }
        subscriber.abort();
        nodes.close();
    }

    /** Feeds every {@code message} frame's payload stamp to {@link Deliveries}. */
    private static final class SubscriberListener implements TextFrameListener.Handler {
        private final Deliveries deliveries;

        SubscriberListener(Deliveries deliveries) {
            this.deliveries = deliveries;
        }

        @Override
        public void onText(WebSocket webSocket, String frame) {
            if (frame.contains("\"type\":\"message\"")) {
                deliveries.received(Payload.sentIn(frame));
            }
        }
    }
}
