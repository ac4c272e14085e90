package io.paxcast.broadcast.kafka;

/** A Kafka bridge problem an operator must fix (missing topic, wrong partition...), with its remedy. */
public final class KafkaBridgeException extends RuntimeException {
    public KafkaBridgeException(String message) {
        super(message);
    }
}
