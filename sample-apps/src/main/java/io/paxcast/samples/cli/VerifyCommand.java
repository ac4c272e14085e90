package io.paxcast.samples.cli;

import io.paxcast.samples.client.ChainHashes;
import io.paxcast.samples.client.NodeClient;
import io.paxcast.samples.client.Nodes;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code paxcast verify A B}: do two nodes hold the same total order? It compares their chain hashes
 * (docs/API.md, "The chain hash") at the last seq both have applied (or {@code --seq}), after checking
 * that each node's proof there recomputes. Equal hashes mean the same messages in the same order up
 * to that seq. If they differ, a binary search over the seqs both still hold finds the first position
 * where they part, in about log2(n) proof requests, and prints both nodes' messages there.
 */
@Command(name = "verify", description = {"Compare two nodes' chain hashes: exit 0 if they hold the same log up to",
        "the last seq both applied (or --seq), 3 if they differ (the first differing seq is printed);",
        "1 or 2 if a node answered with an error or could not be reached (as every command)."})
final class VerifyCommand implements Callable<Integer> {
    @ParentCommand
    PaxcastCli cli;
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NODE_A", description = "A node's URL, e.g. http://127.0.0.1:8081.")
    String first;

    @Parameters(index = "1", paramLabel = "NODE_B", description = "Another node's URL.")
    String second;

    @Option(names = "--seq", paramLabel = "N", description = "Compare at this seq (default: the last seq both applied).")
    Long seq;

    @Option(names = "--token", paramLabel = "JWT", description = "Bearer token (default: $PAXCAST_TOKEN).")
    String token;

    @Override
    public Integer call() {
        String bearer = token != null ? token : cli.env.get("PAXCAST_TOKEN");
        Side a = new Side(first, bearer);
        Side b = new Side(second, bearer);
        PrintWriter out = spec.commandLine().getOut();
        JsonObject headA = a.client.headWithHash();
        JsonObject headB = b.client.headWithHash();
        long common = Math.min(headA.getLong("seq"), headB.getLong("seq"));
        long low = Math.max(Math.max(headA.getLong("earliestSeq", 1L), headB.getLong("earliestSeq", 1L)), 1);
        long at = seq != null ? seq : common;
        if (seq != null && (seq < 1 || seq > common)) {
            throw new IllegalArgumentException("--seq " + seq + " is not a seq both nodes applied (1.." + common + ")");
        }
        if (at == 0) {
            out.println("nothing to compare: " + (headA.getLong("seq") == 0 ? a.name : b.name) + " has no message yet");
            out.flush();
            return PaxcastCli.EXIT_OK;
        }
        if (at < low) {
            if (seq == null && headA.getLong("seq").equals(headB.getLong("seq"))) {
                // retention expired every message of one of them: their heads still carry the hash
                return compared(out, a, b, at, headA.getString("hash"), headB.getString("hash"));
            }
            throw new IllegalStateException("seq " + at + " is no longer held by both nodes (both hold " + low + ".."
                    + common + ")");
        }
        String hashA = a.checkedHash(at);
        String hashB = b.checkedHash(at);
        if (hashA.equals(hashB)) {
            return compared(out, a, b, at, hashA, hashB);
        }
        // the first seq where they differ: hashes commit to prefixes, so "differs at s" is monotone in s
        long lo = low;
        long hi = at;
        if (!a.checkedHash(lo).equals(b.checkedHash(lo))) {
            hi = lo;
        }
        while (lo < hi) {
            long mid = lo + (hi - lo) / 2;
            if (a.checkedHash(mid).equals(b.checkedHash(mid))) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        out.println("different order: " + a.name + " and " + b.name + " differ at seq " + hi
                + (hi == low && low > 1 ? " or before it (the earliest seq both still hold)" : ""));
        out.println("  " + a.name + ": " + a.client.proof(hi).encode());
        out.println("  " + b.name + ": " + b.client.proof(hi).encode());
        out.flush();
        return PaxcastCli.EXIT_DIFFERENT;
    }

    private static int compared(PrintWriter out, Side a, Side b, long at, String hashA, String hashB) {
        if (!hashA.equals(hashB)) {
            out.println("different order: " + a.name + " and " + b.name + " have other chain hashes at seq " + at
                    + " (" + hashA + ", " + hashB + "); the messages before are no longer held to find where they part");
            out.flush();
            return PaxcastCli.EXIT_DIFFERENT;
        }
        out.println("same order: " + a.name + " and " + b.name + " hold the same " + at + " messages (chain hash at seq "
                + at + ": " + hashA + ")");
        out.flush();
        return PaxcastCli.EXIT_OK;
    }

    /** One of the two nodes: its client, and its proofs checked as they are read. */
    private static final class Side {
        final String name;
        final NodeClient client;

        Side(String url, String token) {
            URI node = Nodes.resolve(List.of(url), java.util.Map.of()).get(0);
            this.name = node.toString();
            this.client = new NodeClient(List.of(node), token, Duration.ofSeconds(30));
        }

        /** h(seq) as this node proves it; a proof that does not recompute is this node's fault, not a difference. */
        String checkedHash(long seq) {
            JsonObject proof = client.proof(seq);
            String hash = proof.getString("hash");
            String recomputed = ChainHashes.next(proof.getString("prevHash"), seq, proof.getString("channel"),
                    proof.getString("dataText"));
            if (proof.getLong("seq") != seq || !recomputed.equals(hash)) {
                throw new IllegalStateException(name + "'s proof of seq " + seq + " does not hold: its hash is " + hash
                        + ", its message and previous hash give " + recomputed);
            }
            return hash;
        }
    }
}
