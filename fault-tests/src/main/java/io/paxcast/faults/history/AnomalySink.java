package io.paxcast.faults.history;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Collects anomalies in the order the checks find them, keeping at most {@code maxPerKind} details per
 * kind: a systematic bug (every frame of a shifted log disagrees) would otherwise produce millions of
 * strings. Counts stay exact; {@link #anomalies()} ends each truncated kind with one summary anomaly.
 */
final class AnomalySink {
    private final int maxPerKind;
    private final List<Anomaly> kept = new ArrayList<>();
    private final EnumMap<Anomaly.Kind, Integer> counts = new EnumMap<>(Anomaly.Kind.class);

    AnomalySink(int maxPerKind) {
        if (maxPerKind < 1) {
            throw new IllegalArgumentException("maxPerKind must be at least 1: " + maxPerKind);
        }
        this.maxPerKind = maxPerKind;
    }

    void add(Anomaly.Kind kind, String detail) {
        int n = counts.merge(kind, 1, Integer::sum);
        if (n <= maxPerKind) {
            kept.add(new Anomaly(kind, detail));
        }
    }

    /** Every anomaly kept, then for each truncated kind one anomaly saying how many were left out. */
    List<Anomaly> anomalies() {
        List<Anomaly> out = new ArrayList<>(kept);
        counts.forEach((kind, n) -> {
            if (n > maxPerKind) {
                out.add(new Anomaly(kind, (n - maxPerKind) + " more " + kind + " anomalies not listed ("
                        + n + " in all)"));
            }
        });
        return out;
    }

    /** The exact number of anomalies found per kind, listed or not. */
    Map<Anomaly.Kind, Integer> counts() {
        return new EnumMap<>(counts);
    }
}
