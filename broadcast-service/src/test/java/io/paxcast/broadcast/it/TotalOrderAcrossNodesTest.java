package io.paxcast.broadcast.it;

import io.paxcast.testkit.node.NodeLogsOnFailure;
import io.paxcast.testkit.node.NodeProcesses;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three real node processes, concurrent publishers on every node, WebSocket subscribers on every
 * node (some on every channel, some on a subset): every subscriber sees strictly increasing seq,
 * all of them agree on the order, every acknowledged publish is delivered exactly once where it
 * should be, and every node's history is the same global log. Then a subscriber resumes with
 * {@code after} mid-stream, under load, on another node: no gap, no duplicate at the switch.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TotalOrderAcrossNodesTest {
    static final List<String> CHANNELS = List.of("c1", "c2", "c3", "c4");
    static final int PUBLISHERS_PER_NODE = 2;
    static final int MESSAGES_PER_PUBLISHER = 60;

    @RegisterExtension
    static final NodeLogsOnFailure logs = new NodeLogsOnFailure();
    static NodeProcesses nodes;
    static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @BeforeAll
    static void startCluster() throws Exception {
        nodes = logs.watch(NodeProcesses.builder().nodes(3).name("TotalOrderAcrossNodesTest")
                .env("PAXCAST_PUBLISH_TIMEOUTMILLIS", "3000").build());
        nodes.startAll();
        nodes.awaitReady(Duration.ofSeconds(90));
    }

    @AfterAll
    static void stopCluster() {
        if (nodes != null) {
            nodes.close();
        }
    }

    record Ack(String publisher, int index, String channel, long seq, long offset, JsonObject data) {}

    static Ack publish(int node, String publisher, int index, String channel, String key) throws Exception {
        JsonObject data = new JsonObject().put("publisher", publisher).put("i", index).put("pad", "x".repeat(64));
        HttpRequest.Builder request = HttpRequest.newBuilder(nodes.uri(node, "/v1/channels/" + channel + "/messages"))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(data.encode()));
        if (key != null) {
            request.header("Idempotency-Key", key);
        }
        HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertTrue(r.statusCode() == 201 || r.statusCode() == 200, "publish on n" + node + ": " + r.statusCode() + " " + r.body());
        JsonObject result = new JsonObject(r.body());
        assertEquals(channel, result.getString("channel"));
        return new Ack(publisher, index, channel, result.getLong("seq"), result.getLong("offset"), data);
    }

    /** Runs the publishers on every node; returns every acknowledgement. */
    static List<Ack> publishConcurrently(String tag) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(3 * PUBLISHERS_PER_NODE);
        try {
            List<Future<List<Ack>>> futures = new ArrayList<>();
            for (int node = 1; node <= 3; node++) {
                for (int p = 0; p < PUBLISHERS_PER_NODE; p++) {
                    int target = node;
                    String publisher = tag + "-n" + node + "-p" + p;
                    futures.add(pool.submit(() -> {
                        Random random = new Random(publisher.hashCode());
                        List<Ack> acks = new ArrayList<>();
                        for (int i = 0; i < MESSAGES_PER_PUBLISHER; i++) {
                            String channel = CHANNELS.get(random.nextInt(CHANNELS.size()));
                            String key = i % 5 == 0 ? publisher + "-" + i : null;
                            acks.add(publish(target, publisher, i, channel, key));
                        }
                        return acks;
                    }));
                }
            }
            List<Ack> all = new ArrayList<>();
            for (Future<List<Ack>> f : futures) {
                all.addAll(f.get(120, TimeUnit.SECONDS));
            }
            return all;
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    @Order(1)
    void everySubscriberOnEveryNodeSeesTheSameOrderWithNoGapDuplicateOrLoss() throws Exception {
        List<WsCollector> subscribers = new ArrayList<>();
        Map<WsCollector, Set<String>> filters = new HashMap<>();
        for (int node = 1; node <= 3; node++) {
            WsCollector all = WsCollector.connect(http, nodes.httpPort(node), "channels=*", "n" + node + "-all");
            WsCollector subset = WsCollector.connect(http, nodes.httpPort(node), "channels=c1,c3", "n" + node + "-c1c3");
            subscribers.add(all);
            subscribers.add(subset);
            filters.put(all, null);
            filters.put(subset, Set.of("c1", "c3"));
        }
        for (WsCollector s : subscribers) {
            await().atMost(Duration.ofSeconds(10)).until(() -> !s.frames.isEmpty());
            assertEquals("subscribed", s.frames.get(0).getString("type"), s.name);
        }

        List<Ack> acks = publishConcurrently("order");

        Map<Long, Ack> bySeq = new HashMap<>();
        for (Ack ack : acks) {
            assertEquals(null, bySeq.put(ack.seq(), ack), "two publishes acknowledged with seq " + ack.seq());
        }
        for (WsCollector s : subscribers) {
            Set<String> filter = filters.get(s);
            long expected = acks.stream().filter(a -> filter == null || filter.contains(a.channel())).count();
            await(s.name + " receives all " + expected).atMost(Duration.ofSeconds(30))
                    .until(() -> s.messages().stream().filter(m -> bySeq.containsKey(m.getLong("seq"))).count() >= expected);
        }

        Map<Long, JsonObject> reference = new ConcurrentHashMap<>();
        for (WsCollector s : subscribers) {
            Set<String> filter = filters.get(s);
            long last = 0;
            Map<Long, Integer> seen = new HashMap<>();
            for (JsonObject m : s.messages()) {
                long seq = m.getLong("seq");
                assertTrue(seq > last, s.name + ": seq " + seq + " after " + last);
                last = seq;
                seen.merge(seq, 1, Integer::sum);
                assertTrue(filter == null || filter.contains(m.getString("channel")), s.name + " got " + m.encode());
                JsonObject previous = reference.putIfAbsent(seq, m);
                if (previous != null) {
                    assertEquals(previous, m, "seq " + seq + " differs between subscribers");
                }
            }
            for (Ack ack : acks) {
                if (filter == null || filter.contains(ack.channel())) {
                    assertEquals(1, seen.getOrDefault(ack.seq(), 0), s.name + " must deliver seq " + ack.seq() + " once");
                    JsonObject frame = reference.get(ack.seq());
                    assertEquals(ack.data(), frame.getJsonObject("data"), "payload of seq " + ack.seq());
                    assertEquals(ack.channel(), frame.getString("channel"));
                    assertEquals(ack.offset(), frame.getLong("offset"));
                }
            }
            s.close();
        }

        // every node's history is the same global log: contiguous seq, the acknowledged messages at their seq
        List<JsonArray> logs = new ArrayList<>();
        for (int node = 1; node <= 3; node++) {
            logs.add(history(node));
        }
        assertEquals(logs.get(0), logs.get(1), "n1 and n2 hold different logs");
        assertEquals(logs.get(0), logs.get(2), "n1 and n3 hold different logs");
        JsonArray log = logs.get(0);
        Map<String, Long> offsets = new HashMap<>();
        for (int i = 0; i < log.size(); i++) {
            JsonObject m = log.getJsonObject(i);
            assertEquals(i + 1, m.getLong("seq"), "seq has no hole");
            long offset = offsets.merge(m.getString("channel"), 1L, Long::sum);
            assertEquals(offset, m.getLong("offset"), "offsets of " + m.getString("channel") + " have no hole");
        }
        for (Ack ack : acks) {
            JsonObject m = log.getJsonObject((int) ack.seq() - 1);
            assertEquals(ack.data(), m.getJsonObject("data"), "history at seq " + ack.seq());
        }
    }

    static JsonArray history(int node) throws Exception {
        JsonArray all = new JsonArray();
        long after = 0;
        while (true) {
            HttpResponse<String> r = nodes.get(node, "/v1/messages?after=" + after + "&limit=1000");
            assertEquals(200, r.statusCode(), r.body());
            JsonObject page = new JsonObject(r.body());
            JsonArray messages = page.getJsonArray("messages");
            if (messages.isEmpty()) {
                return all;
            }
            messages.forEach(all::add);
            after = page.getLong("next");
        }
    }

    @Test
    @Order(2)
    void aSubscriberResumedWithAfterOnAnotherNodeMissesNothingAndRepeatsNothing() throws Exception {
        long start = new JsonObject(nodes.get(1, "/v1/cluster").body()).getLong("commitSeq");
        WsCollector witness = WsCollector.connect(http, nodes.httpPort(3), "channels=*&after=" + start, "witness");
        WsCollector first = WsCollector.connect(http, nodes.httpPort(2), "channels=*&after=" + start, "first");

        ExecutorService load = Executors.newSingleThreadExecutor();
        Future<List<Ack>> publishing = load.submit(() -> publishConcurrently("resume"));
        int total = 3 * PUBLISHERS_PER_NODE * MESSAGES_PER_PUBLISHER;
        await().atMost(Duration.ofSeconds(60)).until(() -> first.messages().size() >= total / 3);
        first.close();
        long resumeAfter = first.lastSeq();
        WsCollector second = WsCollector.connect(http, nodes.httpPort(1), "channels=*&after=" + resumeAfter, "second");
        List<Ack> acks = publishing.get(120, TimeUnit.SECONDS);
        load.shutdown();
        long lastAcked = acks.stream().mapToLong(Ack::seq).max().orElseThrow();

        await().atMost(Duration.ofSeconds(30)).until(() -> second.lastSeq() >= lastAcked && witness.lastSeq() >= lastAcked);
        List<Long> stitched = new ArrayList<>();
        first.messages().forEach(m -> stitched.add(m.getLong("seq")));
        second.messages().forEach(m -> stitched.add(m.getLong("seq")));
        List<Long> expected = new ArrayList<>();
        witness.messages().forEach(m -> expected.add(m.getLong("seq")));
        assertNotNull(second.frames.get(0));
        assertEquals("subscribed", second.frames.get(0).getString("type"));
        assertTrue(resumeAfter > start && resumeAfter < lastAcked, "the resume happened mid-stream: " + resumeAfter);
        assertEquals(expected.subList(0, Math.min(expected.size(), stitched.size())), stitched.subList(0, Math.min(expected.size(), stitched.size())),
                "first + resumed stream equals an uninterrupted subscription");
        for (long seq = start + 1; seq <= lastAcked; seq++) {
            assertEquals(seq, (long) stitched.get((int) (seq - start - 1)), "no gap or duplicate around after=" + resumeAfter);
        }
        second.close();
        witness.close();
    }

    /** Runs last: it kills two of the three nodes. */
    @Test
    @Order(3)
    void withoutAQuorumAPublishWaitsItsDeadlineThenAnswers503NoQuorumAndChangesNothing() throws Exception {
        long before = new JsonObject(nodes.get(1, "/v1/cluster").body()).getLong("commitSeq");
        nodes.kill(2);
        nodes.kill(3);
        await("n1 stops calling itself ready").atMost(Duration.ofSeconds(15))
                .until(() -> nodes.status(1, "/ready") == 503);
        long started = System.nanoTime();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(nodes.uri(1, "/v1/channels/c1/messages"))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"alone\":true}")).build(), HttpResponse.BodyHandlers.ofString());
        double waited = (System.nanoTime() - started) / 1e9;
        assertEquals(503, r.statusCode(), r.body());
        assertEquals("no_quorum", new JsonObject(r.body()).getJsonObject("error").getString("code"));
        assertTrue(r.headers().firstValue("Retry-After").isPresent(), "503 carries Retry-After");
        assertTrue(waited >= 2.5 && waited < 10, "waited the configured 3 s deadline, not " + waited);
        assertEquals(before, new JsonObject(nodes.get(1, "/v1/cluster").body()).getLong("commitSeq"));
        assertEquals(200, nodes.status(1, "/health"), "the process still serves");
    }
}
