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
 * says so in its log and in {@code /v1/cluster}, and runs as a non-voting learner, also after a
 * restart.
 */
class CorruptStorageTest {
    @TempDir
    Path dataDir;

    @Test
    void aCorruptStoreIsQuarantinedAndTheNodeNeverVotesWithIt() throws Exception {
        try (MapDbStorage storage = MapDbStorage.open(dataDir)) {
            Ballot b = new Ballot(3, "n1");
            Value v = Value.batch(1, List.of(new Command("c1", new byte[] {1})));
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
            try (InProcessNode node = new InProcessNode(dataDir, new JsonObject())) {
                HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + node.port + "/v1/cluster")).build(), HttpResponse.BodyHandlers.ofString());
                JsonObject view = new JsonObject(r.body());
                assertFalse(view.getBoolean("voting"), view.encode());
                assertEquals("learner", view.getString("role"));
                assertTrue(view.getString("storage").contains("corrupt"), view.encode());
                assertEquals("learner", view.getJsonArray("members").getJsonObject(0).getString("role"));
                assertFalse(view.getBoolean("ready"), "a lone learner is in no quorum");
            }
            assertTrue(Files.exists(dataDir.resolve(PaxcastNode.NON_VOTING_MARKER)));
            try (var files = Files.list(dataDir)) {
                assertEquals(1, files.filter(p -> p.getFileName().toString().startsWith("corrupt-")).count(),
                        "the corrupt store is kept aside once, for inspection");
            }
        }
    }
}
