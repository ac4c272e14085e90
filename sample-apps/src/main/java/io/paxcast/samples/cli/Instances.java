package io.paxcast.samples.cli;

import java.security.SecureRandom;

/** Fresh instance names for the demos' channels: a cluster keeps its log, so a rerun needs new channels. */
final class Instances {
    private static final SecureRandom RANDOM = new SecureRandom();

    private Instances() {
    }

    /** e.g. {@code run-k3f9x2}. */
    static String fresh() {
        return "run-" + Long.toString(System.currentTimeMillis() / 1000 % 1_000_000_000L, 36)
                + Integer.toString(RANDOM.nextInt(36 * 36), 36);
    }
}
