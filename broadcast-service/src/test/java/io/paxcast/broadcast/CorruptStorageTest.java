package io.paxcast.broadcast;

import io.paxcast.paxos.core.Ballot;
import io.paxcast.paxos.core.Command;
import io.paxcast.paxos.core.StorageWrite;
import io.paxcast.paxos.core.Value;
import io.paxcast.paxos.storage.MapDbStorage;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A node whose store fails its checks refuses to vote or lead with it: it moves the store aside,
 * says so in its log and in {@code /v1/cluster}, and starts blank: a learner that votes again only once
 * every other voter has answered and rejoining is proven safe (here the peers never answer, so it stays
 * a learner, also after a restart).
 */
class CorruptStorageTest {
    @TempDir
    Path dataDir;

    @Test
    void aCorruptStoreIsQuarantinedAndTheNodeNeverVotesWithIt() throws Exception {
        try (MapDbStorage storage = MapDbStorage.open(dataDir)) {
            Ballot b = new Ballot(3, "n1");
            Value v = Value.batch(1, 0, List.of(new Command(new io.paxcast.paxos.core.CommandId("n1", 1, 1), 1, new byte[] {1})));
            storage.write(List.of(new StorageWrite.Promised(b), new StorageWrite.Accepted(1, b, v)));
            storage.write(List.of(new StorageWrite.Accepted(2, b, v)));
        }
        // bit rot inside the journal's first frame, with a valid frame after it: not a torn write
        Path journal = dataDir.resolve(MapDbStorage.JOURNAL_NAME);
        byte[] bytes = Files.readAllBytes(journal);
        bytes[20] ^= 0x10;
        Files.write(journal, bytes);
        Files.deleteIfExists(dataDir.resolve(MapDbStorage.CLEAN_MARKER));

        for (int start = 1; start <= 2; start++) { // and it stays a learner after a restart
            // two peers that never answer: a single-voter cluster would have nobody to prove anything to
            JsonObject threeVoters = new JsonObject().put("cluster.members",
                    "n1@127.0.0.1:5701,n2@127.0.0.1:5702,n3@127.0.0.1:5703");
            try (InProcessNode node = new InProcessNode(dataDir, threeVoters)) {
                HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + node.port + "/v1/cluster")).build(), HttpResponse.BodyHandlers.ofString());
                JsonObject view = new JsonObject(r.body());
                assertFalse(view.getBoolean("voting"), view.encode());
                assertEquals("learner", view.getString("role"));
                assertTrue(view.getString("rejoin").contains("blank store"), view.encode());
                assertEquals("learner", view.getJsonArray("members").getJsonObject(0).getString("role"));
                assertFalse(view.getBoolean("ready"), "a lone learner is in no quorum");
            }
            try (var files = Files.list(dataDir)) {
                assertEquals(1, files.filter(p -> p.getFileName().toString().startsWith("corrupt-")).count(),
                        "the corrupt store is kept aside once, for inspection");
            }
        }
    }
}
