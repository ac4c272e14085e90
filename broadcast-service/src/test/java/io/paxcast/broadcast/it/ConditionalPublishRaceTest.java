package io.paxcast.broadcast.it;

import io.paxcast.testkit.node.NodeLogsOnFailure;
import io.paxcast.testkit.node.NodeProcesses;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Optimistic concurrency decided in the log, across real nodes: six writers (two per node) race on
 * one channel, each publishing with {@code If-Channel-Offset: <the offset it last saw>} and, on
 * {@code 409}, taking the current offset from the error and trying again. Exactly one writer wins each
 * offset: every {@code 201} landed right after the offset it expected, no offset was won twice, and
 * every node's channel history is exactly the winners, in offset order.
 */
class ConditionalPublishRaceTest {
    private static final int WRITERS = 6;
    private static final int WINS = 240;
    private static final String CHANNEL = "race";

    @RegisterExtension
    final NodeLogsOnFailure logs = new NodeLogsOnFailure();

    @Test
    void manyWritersRacingOnOneChannelGetExactlyOneWinnerPerOffset() throws Exception {
        try (NodeProcesses nodes = logs.watch(NodeProcesses.builder().nodes(3).name("ConditionalPublishRaceTest").build())) {
            nodes.startAll();
            nodes.awaitReady(Duration.ofSeconds(60));
            Map<Long, String> winners = new ConcurrentHashMap<>(); // offset -> "writer/attempt"
            AtomicInteger wins = new AtomicInteger();
            AtomicInteger conflicts = new AtomicInteger();
            java.util.concurrent.atomic.AtomicLong lastSeq = new java.util.concurrent.atomic.AtomicLong();
            ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
            List<Future<?>> writers = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                int writer = w;
                int node = w % 3 + 1;
                writers.add(pool.submit(() -> {
                    long seen = 0;
                    for (int attempt = 0; wins.get() < WINS; attempt++) {
                        String ref = writer + "/" + attempt;
                        HttpResponse<String> r = nodes.http().send(HttpRequest.newBuilder(
                                        nodes.uri(node, "/v1/channels/" + CHANNEL + "/messages"))
                                .header("Content-Type", "application/json")
                                .header("If-Channel-Offset", Long.toString(seen))
                                .timeout(Duration.ofSeconds(15))
                                .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("ref", ref)
                                        .put("expected", seen).encode()))
                                .build(), HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() == 201) {
                            long offset = new JsonObject(r.body()).getLong("offset");
                            assertEquals(seen + 1, offset, "a winner lands right after what it expected: " + r.body());
                            assertNull(winners.put(offset, ref), "offset " + offset + " won twice");
                            wins.incrementAndGet();
                            lastSeq.accumulateAndGet(new JsonObject(r.body()).getLong("seq"), Math::max);
                            seen = offset;
                        } else {
                            assertEquals(409, r.statusCode(), "n" + node + ": " + r.body());
                            JsonObject error = new JsonObject(r.body()).getJsonObject("error");
                            assertEquals("offset_mismatch", error.getString("code"), r.body());
                            long current = error.getLong("offset");
                            assertTrue(current != seen, "a 409 names an offset other than the expected one: " + r.body());
                            conflicts.incrementAndGet();
                            seen = current;
                        }
                    }
                    return null;
                }));
            }
            try {
                for (Future<?> f : writers) {
                    f.get(180, TimeUnit.SECONDS);
                }
            } finally {
                wins.set(WINS); // a failed writer stops the others too
                pool.shutdownNow();
            }

            long total = winners.size();
            assertTrue(total >= WINS, total + " wins");
            for (long offset = 1; offset <= total; offset++) {
                assertTrue(winners.containsKey(offset), "offset " + offset + " has no winner");
            }
            for (int k = 1; k <= 3; k++) {
                List<String> refs = new ArrayList<>();
                long after = 0;
                while (true) {
                    JsonObject page = new JsonObject(nodes.get(k, "/v1/channels/" + CHANNEL + "/messages?limit=1000&after="
                            + after + "&minSeq=" + lastSeq.get()).body()); // read-your-writes: every win applied there
                    JsonArray messages = page.getJsonArray("messages");
                    if (messages.isEmpty()) {
                        break;
                    }
                    for (int i = 0; i < messages.size(); i++) {
                        JsonObject m = messages.getJsonObject(i);
                        assertEquals(m.getLong("offset") - 1, m.getJsonObject("data").getLong("expected"), m.encode());
                        refs.add(m.getJsonObject("data").getString("ref"));
                    }
                    after = page.getLong("next");
                }
                List<String> expected = new ArrayList<>();
                for (long offset = 1; offset <= total; offset++) {
                    expected.add(winners.get(offset));
                }
                assertEquals(expected, refs, "n" + k + "'s history is exactly the winners, in offset order");
            }
            System.out.printf("conditional publish race: %d writers, %d offsets won once each, %d conflicts (409)%n",
                    WRITERS, total, conflicts.get());
        }
    }
}
