package io.paxcast.samples.consensus;

import io.paxcast.samples.client.NodeClient;
import io.paxcast.samples.client.NodeUnreachableException;
import io.paxcast.samples.client.Subscription;
import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Consensus from total-order broadcast: one contender of a single-decree consensus per round.
 *
 * <p>The protocol, for round {@code r} of instance {@code i}, on channel {@code consensus-i-r}:
 * <ol>
 *   <li><b>propose</b>: publish {@code {"round": r, "candidate": id, "value": v}} to the channel;</li>
 *   <li><b>decide</b>: subscribe to the channel from its very beginning ({@code after=0}) and decide
 *       the value of the <em>first</em> well-formed proposal for round {@code r} delivered.</li>
 * </ol>
 *
 * <p>Why this is consensus (the three properties, given the broadcast's contract in docs/API.md):
 * <ul>
 *   <li><b>Agreement.</b> Total order: any two subscribers, on any nodes, receive the messages of
 *       the channel in the same order (the order of {@code seq}), and every subscriber that starts
 *       at {@code after=0} receives the channel's messages from the first on, none skipped. So every
 *       contender sees the same first proposal and decides the same value. A decision is never
 *       revised: an acknowledged message's {@code seq} never changes, whatever crashes follow, so
 *       "the first message of the channel" is fixed once any node has delivered it.</li>
 *   <li><b>Validity.</b> The decided value is the value of a proposal that a contender published;
 *       anything else in the channel is skipped by {@link Proposal#parse}, the same way everywhere.</li>
 *   <li><b>Termination</b> (given a live cluster: a majority of voters up and connected). Every
 *       contender's own publish is retried with its idempotency key until it is chosen, so the
 *       channel holds at least one proposal; a subscriber receives every chosen message of its
 *       channels, resuming on another node if its node dies. So each correct contender decides.
 *       Without a quorum nothing is chosen and nobody decides, which is as it must be: this
 *       consensus is exactly as live as the broadcast under it, and the broadcast as live as the
 *       Paxos sequencer (a stable leader and a majority; FLP says no asynchronous protocol can
 *       promise more). Safety (agreement, validity) holds whatever crashes and delays.</li>
 * </ul>
 *
 * <p>Decide from the <em>start</em> of the channel, not from "the head before I proposed": two
 * contenders that read the head at different moments would start at different points and could see
 * different "first" proposals. {@code after=0} on a channel dedicated to the round gives every
 * contender the same starting point. (Reading the channel's history with {@code after=0&limit=1}
 * would decide the same value; the subscription is the broadcast way and does not poll.)
 *
 * <p>Retention (docs/CONFIG.md, "Retention") bounds this: "the first message of the channel" is
 * only there while the node keeps it. A contender that starts after the round's first proposal
 * expired receives {@code offset_expired} instead of a decision; it cannot decide, and it never
 * decides wrongly (there is no silent gap). So a round must end well within the retention, or its
 * decision must be recorded where it outlives it.
 *
 * <p>Threading: {@link #propose} blocks its caller; each contender has its own {@link NodeClient}
 * (own HTTP connections) and its own publishing thread; one contender runs one round at a time.
 */
public final class Contender implements AutoCloseable {
    private final String id;
    private final String instance;
    private final List<URI> nodes;
    private final NodeClient client;
    private final Duration timeout;
    private final ExecutorService publisher;

    /**
     * @param nodes   the contender's node first, then the others to fail over to
     * @param timeout how long a round may take before the contender gives up (a dead cluster)
     */
    public Contender(String id, String instance, List<URI> nodes, String token, Duration timeout) {
        this.id = id;
        this.instance = instance;
        this.nodes = List.copyOf(nodes);
        this.client = new NodeClient(nodes, token, Duration.ofSeconds(10));
        this.timeout = timeout;
        this.publisher = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "contender-" + id + "-publish");
            t.setDaemon(true);
            return t;
        });
    }

    public String id() {
        return id;
    }

    /** The node this contender talks to first. */
    public URI node() {
        return nodes.get(0);
    }

    /** The channel of one round of one consensus instance. */
    public static String channel(String instance, long round) {
        return "consensus-" + instance + "-" + round;
    }

    /** Proposes {@code value} in {@code round} and returns the decision (blocks until decided). */
    public Decision propose(long round, String value) {
        String channel = channel(instance, round);
        Proposal mine = new Proposal(round, id, value);
        // The key makes retries safe: however often the publish is retried, the proposal is in the
        // channel at most once.
        String key = channel + "-" + id;
        CompletableFuture<JsonObject> ack = CompletableFuture.supplyAsync(
                () -> client.publishReliably(channel, mine.toJson().encode(), key, timeout), publisher);

        AtomicReference<JsonObject> first = new AtomicReference<>();
        AtomicReference<URI> deliveredBy = new AtomicReference<>();
        Subscription subscription = Subscription.builder(nodes, channel, (node, message) -> {
                    if (Proposal.parse(round, message.getValue("data")).isEmpty()) {
                        return true; // not a proposal for this round: every contender skips it alike
                    }
                    first.set(message);
                    deliveredBy.set(node);
                    return false; // decided: the first proposal delivered
                })
                .after(0L)
                .http(client.http())
                .token(client.token())
                .giveUpAfter(timeout)
                .build();
        // a round that cannot finish (no quorum anywhere) ends with no decision, not a hang
        CompletableFuture<Void> watchdog = CompletableFuture.runAsync(subscription::close,
                CompletableFuture.delayedExecutor(timeout.toMillis(), TimeUnit.MILLISECONDS));
        try {
            subscription.run();
        } finally {
            watchdog.cancel(false);
        }
        JsonObject decidedMessage = first.get();
        if (decidedMessage == null) {
            ack.cancel(true);
            throw new NodeUnreachableException(nodes, new TimeoutException(
                    id + ": no proposal delivered in " + channel + " within " + timeout.toSeconds() + " s"));
        }
        Proposal decided = Proposal.parse(round, decidedMessage.getValue("data")).orElseThrow();

        // Deciding did not need our own publish to finish; report its position when it does.
        long proposedSeq = -1;
        long proposedOffset = -1;
        try {
            JsonObject result = ack.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            proposedSeq = result.getLong("seq");
            proposedOffset = result.getLong("offset");
        } catch (ExecutionException | TimeoutException e) {
            // our proposal may still be ordered later; the decision stands either way
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return new Decision(id, round, mine, proposedSeq, proposedOffset, decided,
                decidedMessage.getLong("seq"), decidedMessage.getLong("offset"), deliveredBy.get());
    }

    @Override
    public void close() {
        publisher.shutdownNow();
    }
}
