package io.paxcast.broadcast.status;

import io.paxcast.broadcast.service.PublishMetrics;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayDeque;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * What the dashboard charts, sampled once a second on the node's context: this node's publishes/s and
 * publish latency (p50, p99, from an interval histogram), refusals/s, subscribers and slow-consumer
 * cut-offs, commit and retention positions, disk used, and who leads. It keeps the last
 * {@link #HISTORY} samples and {@link #EVENTS} recent leader and membership changes: a fixed amount
 * of memory, whatever the load.
 */
public final class StatusSampler {
    /** Five minutes of one-second samples. */
    public static final int HISTORY = 300;
    public static final int EVENTS = 50;
    private static final long PERIOD_MILLIS = 1000;

    private final Vertx vertx;
    private final PublishMetrics metrics;
    private final Supplier<JsonObject> instant;
    private final ArrayDeque<JsonObject> samples = new ArrayDeque<>(HISTORY);
    private final ArrayDeque<JsonObject> events = new ArrayDeque<>(EVENTS);
    private long lastRefused = -1;
    private long lastSlowClosed = -1;
    private String lastLeader;
    private Long lastEpoch;
    private long timer = -1;

    /**
     * @param instant this node's view now: {@code leader}, {@code ballot}, {@code role}, {@code commitSeq},
     *                {@code earliestSeq}, {@code diskBytes}, {@code subscribers}, {@code slowClosed},
     *                {@code refused} (a running total), {@code epoch}, {@code voters}, {@code learners}
     */
    public StatusSampler(Vertx vertx, PublishMetrics metrics, Supplier<JsonObject> instant) {
        this.vertx = vertx;
        this.metrics = metrics;
        this.instant = instant;
    }

    public void start() {
        sample();
        timer = vertx.setPeriodic(PERIOD_MILLIS, t -> sample());
    }

    public void stop() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    /** The newest sample (an empty object before the first). */
    public JsonObject latest() {
        JsonObject last = samples.peekLast();
        return last == null ? new JsonObject() : last;
    }

    public JsonArray history() {
        return new JsonArray(java.util.List.copyOf(samples));
    }

    public JsonArray events() {
        return new JsonArray(java.util.List.copyOf(events));
    }

    /** This node's view now (not a sample: what the dashboard shows as current). */
    public JsonObject now() {
        return instant.get();
    }

    void sample() {
        JsonObject now = instant.get();
        long t = System.currentTimeMillis();
        long[] interval = metrics.interval();
        long refused = now.getLong("refused", 0L);
        long slowClosed = now.getLong("slowClosed", 0L);
        JsonObject sample = now.copy().put("t", t)
                .put("publishedPerSec", interval[0])
                .put("latencyP50Ms", interval[1] / 1000.0)
                .put("latencyP99Ms", interval[2] / 1000.0)
                .put("refusedPerSec", lastRefused < 0 ? 0 : refused - lastRefused)
                .put("slowClosedPerSec", lastSlowClosed < 0 ? 0 : slowClosed - lastSlowClosed);
        lastRefused = refused;
        lastSlowClosed = slowClosed;
        if (samples.size() == HISTORY) {
            samples.pollFirst();
        }
        samples.addLast(sample);
        noteChanges(now, t);
    }

    /** A leader or a membership epoch that differs from the previous sample's is an event. */
    private void noteChanges(JsonObject now, long t) {
        String leader = now.getString("leader");
        String ballot = now.getString("ballot");
        if (samples.size() > 1 && !Objects.equals(leader, lastLeader)) { // not at the first sample
            event(t, "leader", leader == null ? "no leader in touch (was " + lastLeader + ")"
                    : leader + " leads, ballot " + ballot + (lastLeader == null ? "" : " (was " + lastLeader + ")"));
        }
        lastLeader = leader;
        Long epoch = now.getLong("epoch");
        if (epoch != null && lastEpoch != null && !epoch.equals(lastEpoch)) {
            event(t, "membership", "epoch " + epoch + ": voters " + now.getValue("voters") + ", learners "
                    + now.getValue("learners"));
        }
        lastEpoch = epoch;
    }

    private void event(long t, String kind, String text) {
        if (events.size() == EVENTS) {
            events.pollFirst();
        }
        events.addLast(new JsonObject().put("t", t).put("kind", kind).put("text", text));
    }
}
