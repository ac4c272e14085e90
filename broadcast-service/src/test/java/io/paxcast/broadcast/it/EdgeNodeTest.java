package io.paxcast.broadcast.it;

import io.paxcast.testkit.client.TestClient;
import io.paxcast.testkit.node.NodeJvm;
import io.paxcast.testkit.node.NodeLogsOnFailure;
import io.paxcast.testkit.node.NodeProcesses;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The split deployment with real processes: n1, n2, n3 run {@code SequencerMain} (the voters), n4 runs
 * {@code EdgeMain}. The edge adds itself as a learner with no admin call (edge.autoJoin), never votes
 * and leaves the quorum as it was, serves a WebSocket subscription and history identical to a voter's,
 * forwards a publish to the leader, and on SIGTERM removes itself from the membership. The two entry
 * points refuse a configuration of the other kind.
 */
class EdgeNodeTest {
    private static final String SEQUENCER = "io.paxcast.broadcast.SequencerMain";
    private static final String EDGE = "io.paxcast.broadcast.EdgeMain";

    @RegisterExtension
    final NodeLogsOnFailure logs = new NodeLogsOnFailure();

    @TempDir
    Path dir;

    @Test
    void anEdgeNodeJoinsServesAndLeavesOnItsOwn() throws Exception {
        try (NodeProcesses nodes = logs.watch(NodeProcesses.builder().nodes(4).name("EdgeNodeTest")
                .env("PAXCAST_CLUSTER_VOTERS", "n1,n2,n3")
                .mainClass(1, SEQUENCER).mainClass(2, SEQUENCER).mainClass(3, SEQUENCER).mainClass(4, EDGE).build())) {
            for (int k = 1; k <= 3; k++) {
                nodes.start(k);
            }
            nodes.awaitReady(Duration.ofSeconds(90), 1, 2, 3);
            for (int i = 0; i < 20; i++) {
                publish(nodes, 1 + i % 3, i); // history from before the edge existed
            }

            long startedAt = System.nanoTime();
            nodes.start(4);
            await("n4 is a learner on every voter").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100))
                    .ignoreExceptions().until(() -> {
                        for (int k = 1; k <= 3; k++) {
                            if (!ids(members(nodes, k), "learner").contains("n4")) {
                                return false;
                            }
                        }
                        return true;
                    });
            long joinMillis = (System.nanoTime() - startedAt) / 1_000_000;
            nodes.awaitReady(Duration.ofSeconds(60), 4);
            JsonObject view = members(nodes, 1);
            assertEquals(List.of("n1", "n2", "n3"), ids(view, "voter"), view.encode());
            assertEquals(2, view.getInteger("quorum"), "the edge counts in no quorum: " + view.encode());
            assertFalse(new JsonObject(nodes.get(4, "/v1/cluster").body()).getBoolean("voting", true), "n4 never votes");

            List<JsonObject> frames = new CopyOnWriteArrayList<>();
            new TestClient().webSocket(nodes.wsUri(4, "/v1/subscribe?channels=*&after=0"), Duration.ofSeconds(10),
                    (webSocket, text) -> frames.add(new JsonObject(text))).get(10, TimeUnit.SECONDS);
            for (int i = 20; i < 40; i++) {
                publish(nodes, i % 2 == 0 ? 4 : 1 + i % 3, i); // every other one through the edge: forwarded
            }
            await("n4's subscriber has all 40").atMost(Duration.ofSeconds(30))
                    .until(() -> messages(frames).size() >= 40);
            List<JsonObject> delivered = messages(frames);
            assertEquals(40, delivered.size(), "no duplicate: " + delivered);
            List<JsonObject> onVoter = history(nodes, 2);
            List<JsonObject> onEdge = history(nodes, 4);
            assertEquals(40, onVoter.size());
            assertEquals(onVoter, onEdge, "the edge's history is a voter's");
            for (int i = 0; i < 40; i++) {
                assertEquals(onVoter.get(i).getLong("seq"), delivered.get(i).getLong("seq"), "frame " + i);
                assertEquals(onVoter.get(i).getJsonObject("data"), delivered.get(i).getJsonObject("data"), "frame " + i);
            }

            nodes.stop(4); // SIGTERM: the edge asks to be removed on its way out
            await("n4 is no member").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                    .until(() -> !ids(members(nodes, 1), "learner").contains("n4"));
            publish(nodes, 3, 40);
            System.out.printf("edge node: a learner %d ms after its process started; removed on SIGTERM%n", joinMillis);
        }
    }

    @Test
    void eachEntryPointRefusesTheOtherKindOfNode() throws Exception {
        Result sequencer = run(SEQUENCER, "edge");
        assertEquals(2, sequencer.exit, sequencer.output);
        assertTrue(sequencer.output.contains("EdgeMain"), sequencer.output);
        Result edge = run(EDGE, "member");
        assertEquals(2, edge.exit, edge.output);
        assertTrue(edge.output.contains("PAXCAST_NODE_ROLE=member"), edge.output);
    }

    private record Result(int exit, String output) {}

    /** Runs an entry point with PAXCAST_NODE_ROLE={@code role} until it exits (a refused configuration exits at once). */
    private Result run(String mainClass, String role) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(NodeJvm.javaBinary(), "-cp", NodeJvm.thisClasspath(true), mainClass));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().keySet().removeIf(name -> name.startsWith("PAXCAST_"));
        pb.environment().put("PAXCAST_NODE_ID", "n4");
        pb.environment().put("PAXCAST_NODE_ROLE", role);
        pb.environment().put("PAXCAST_CLUSTER_MEMBERS", "n1@127.0.0.1:1,n2@127.0.0.1:2,n3@127.0.0.1:3,n4@127.0.0.1:4");
        pb.environment().put("PAXCAST_CLUSTER_VOTERS", "n1,n2,n3");
        pb.environment().put("PAXCAST_DATA_DIR", dir.resolve(role).toString());
        Process p = pb.start();
        try {
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), mainClass + " did not exit");
            return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        } finally {
            p.destroyForcibly();
        }
    }

    private static void publish(NodeProcesses nodes, int k, int i) throws Exception {
        HttpResponse<String> r = nodes.postJson(k, "/v1/channels/c" + (i % 3) + "/messages",
                new JsonObject().put("i", i).encode(), Duration.ofSeconds(20));
        assertEquals(201, r.statusCode(), "publish " + i + " to n" + k + ": " + r.body());
    }

    private static JsonObject members(NodeProcesses nodes, int k) throws Exception {
        return new JsonObject(nodes.get(k, "/v1/admin/members").body());
    }

    private static List<String> ids(JsonObject members, String role) {
        List<String> ids = new ArrayList<>();
        for (Object o : members.getJsonArray("members")) {
            JsonObject m = (JsonObject) o;
            if (role.equals(m.getString("role"))) {
                ids.add(m.getString("id"));
            }
        }
        ids.sort(null);
        return ids;
    }

    private static List<JsonObject> messages(List<JsonObject> frames) {
        return frames.stream().filter(f -> "message".equals(f.getString("type"))).toList();
    }

    /** Node k's global log (seq, channel, offset, data), once it holds the 40 messages. */
    private static List<JsonObject> history(NodeProcesses nodes, int k) throws Exception {
        await("n" + k + " holds 40").atMost(Duration.ofSeconds(30)).until(() ->
                new JsonObject(nodes.get(k, "/v1/messages?after=0&limit=100").body()).getJsonArray("messages").size() >= 40);
        JsonArray page = new JsonObject(nodes.get(k, "/v1/messages?after=0&limit=100").body()).getJsonArray("messages");
        List<JsonObject> out = new ArrayList<>();
        for (Object o : page) {
            JsonObject m = (JsonObject) o;
            out.add(new JsonObject().put("seq", m.getLong("seq")).put("channel", m.getString("channel"))
                    .put("offset", m.getLong("offset")).put("data", m.getJsonObject("data")));
        }
        return out;
    }
}
