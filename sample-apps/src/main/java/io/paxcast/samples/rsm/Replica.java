package io.paxcast.samples.rsm;

import io.paxcast.samples.client.NodeClient;
import io.paxcast.samples.client.Subscription;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One replica of the ledger: it rebuilds the state from the start of the ledger's channel and then
 * follows it live, applying every command in the broadcast's order.
 *
 * <ol>
 *   <li><b>replay</b>: page through {@code GET /v1/channels/{channel}/messages?after=<offset>} from
 *       offset 0 until a page comes back short (the history the node holds now);</li>
 *   <li><b>follow</b>: subscribe with {@code after=<seq of the last replayed message>}: the node sends
 *       every later message of the channel, none skipped or repeated, and the subscription resumes
 *       on another node with the same rule if its node goes away.</li>
 * </ol>
 * The replica stops after applying the {@code seal} command (the demo's end marker).
 *
 * <p>Checked on the way: channel offsets are exactly 1, 2, 3, ... (a gap or a repeat would be a
 * node bug and stops the replica) and the ledger's invariants after every command.
 *
 * <p>Threading: {@link #run()} blocks its thread and is the only writer; read the results after it
 * returned (or {@link #applied()}, {@link #done()} meanwhile, which are safe from any thread).
 */
public final class Replica implements AutoCloseable {
    private static final int PAGE = 500;

    private final String name;
    private final String channel;
    private final List<URI> nodes;
    private final NodeClient client;
    private final Duration giveUpAfter;
    private final Ledger ledger = new Ledger();
    /** The commands in the order applied, for the order-matters comparison. */
    private final List<LedgerCommand> log = new ArrayList<>();
    private volatile Subscription subscription;
    private volatile long lastOffset;
    private volatile long lastSeq;
    private volatile boolean done;
    private volatile String finalHash;
    private long fromHistory;
    private long fromLive;

    /** @param nodes this replica's node first, then the ones to fail over to */
    public Replica(String name, String channel, List<URI> nodes, String token, Duration giveUpAfter) {
        this.name = name;
        this.channel = channel;
        this.nodes = List.copyOf(nodes);
        this.client = new NodeClient(nodes, token, Duration.ofSeconds(10));
        this.giveUpAfter = giveUpAfter;
    }

    /** Replays and follows the channel until the seal; returns the final state hash. */
    public String run() {
        replayHistory();
        if (!ledger.sealed()) {
            follow();
        }
        finalHash = ledger.stateHash();
        done = true;
        return finalHash;
    }

    private void replayHistory() {
        while (!ledger.sealed()) {
            JsonObject page = client.channelHistory(channel, lastOffset, PAGE);
            JsonArray messages = page.getJsonArray("messages");
            for (int i = 0; i < messages.size() && !ledger.sealed(); i++) {
                apply(messages.getJsonObject(i));
                fromHistory++;
            }
            if (messages.size() < PAGE) {
                return;
            }
        }
    }

    private void follow() {
        Subscription s = Subscription.builder(nodes, channel, (node, message) -> {
                    apply(message);
                    fromLive++;
                    return !ledger.sealed();
                })
                .after(lastSeq)
                .http(client.http())
                .token(client.token())
                .giveUpAfter(giveUpAfter)
                .build();
        subscription = s;
        if (done) {
            return; // closed before it started
        }
        s.run();
        if (!ledger.sealed()) {
            throw new IllegalStateException(name + ": stopped before the seal (after seq " + lastSeq + ")");
        }
    }

    private void apply(JsonObject message) {
        long offset = message.getLong("offset");
        long seq = message.getLong("seq");
        if (offset != lastOffset + 1 || seq <= lastSeq) {
            throw new IllegalStateException(name + ": expected offset " + (lastOffset + 1) + " after seq " + lastSeq
                    + " in " + channel + ", got offset " + offset + " seq " + seq + ": a gap or a repeat");
        }
        LedgerCommand command = LedgerCommand.parse(message.getValue("data"));
        ledger.apply(command);
        log.add(command);
        lastOffset = offset;
        lastSeq = seq;
    }

    /** Stops following (from any thread); {@link #run()} then fails unless it already saw the seal. */
    @Override
    public void close() {
        done = true;
        Subscription s = subscription;
        if (s != null) {
            s.close();
        }
    }

    public String name() {
        return name;
    }

    public URI node() {
        return nodes.get(0);
    }

    /** Commands applied so far (any thread). */
    public long applied() {
        return lastOffset;
    }

    /** True once {@link #run()} has finished (any thread). */
    public boolean done() {
        return done;
    }

    /** The state hash {@link #run()} returned, or null before. */
    public String finalHash() {
        return finalHash;
    }

    // ---- results: read after run() ---------------------------------------------------------------

    public Ledger ledger() {
        return ledger;
    }

    public List<LedgerCommand> log() {
        return Collections.unmodifiableList(log);
    }

    public long fromHistory() {
        return fromHistory;
    }

    public long fromLive() {
        return fromLive;
    }

    public long lastSeq() {
        return lastSeq;
    }
}
