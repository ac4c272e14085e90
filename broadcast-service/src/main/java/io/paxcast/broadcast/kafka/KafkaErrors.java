package io.paxcast.broadcast.kafka;

import org.apache.kafka.common.errors.TimeoutException;

/** Turns a Kafka client failure into the one line an operator needs (logs and /v1/cluster). */
final class KafkaErrors {
    private KafkaErrors() {
    }

    /**
     * The root cause, named; a bridge problem's own message as is; a timeout as "did not answer",
     * since that is what an unreachable broker looks like to a Kafka client.
     */
    static String describe(Throwable cause, String servers, long timeoutMillis) {
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root && !(root instanceof KafkaBridgeException)) {
            root = root.getCause();
        }
        if (root instanceof KafkaBridgeException) {
            return root.getMessage();
        }
        if (root instanceof TimeoutException || cause instanceof TimeoutException) {
            return "Kafka at " + servers + " did not answer within " + timeoutMillis
                    + " ms (unreachable, or the topic is missing): " + root.getMessage();
        }
        return root.getClass().getSimpleName() + ": " + root.getMessage() + " (Kafka at " + servers + ")";
    }
}
