package io.paxcast.faults.history;

import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What {@link Checker#analyze} found.
 *
 * @param anomalies     the anomalies, in the order the checks found them (at most the per-kind limit of
 *                      each kind, then one summary anomaly for each kind that had more)
 * @param counts        the exact number of anomalies of each kind (kinds without one are absent)
 * @param recoveries    per subscriber still open at the end: when it caught up with the final log
 * @param recoveryBound the bound the recoveries were held to (null when not known)
 */
public record CheckResult(List<Anomaly> anomalies, Map<Anomaly.Kind, Integer> counts, List<Recovery> recoveries,
                          Duration recoveryBound) {

    public CheckResult {
        anomalies = List.copyOf(anomalies);
        counts = counts.isEmpty() ? Map.of() : new EnumMap<>(counts);
        recoveries = List.copyOf(recoveries);
    }

    /**
     * How one subscriber still open at the end caught up.
     *
     * @param subscriber   the subscriber
     * @param seq          the last seq of its channels in the final log, or -1 when they hold nothing it
     *                     had to receive
     * @param received     whether it received that seq
     * @param latencyNanos time from max(faults end, that message's acknowledgement) to its arrival (0 if it
     *                     arrived before), or -1 when it never arrived
     */
    public record Recovery(String subscriber, long seq, boolean received, long latencyNanos) {
    }

    public boolean valid() {
        return counts.isEmpty();
    }

    public int count(Anomaly.Kind kind) {
        return counts.getOrDefault(kind, 0);
    }

    /** The slowest subscriber that did catch up, if any did. */
    public Optional<Recovery> slowestRecovery() {
        Recovery slowest = null;
        for (Recovery r : recoveries) {
            if (r.received() && (slowest == null || r.latencyNanos() > slowest.latencyNanos())) {
                slowest = r;
            }
        }
        return Optional.ofNullable(slowest);
    }
}
