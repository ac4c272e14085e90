package io.paxcast.samples.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CLI without a cluster: argument parsing, exit codes, error printing, fail-over, against stubs. */
class PaxcastCliTest {

    // ---- parsing ---------------------------------------------------------------------------------

    @Test
    void helpListsEveryCommand() {
        CliRun run = CliRun.run("--help");
        assertEquals(0, run.exit());
        for (String command : List.of("publish", "tail", "history", "cluster", "consensus", "ledger")) {
            assertTrue(run.out().contains(command), command + " missing from --help");
        }
    }

    @Test
    void noCommandOrUnknownCommandIsAUsageError() {
        assertEquals(PaxcastCli.EXIT_USAGE, CliRun.run().exit());
        CliRun unknown = CliRun.run("pubish", "a", "{}");
        assertEquals(PaxcastCli.EXIT_USAGE, unknown.exit());
        assertTrue(unknown.err().contains("publish"), "suggests the command: " + unknown.err());
    }

    @Test
    void missingOrBadArgumentsAreUsageErrors() {
        assertEquals(PaxcastCli.EXIT_USAGE, CliRun.run("publish", "room-1").exit());
        assertEquals(PaxcastCli.EXIT_USAGE, CliRun.run("history", "--limit", "many").exit());
        assertEquals(PaxcastCli.EXIT_USAGE, CliRun.run("tail", "a", "--count", "0").exit());

        CliRun channel = CliRun.run("publish", "no spaces!", "{}");
        assertEquals(PaxcastCli.EXIT_USAGE, channel.exit());
        assertTrue(channel.err().contains("invalid channel name"), channel.err());

        CliRun url = CliRun.run("cluster", "--node", "localhost:8081");
        assertEquals(PaxcastCli.EXIT_USAGE, url.exit());
        assertTrue(url.err().contains("not a node URL"), url.err());
    }

    // ---- unreachable and server errors -----------------------------------------------------------

    @Test
    void unreachableNodeIsOneLineAndExitTwo() {
        URI dead = StubNode.deadNode();
        for (String[] args : List.of(new String[] {"cluster"}, new String[] {"publish", "room-1", "{}"},
                new String[] {"history"}, new String[] {"tail", "room-1"})) {
            CliRun run = CliRun.run(Map.of("PAXCAST_NODE", dead.toString()), "", args);
            assertEquals(PaxcastCli.EXIT_UNREACHABLE, run.exit(), String.join(" ", args));
            assertEquals(1, run.err().lines().count(), "one line: " + run.err());
            assertEquals("paxcast: cannot reach " + dead + ": connection refused", run.err().strip());
        }
    }

    @Test
    void serverErrorPrintsItsCodeAndMessageAndExitsOne() throws Exception {
        try (StubNode node = StubNode.start(req -> StubNode.json(req, 503,
                "{\"error\":{\"code\":\"no_quorum\",\"message\":\"not ordered within 5000 ms\"}}"))) {
            CliRun run = CliRun.run("publish", "room-1", "{\"a\":1}", "--node", node.uri().toString());
            assertEquals(PaxcastCli.EXIT_ERROR, run.exit());
            assertEquals("paxcast: error no_quorum (HTTP 503 from " + node.uri() + "): not ordered within 5000 ms",
                    run.err().strip());
            assertEquals("", run.out());
        }
    }

    @Test
    void anErrorBodyThatIsNotTheContractsIsShownRaw() throws Exception {
        try (StubNode node = StubNode.start(req -> req.response().setStatusCode(502).end("Bad Gateway"))) {
            CliRun run = CliRun.run("cluster", "--node", node.uri().toString());
            assertEquals(PaxcastCli.EXIT_ERROR, run.exit());
            assertTrue(run.err().contains("error http_502") && run.err().contains("Bad Gateway"), run.err());
        }
    }

    // ---- requests --------------------------------------------------------------------------------

    @Test
    void publishSendsTheBodyAndKeyAndPrintsTheResult() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        try (StubNode node = StubNode.start(req -> req.body().onSuccess(body -> {
            seen.add(req.getHeader("Idempotency-Key") + " " + req.getHeader("Content-Type") + " " + body);
            StubNode.json(req, 201, "{\"seq\":42,\"channel\":\"room-1\",\"offset\":7,\"ts\":1764160000000}");
        }))) {
            // a dead first node is skipped: nothing was sent to it
            CliRun run = CliRun.run(Map.of(), "{\"text\": \"from stdin\"}\n",
                    "publish", "room-1", "-", "--key", "k-1", "--node", StubNode.deadNode() + "," + node.uri());
            assertEquals(0, run.exit(), run.err());
            assertEquals(new JsonObject("{\"seq\":42,\"channel\":\"room-1\",\"offset\":7,\"ts\":1764160000000}"),
                    new JsonObject(run.out().strip()));
            assertEquals(List.of("POST /v1/channels/room-1/messages"), node.requests);
            assertEquals(List.of("k-1 application/json {\"text\": \"from stdin\"}"), seen);
        }
    }

    @Test
    void nodeComesFromTheEnvironmentWithoutNodeOption() throws Exception {
        try (StubNode node = StubNode.start(req -> StubNode.json(req, 200,
                "{\"node\":\"n2\",\"leader\":\"n1\",\"ballot\":\"3.n1\",\"commitSeq\":9,\"members\":[]}"))) {
            CliRun run = CliRun.run(Map.of("PAXCAST_NODE", node.uri().toString()), "", "cluster");
            assertEquals(0, run.exit(), run.err());
            assertEquals("n1", new JsonObject(run.out()).getString("leader"));
            assertTrue(run.out().lines().count() > 3, "pretty-printed: " + run.out());
        }
    }

    @Test
    void historyPagesBeyondTheNodesLimit() throws Exception {
        try (StubNode node = StubNode.start(req -> {
            long after = Long.parseLong(req.getParam("after"));
            int limit = Integer.parseInt(req.getParam("limit"));
            JsonArray messages = new JsonArray();
            for (long seq = after + 1; seq <= Math.min(after + limit, 1200); seq++) {
                messages.add(new JsonObject().put("seq", seq).put("channel", "c").put("offset", seq).put("data", seq));
            }
            StubNode.json(req, 200, new JsonObject().put("messages", messages)
                    .put("next", after + messages.size()).encode());
        })) {
            CliRun run = CliRun.run("history", "--limit", "1500", "--after", "100", "--node", node.uri().toString());
            assertEquals(0, run.exit(), run.err());
            assertEquals(1100, run.outLines().size());
            assertEquals(101, new JsonObject(run.outLines().get(0)).getLong("seq"));
            assertEquals(List.of("GET /v1/messages?after=100&limit=1000", "GET /v1/messages?after=1100&limit=500"),
                    node.requests);
        }
    }

    // ---- tail ------------------------------------------------------------------------------------

    static String frame(long seq) {
        return new JsonObject().put("type", "message").put("seq", seq).put("channel", "room-1").put("offset", seq)
                .put("ts", 1L).put("data", new JsonObject().put("n", seq)).encode();
    }

    @Test
    void tailResumesOnTheNextNodeAfterTheLastSeqWithoutRepeats() throws Exception {
        try (StubNode first = StubNode.start(req -> req.toWebSocket().onSuccess(ws -> {
            ws.writeTextMessage("{\"type\":\"subscribed\",\"channels\":[\"room-1\"],\"head\":10}");
            ws.writeTextMessage(frame(11));
            ws.writeTextMessage(frame(12));
            ws.close();
        }));
             StubNode second = StubNode.start(req -> req.toWebSocket().onSuccess(ws -> {
                 ws.writeTextMessage("{\"type\":\"subscribed\",\"channels\":[\"room-1\"],\"head\":14}");
                 ws.writeTextMessage(frame(12)); // a repeat: must not be printed twice
                 ws.writeTextMessage(frame(13));
                 ws.writeTextMessage(frame(14));
             }))) {
            CliRun run = CliRun.run("tail", "room-1", "--count", "3", "--node", first.uri() + "," + second.uri());
            assertEquals(0, run.exit(), run.err());
            assertEquals(List.of(11L, 12L, 13L), run.outLines().stream().map(l -> new JsonObject(l).getLong("seq")).toList());
            assertEquals(List.of("GET /v1/subscribe?channels=room-1"), first.requests);
            assertEquals(List.of("GET /v1/subscribe?channels=room-1&after=12"), second.requests);
            assertTrue(run.err().contains("resuming on " + second.uri() + " after seq 12"), run.err());
        }
    }

    @Test
    void tailWithoutMessagesResumesFromTheHeadItWasGiven() throws Exception {
        try (StubNode first = StubNode.start(req -> req.toWebSocket().onSuccess(ws -> {
            ws.writeTextMessage("{\"type\":\"subscribed\",\"channels\":[\"*\"],\"head\":77}");
            ws.close();
        }));
             StubNode second = StubNode.start(req -> req.toWebSocket().onSuccess(ws -> ws.writeTextMessage(frame(78))))) {
            CliRun run = CliRun.run("tail", "*", "--count", "1", "-q", "--node", first.uri() + "," + second.uri());
            assertEquals(0, run.exit(), run.err());
            assertEquals("", run.err());
            assertEquals(List.of("GET /v1/subscribe?channels=*&after=77"), second.requests);
        }
    }

    @Test
    void tailRefusedByTheNodeShowsTheNodesError() throws Exception {
        try (StubNode node = StubNode.start(req -> StubNode.json(req, 400,
                "{\"error\":{\"code\":\"invalid_parameter\",\"message\":\"after=999 is beyond this log's head 5\"}}"))) {
            CliRun run = CliRun.run("tail", "room-1", "--after", "999", "--node", node.uri().toString());
            assertEquals(PaxcastCli.EXIT_ERROR, run.exit());
            assertTrue(run.err().contains("error invalid_parameter (HTTP 400 from " + node.uri() + "): after=999"), run.err());
        }
    }

    @Test
    void tailStopsOnAFatalErrorFrame() throws Exception {
        try (StubNode node = StubNode.start(req -> req.toWebSocket().onSuccess(ws -> {
            ws.writeTextMessage("{\"type\":\"subscribed\",\"channels\":[\"a\"],\"head\":3}");
            ws.writeTextMessage("{\"type\":\"error\",\"code\":\"offset_expired\",\"message\":\"earliest is 100\"}");
            ws.close();
        }))) {
            CliRun run = CliRun.run("tail", "a", "--after", "0", "--node", node.uri().toString());
            assertEquals(PaxcastCli.EXIT_ERROR, run.exit());
            assertTrue(run.err().contains("error offset_expired (frame from " + node.uri() + "): earliest is 100"), run.err());
        }
    }
}
