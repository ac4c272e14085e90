package io.paxcast.broadcast.config;

import java.util.Map;

/**
 * What is consumed from Kafka and published into the total order ({@code kafka.ingest.*}).
 *
 * @param channels topic -> the channel its records are published to
 */
public record KafkaIngestConfig(
        String bootstrapServers,
        Map<String, String> channels,
        String groupId,
        ValueFormat valueFormat,
        int batchRecords,
        long sessionTimeoutMillis,
        long timeoutMillis,
        long retryMillis,
        Map<String, String> clientProperties) {

    /** How a record's value becomes a message payload. */
    public enum ValueFormat {
        /** The value is a JSON document (UTF-8); a record that is not is rejected, counted and skipped. */
        JSON,
        /** The value is UTF-8 text, published as a JSON string. */
        STRING
    }

    /**
     * Kafka topic names are up to 249 characters, but the idempotency key {@code topic/partition/offset}
     * must fit in 128 (docs/API.md): 96 leaves room for the largest partition and offset.
     */
    public static final int MAX_TOPIC_LENGTH = 96;
}
