package io.paxcast.broadcast.it;

import io.paxcast.testkit.node.NodeLogsOnFailure;
import io.paxcast.testkit.node.NodeProcesses;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Read-your-writes across real nodes: a client publishes through node k and at once reads through
 * node k+1 with {@code minSeq=<the seq it got>}; every read holds the write, at its seq, although the
 * reading node applies the slot a moment after the publishing node answered (the same read without
 * {@code minSeq} misses it now and then; the count is printed).
 */
class ReadYourWritesAcrossNodesTest {
    private static final int ROUNDS = 300;

    @RegisterExtension
    final NodeLogsOnFailure logs = new NodeLogsOnFailure();

    @Test
    void aWriteThroughOneNodeIsReadThroughAnotherWithMinSeq() throws Exception {
        try (NodeProcesses nodes = logs.watch(NodeProcesses.builder().nodes(3).name("ReadYourWritesAcrossNodesTest").build())) {
            nodes.startAll();
            nodes.awaitReady(Duration.ofSeconds(60));
            int staleWithout = 0;
            for (int i = 0; i < ROUNDS; i++) {
                int writer = i % 3 + 1;
                int reader = writer % 3 + 1;
                HttpResponse<String> ack = nodes.postJson(writer, "/v1/channels/ryw/messages", "{\"i\":" + i + "}",
                        Duration.ofSeconds(10));
                assertEquals(201, ack.statusCode(), ack.body());
                long seq = new JsonObject(ack.body()).getLong("seq");

                JsonArray plain = new JsonObject(nodes.get(reader, "/v1/messages?after=" + (seq - 1) + "&limit=1")
                        .body()).getJsonArray("messages");
                if (plain.isEmpty()) {
                    staleWithout++;
                }
                HttpResponse<String> read = nodes.get(reader, "/v1/messages?after=" + (seq - 1) + "&limit=1&minSeq=" + seq);
                assertEquals(200, read.statusCode(), "n" + reader + ": " + read.body());
                JsonArray page = new JsonObject(read.body()).getJsonArray("messages");
                assertEquals(1, page.size(), "n" + reader + " with minSeq=" + seq + ": " + read.body());
                JsonObject message = page.getJsonObject(0);
                assertEquals(seq, message.getLong("seq"), message.encode());
                assertEquals(i, message.getJsonObject("data").getInteger("i"), message.encode());
                if (i % 10 == 0) { // a linearizable head through the other node is never behind the write
                    JsonObject head = new JsonObject(nodes.get(reader, "/v1/head?linearizable=true").body());
                    assertTrue(head.getLong("seq") >= seq, "n" + reader + " " + head.encode() + " after seq " + seq);
                }
            }
            System.out.printf("read-your-writes: %d rounds, every read with minSeq held its write; without minSeq"
                    + " %d reads through the other node did not hold it yet%n", ROUNDS, staleWithout);
        }
    }
}
