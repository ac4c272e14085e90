package io.paxcast.broadcast.cluster;

import io.paxcast.paxos.core.MemberChange;
import io.paxcast.paxos.core.Membership;
import io.paxcast.paxos.core.NodeStatus;
import io.paxcast.paxos.vertx.SequencerDriver;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * An edge node's own membership ({@code node.role=edge} with {@code edge.autoJoin}): at start it asks
 * the cluster to add it as a learner, and on a graceful stop to remove it. So edge nodes come and go
 * like replicas of a stateless service (a Kubernetes Deployment scaled by an autoscaler,
 * {@code bin/paxcast-local start N --edges E}) with no operator call; the voters stay fixed.
 *
 * <p>The change is decided in the log like any other ({@link MemberChange.AddLearner},
 * {@link MemberChange.Remove}): the edge asks a voter over the event bus at
 * {@code paxcast.admin.<id>} ({@link MembershipAdmin} serves it there), which answers for itself only;
 * one that does not lead names the leader, and the edge asks that one. Until it is a member no leader
 * sends it anything, so the edge cannot learn who leads from the log: it tries the voters its own
 * replayed configuration names, one after another.
 *
 * <p>Joining is done only when the leader confirmed it (proposed the change, or answered that the edge
 * is a member already) <em>and</em> this node's own applied configuration lists it. Its own view alone
 * is not enough: an edge restarted from an old store may still list itself although the cluster
 * removed it since. It never gives up (an edge that is no member serves nothing new); it logs its
 * progress every {@link #PROGRESS_MILLIS}.
 *
 * <p>A SIGKILLed edge cannot leave: it stays a learner (the leader keeps a heartbeat for it, nothing
 * waits on it) until {@code DELETE /v1/admin/members/{id}} removes it, or it starts again and serves.
 *
 * <p>Threading: the node's context.
 */
public final class EdgeMembership {
    private static final Logger log = LoggerFactory.getLogger(EdgeMembership.class);
    private static final long SEND_TIMEOUT_MILLIS = 2_000;
    private static final long RETRY_MILLIS = 200;
    private static final long MAX_RETRY_MILLIS = 2_000;
    /** After the leader confirmed, how often the edge asks again while its own log does not show the change yet. */
    private static final long CONFIRM_AGAIN_MILLIS = 5_000;
    private static final long PROGRESS_MILLIS = 10_000;

    private final Vertx vertx;
    private final String nodeId;
    private final SequencerDriver driver;
    private String leaderHint;
    private int nextVoter;
    private volatile boolean stopped;

    public EdgeMembership(Vertx vertx, String nodeId, SequencerDriver driver) {
        this.vertx = vertx;
        this.nodeId = nodeId;
        this.driver = driver;
    }

    /** Completes once the leader confirmed this node is a learner and this node's own configuration shows it. */
    public Future<Void> join() {
        Promise<Void> done = Promise.promise();
        long started = System.currentTimeMillis();
        loop(new MemberChange.AddLearner(nodeId), Long.MAX_VALUE, started, started, RETRY_MILLIS, false, done);
        return done.future().onSuccess(v -> log.info("event=edge_joined node={} millis={}", nodeId,
                System.currentTimeMillis() - started));
    }

    /**
     * Asks the cluster to remove this node, for at most {@code deadlineMillis}; completes (never fails)
     * when the leader confirmed, or at the deadline: the node stops either way.
     */
    public Future<Void> leave(long deadlineMillis) {
        Promise<Void> done = Promise.promise();
        long started = System.currentTimeMillis();
        MemberChange remove = new MemberChange.Remove(nodeId);
        loop(remove, started + deadlineMillis, started, started, RETRY_MILLIS, false, done);
        return done.future().transform(ar -> {
            if (ar.succeeded()) {
                log.info("event=edge_left node={} millis={}", nodeId, System.currentTimeMillis() - started);
            } else {
                log.warn("event=edge_leave_unconfirmed node={} error=\"{}\" note=\"it stays a learner until"
                        + " DELETE /v1/admin/members/{} removes it\"", nodeId, ar.cause().getMessage(), nodeId);
            }
            return Future.<Void>succeededFuture();
        });
    }

    /** Stops a join under way (the node is stopping). */
    public void stop() {
        stopped = true;
    }

    private void loop(MemberChange change, long deadline, long started, long lastProgress, long backoff,
                      boolean confirmed, Promise<Void> done) {
        if (stopped && change instanceof MemberChange.AddLearner) {
            done.tryFail("the node stops");
            return;
        }
        long now = System.currentTimeMillis();
        if (confirmed && shows(change)) {
            done.tryComplete();
            return;
        }
        if (now >= deadline) {
            if (confirmed && change instanceof MemberChange.Remove) {
                done.tryComplete(); // the leader proposed it; this node need not live to see it applied
            } else {
                done.tryFail("no confirmation within " + (deadline - started) + " ms");
            }
            return;
        }
        long progress = lastProgress;
        if (now - lastProgress >= PROGRESS_MILLIS) {
            log.info("event=edge_membership_waiting node={} change=\"{}\" seconds={} confirmed={}", nodeId, change,
                    (now - started) / 1000, confirmed);
            progress = now;
        }
        long since = progress;
        if (confirmed) {
            // the leader said yes: wait for this node's log to show it, and ask again now and then (an
            // election may have dropped the change before it was decided)
            long askedAt = now;
            poll(change, deadline, started, since, askedAt, done);
            return;
        }
        ask(change).onComplete(ar -> {
            String outcome = ar.succeeded() ? ar.result().getString("outcome") : "UNREACHABLE";
            switch (outcome) {
                case "PROPOSED" -> {
                    log.info("event=edge_membership_proposed node={} change=\"{}\" epoch={}", nodeId, change,
                            ar.result().getLong("epoch"));
                    loop(change, deadline, started, since, RETRY_MILLIS, true, done);
                }
                case "INVALID" -> {
                    // already what it asks for (a learner already, or no member any more), or impossible:
                    // either way asking again changes nothing
                    log.info("event=edge_membership_unchanged node={} change=\"{}\" detail=\"{}\"", nodeId, change,
                            ar.result().getString("detail"));
                    loop(change, deadline, started, since, RETRY_MILLIS, true, done);
                }
                case "NOT_LEADER" -> {
                    String leader = ar.result().getString("leader");
                    leaderHint = leader == null || leader.equals(nodeId) ? null : leader;
                    retryLater(change, deadline, started, since, leader == null ? backoff : RETRY_MILLIS, done);
                }
                default -> { // BUSY (a change under way), NOT_CAUGHT_UP, or the voter did not answer
                    if (outcome.equals("UNREACHABLE")) {
                        leaderHint = null;
                    }
                    retryLater(change, deadline, started, since, backoff, done);
                }
            }
        });
    }

    private void retryLater(MemberChange change, long deadline, long started, long lastProgress, long backoff,
                            Promise<Void> done) {
        vertx.setTimer(backoff, t -> loop(change, deadline, started, lastProgress,
                Math.min(MAX_RETRY_MILLIS, backoff * 2), false, done));
    }

    private void poll(MemberChange change, long deadline, long started, long lastProgress, long askedAt,
                      Promise<Void> done) {
        long now = System.currentTimeMillis();
        if (shows(change)) {
            done.tryComplete();
        } else if (now >= deadline || (stopped && change instanceof MemberChange.AddLearner)) {
            loop(change, deadline, started, lastProgress, RETRY_MILLIS, true, done);
        } else if (now - askedAt >= CONFIRM_AGAIN_MILLIS) {
            loop(change, deadline, started, lastProgress, RETRY_MILLIS, false, done);
        } else {
            vertx.setTimer(50, t -> poll(change, deadline, started, lastProgress, askedAt, done));
        }
    }

    /** Whether this node's own applied configuration shows {@code change}. */
    private boolean shows(MemberChange change) {
        NodeStatus status = driver.status();
        return status != null && MembershipAdmin.shows(status.membership(), change);
    }

    /** The answer of the leader hinted last, else of the next voter of this node's configuration. */
    private Future<JsonObject> ask(MemberChange change) {
        String target = leaderHint != null ? leaderHint : nextVoter();
        if (target == null) {
            return Future.failedFuture("no voter known yet");
        }
        return vertx.eventBus().<JsonObject>request(MembershipAdmin.ADDRESS_PREFIX + target,
                MembershipAdmin.toJson(change), new DeliveryOptions().setSendTimeout(SEND_TIMEOUT_MILLIS))
                .map(m -> m.body());
    }

    private String nextVoter() {
        NodeStatus status = driver.status();
        if (status == null) {
            return null;
        }
        Membership m = status.membership();
        List<String> voters = new ArrayList<>(m.voters());
        voters.remove(nodeId);
        if (voters.isEmpty()) {
            return null;
        }
        return voters.get(Math.floorMod(nextVoter++, voters.size()));
    }
}
