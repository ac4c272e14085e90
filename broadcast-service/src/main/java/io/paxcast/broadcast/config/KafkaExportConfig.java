package io.paxcast.broadcast.config;

import io.paxcast.broadcast.api.ChannelPatterns;

import java.util.Map;

/**
 * Where and how the total order is exported to Kafka ({@code kafka.export.*}, docs/CONFIG.md).
 *
 * @param clientProperties from {@code kafka.clientProperties} (security and tuning), under the bridge's own settings
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
        long retryMillis,
        Map<String, String> clientProperties) {
}
