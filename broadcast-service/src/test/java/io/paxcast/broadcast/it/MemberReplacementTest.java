package io.paxcast.broadcast.it;

import io.paxcast.testkit.node.NodeLogsOnFailure;
import io.paxcast.testkit.node.NodeProcesses;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A dead voter is replaced online (DESIGN.md P17), with real processes, while publishers run: n1, n2,
 * n3 are the bootstrap voters and n4 a spare. n4 is added as a voter through a node that may not lead
 * (it joins as a learner, catches up, is promoted); n3 is SIGKILLed and its disk deleted; n3 is
 * removed. Then n2 is killed too: the remaining n1 and n4 are a quorum of {n1, n2, n4} only if n4 really
 * votes, and a publish through n1 must commit. At the end every acknowledged publish is on n1, n2 and
 * n4 at the seq it was acknowledged with, the three logs are identical, and no key appears twice.
 */
class MemberReplacementTest {
    @RegisterExtension
    final NodeLogsOnFailure logs = new NodeLogsOnFailure();

    @Test
    void aDeadVoterIsReplacedByAFreshNodeWhilePublishersRun() throws Exception {
        try (NodeProcesses nodes = logs.watch(NodeProcesses.builder().nodes(4).name("MemberReplacementTest")
                .env("PAXCAST_CLUSTER_VOTERS", "n1,n2,n3").build())) {
            for (int k = 1; k <= 3; k++) {
                nodes.start(k);
            }
            nodes.awaitReady(Duration.ofSeconds(90), 1, 2, 3);
            nodes.start(4); // a spare: outside the configuration, it learns nothing yet
            await("n4 runs").atMost(Duration.ofSeconds(60)).ignoreExceptions()
                    .until(() -> nodes.status(4, "/health") == 200);

            Map<String, Long> acked = new ConcurrentHashMap<>();
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger publishable = new AtomicInteger(0b011); // bit k-1: node k takes publishes
            List<Thread> publishers = new ArrayList<>();
            for (int p = 0; p < 2; p++) {
                int publisher = p;
                Thread t = new Thread(() -> publishUntil(nodes, publisher, stop, publishable, acked), "publisher-" + p);
                t.start();
                publishers.add(t);
            }
            await("publishes commit").atMost(Duration.ofSeconds(30)).until(() -> acked.size() >= 50);

            long addedAt = System.nanoTime();
            HttpResponse<String> added = admin(nodes, 2, "POST", "/v1/admin/members",
                    new JsonObject().put("id", "n4").put("address", "127.0.0.1:" + nodes.httpPort(4)).put("role", "voter"));
            assertTrue(added.statusCode() == 200 || added.statusCode() == 202, added.statusCode() + " " + added.body());
            await("n4 votes").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20)).ignoreExceptions()
                    .until(() -> new JsonObject(nodes.get(4, "/v1/cluster").body()).getBoolean("voting", false));
            long addToVotingMillis = (System.nanoTime() - addedAt) / 1_000_000;
            await("every node applied the promotion").atMost(Duration.ofSeconds(30)).until(() -> {
                for (int k = 1; k <= 3; k++) {
                    if (!ids(new JsonObject(nodes.get(k, "/v1/admin/members").body()), "voter").contains("n4")) {
                        return false;
                    }
                }
                return true;
            });
            assertEquals(List.of("n1", "n2", "n3", "n4"), ids(new JsonObject(nodes.get(1, "/v1/admin/members").body()),
                    "voter"));

            nodes.kill(3);
            deleteRecursively(nodes.dataDir(3)); // its disk is gone too
            int before = acked.size();
            HttpResponse<String> removed = admin(nodes, 1, "DELETE", "/v1/admin/members/n3", null);
            assertTrue(removed.statusCode() == 200 || removed.statusCode() == 202, removed.statusCode() + " " + removed.body());
            await("n3 is removed").atMost(Duration.ofSeconds(30)).until(() ->
                    ids(new JsonObject(nodes.get(1, "/v1/admin/members").body()), "voter").equals(List.of("n1", "n2", "n4")));
            await("publishes go on without n3").atMost(Duration.ofSeconds(30)).until(() -> acked.size() >= before + 50);

            // n1 and n4 alone: a quorum of {n1, n2, n4} only if n4 votes
            publishable.set(0b001);
            nodes.kill(2);
            int alone = acked.size();
            await("n1 and n4 commit without n2").atMost(Duration.ofSeconds(30)).until(() -> acked.size() >= alone + 20);
            nodes.start(2);
            nodes.awaitReady(Duration.ofSeconds(90), 2);
            stop.set(true);
            for (Thread t : publishers) {
                t.join(60_000);
            }

            long head = acked.values().stream().max(Long::compare).orElseThrow();
            Map<Integer, List<JsonObject>> logsByNode = new HashMap<>();
            for (int k : new int[] {1, 2, 4}) {
                int node = k;
                await("n" + k + " applied up to seq " + head).atMost(Duration.ofSeconds(30))
                        .until(() -> new JsonObject(nodes.get(node, "/v1/cluster").body()).getLong("commitSeq") >= head);
                logsByNode.put(k, log(nodes, k));
            }
            assertEquals(logsByNode.get(1), logsByNode.get(2), "n2's log is n1's");
            assertEquals(logsByNode.get(1), logsByNode.get(4), "n4's log is n1's");
            Map<String, Long> seqOfKey = new HashMap<>();
            List<JsonObject> log = logsByNode.get(1);
            // the logs are equal with their chain hashes (n4 built its chain from what it caught up on); the
            // chain follows from the messages from h(0) on
            io.paxcast.broadcast.log.ChainHash chain = io.paxcast.broadcast.log.ChainHash.ZERO;
            for (int i = 0; i < log.size(); i++) {
                JsonObject m = log.get(i);
                assertEquals(i + 1, m.getLong("seq"), "contiguous seqs");
                chain = chain.next(m.getLong("seq"), m.getString("channel"), m.getJsonObject("data").encode());
                assertEquals(chain.hex(), m.getString("hash"), "the chain hash of seq " + m.getLong("seq"));
                String key = m.getJsonObject("data").getString("key");
                Long first = seqOfKey.putIfAbsent(key, m.getLong("seq"));
                assertEquals(null, first, "key " + key + " appears twice (seqs " + first + ", " + m.getLong("seq") + ")");
            }
            for (var e : acked.entrySet()) {
                assertEquals(e.getValue(), seqOfKey.get(e.getKey()), "acknowledged " + e.getKey() + " is where it was acknowledged");
            }
            System.out.printf("member replacement: %d publishes acknowledged, %d in the log; n4 voting %d ms after"
                    + " the add request%n", acked.size(), log.size(), addToVotingMillis);
        }
    }

    /** Publishes with an Idempotency-Key, retrying the same key (through another node) until it is acknowledged. */
    private static void publishUntil(NodeProcesses nodes, int publisher, AtomicBoolean stop, AtomicInteger publishable,
                                     Map<String, Long> acked) {
        int next = 0;
        String key = null;
        int attempt = 0;
        while (!stop.get()) {
            if (key == null) {
                key = "p" + publisher + "-" + next++;
            }
            int mask = publishable.get();
            int k = 1 + Math.floorMod(publisher + attempt++, 3);
            if ((mask & (1 << (k - 1))) == 0) {
                continue;
            }
            try {
                HttpRequest request = HttpRequest.newBuilder(nodes.uri(k, "/v1/channels/room/messages"))
                        .header("content-type", "application/json").header("Idempotency-Key", key)
                        .timeout(Duration.ofSeconds(10))
                        .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("key", key).encode())).build();
                HttpResponse<String> r = nodes.http().send(request, HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200 || r.statusCode() == 201) {
                    acked.put(key, new JsonObject(r.body()).getLong("seq"));
                    key = null;
                }
            } catch (Exception e) {
                // a killed node, a timeout: the same key again, through the next node, after a pause
                java.util.concurrent.locks.LockSupport.parkNanos(20_000_000);
            }
        }
    }

    private static HttpResponse<String> admin(NodeProcesses nodes, int k, String method, String path, JsonObject body)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(nodes.uri(k, path)).timeout(Duration.ofSeconds(30))
                .header("content-type", "application/json");
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body.encode()));
        return nodes.http().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static List<String> ids(JsonObject members, String role) {
        List<String> ids = new ArrayList<>();
        for (Object o : members.getJsonArray("members")) {
            JsonObject m = (JsonObject) o;
            if (role.equals(m.getString("role"))) {
                ids.add(m.getString("id"));
            }
        }
        ids.sort(Comparator.naturalOrder());
        return ids;
    }

    /** The whole global log of node k, page by page. */
    private static List<JsonObject> log(NodeProcesses nodes, int k) throws Exception {
        List<JsonObject> all = new ArrayList<>();
        long after = 0;
        while (true) {
            JsonArray page = new JsonObject(nodes.get(k, "/v1/messages?after=" + after + "&limit=1000").body())
                    .getJsonArray("messages");
            if (page.isEmpty()) {
                return all;
            }
            for (Object o : page) {
                all.add((JsonObject) o);
            }
            after = all.get(all.size() - 1).getLong("seq");
        }
    }

    private static void deleteRecursively(Path dir) throws Exception {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
