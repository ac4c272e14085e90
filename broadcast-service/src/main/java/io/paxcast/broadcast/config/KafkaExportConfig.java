package io.paxcast.broadcast.config;

import io.paxcast.broadcast.ChannelPatterns;

/**
 * Where and how the total order is exported to Kafka ({@code kafka.export.*}, docs/CONFIG.md).
 *
 * @param transactionalId the same on every node of the cluster: a new exporter's
 *                        {@code initTransactions} fences the previous one
 */
public record KafkaExportConfig(
        String bootstrapServers,
        String topic,
        int partition,
        ChannelPatterns channels,
        String transactionalId,
        int batchMessages,
        long timeoutMillis,
        long retryMillis) {
}
