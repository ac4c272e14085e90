package io.paxcast.samples.cli;

import io.paxcast.broadcast.log.ChainHash;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code paxcast verify} against two scripted nodes that serve real chains (computed here with
 * {@link ChainHash}): equal logs agree, logs that part at one seq are found to part exactly there,
 * in about log2(n) proof requests, and a node whose proof does not recompute is reported as such.
 */
class VerifyCommandTest {

    /** A node's log: message i's data is {@code dataOf(i)}; served over /v1/head and /v1/messages/{seq}/proof. */
    private static final class Chain {
        final List<String> data = new ArrayList<>();
        final List<ChainHash> hashes = new ArrayList<>();
        final long earliest;

        Chain(int length, long earliest, LongFunction<String> dataOf) {
            this.earliest = earliest;
            ChainHash h = ChainHash.ZERO;
            for (long seq = 1; seq <= length; seq++) {
                String d = dataOf.apply(seq);
                h = h.next(seq, "c", d);
                data.add(d);
                hashes.add(h);
            }
        }

        ChainHash hash(long seq) {
            return seq == 0 ? ChainHash.ZERO : hashes.get((int) seq - 1);
        }

        void serve(HttpServerRequest req) {
            String path = req.path();
            if (path.equals("/v1/head")) {
                StubNode.json(req, 200, new JsonObject().put("node", "stub").put("seq", data.size())
                        .put("earliestSeq", earliest).put("hash", hash(data.size()).hex()).encode());
                return;
            }
            long seq = Long.parseLong(path.split("/")[3]);
            StubNode.json(req, 200, new JsonObject().put("seq", seq).put("channel", "c").put("offset", seq)
                    .put("dataText", data.get((int) seq - 1)).put("prevHash", hash(seq - 1).hex())
                    .put("hash", hash(seq).hex()).put("algorithm", "sha256-chain-v1").encode());
        }
    }

    private static long proofRequests(StubNode node) {
        return node.requests.stream().filter(r -> r.endsWith("/proof")).count();
    }

    @Test
    void equalLogsAgreeAtTheShorterHead() throws Exception {
        Chain a = new Chain(120, 1, seq -> "{\"i\":" + seq + "}");
        Chain b = new Chain(100, 1, seq -> "{\"i\":" + seq + "}");
        try (StubNode na = StubNode.start(a::serve); StubNode nb = StubNode.start(b::serve)) {
            CliRun run = CliRun.run("verify", na.uri().toString(), nb.uri().toString());
            assertEquals(0, run.exit(), run.err());
            assertTrue(run.out().startsWith("same order: " + na.uri() + " and " + nb.uri() + " hold the same 100 messages"
                    + " (chain hash at seq 100: " + a.hash(100).hex() + ")"), run.out());
        }
    }

    @Test
    void logsThatPartAreFoundToPartAtTheirFirstDifferentSeq() throws Exception {
        Chain a = new Chain(1000, 1, seq -> "{\"i\":" + seq + "}");
        Chain b = new Chain(900, 1, seq -> seq == 377 ? "{\"i\":\"other\"}" : "{\"i\":" + seq + "}");
        try (StubNode na = StubNode.start(a::serve); StubNode nb = StubNode.start(b::serve)) {
            CliRun run = CliRun.run("verify", na.uri().toString(), nb.uri().toString());
            assertEquals(PaxcastCli.EXIT_DIFFERENT, run.exit(), run.out() + run.err());
            assertTrue(run.out().startsWith("different order: " + na.uri() + " and " + nb.uri() + " differ at seq 377\n"),
                    run.out());
            assertTrue(run.out().contains("{\\\"i\\\":\\\"other\\\"}"), "B's message at 377 is shown: " + run.out());
            // the head, the low end, ~log2(900) = 10 steps, and the two messages shown
            assertTrue(proofRequests(na) <= 14, na.requests.toString());
        }
    }

    @Test
    void logsThatDifferFromTheEarliestSeqBothHoldSaySo() throws Exception {
        Chain a = new Chain(50, 20, seq -> "{\"i\":" + seq + "}");
        Chain b = new Chain(50, 30, seq -> "{\"j\":" + seq + "}");
        try (StubNode na = StubNode.start(a::serve); StubNode nb = StubNode.start(b::serve)) {
            CliRun run = CliRun.run("verify", na.uri().toString(), nb.uri().toString());
            assertEquals(PaxcastCli.EXIT_DIFFERENT, run.exit(), run.out() + run.err());
            assertTrue(run.out().contains("differ at seq 30 or before it (the earliest seq both still hold)"), run.out());
        }
    }

    @Test
    void aProofThatDoesNotRecomputeIsTheNodesFaultNotADifference() throws Exception {
        Chain a = new Chain(10, 1, seq -> "{\"i\":" + seq + "}");
        Chain forged = new Chain(10, 1, seq -> "{\"i\":" + seq + "}");
        forged.data.set(9, "{\"i\":\"forged\"}"); // seq 10's text changed, its hash left as it was
        try (StubNode na = StubNode.start(a::serve); StubNode nb = StubNode.start(forged::serve)) {
            CliRun run = CliRun.run("verify", na.uri().toString(), nb.uri().toString());
            assertEquals(PaxcastCli.EXIT_ERROR, run.exit(), "a node's fault, not a difference: " + run.out() + run.err());
            assertTrue(run.err().contains(nb.uri() + "'s proof of seq 10 does not hold"), run.err());
        }
    }

    @Test
    void aSeqNeitherNodeHoldsIsAUsageError() throws Exception {
        Chain a = new Chain(10, 1, seq -> "{\"i\":" + seq + "}");
        try (StubNode na = StubNode.start(a::serve); StubNode nb = StubNode.start(a::serve)) {
            CliRun run = CliRun.run("verify", na.uri().toString(), nb.uri().toString(), "--seq", "11");
            assertEquals(PaxcastCli.EXIT_USAGE, run.exit(), run.err());
            assertTrue(run.err().contains("--seq 11 is not a seq both nodes applied (1..10)"), run.err());
        }
    }
}
