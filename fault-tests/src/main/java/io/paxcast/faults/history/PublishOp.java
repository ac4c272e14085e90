package io.paxcast.faults.history;

/**
 * One publish invocation and what came of it.
 *
 * @param client      the publishing client
 * @param key         the Idempotency-Key (unique per logical publish; retries reuse it)
 * @param channel     the channel
 * @param payload     the JSON payload as sent (unique per logical publish)
 * @param node        the node the request went to
 * @param invokeNanos when the request was sent (System.nanoTime of the test JVM)
 * @param completeNanos when the answer (or the failure) came
 * @param outcome     OK (acknowledged), FAILED (definitely not appended: a 4xx), INFO (unknown: timeout,
 *                    503, connection error: it may or may not be appended)
 * @param seq         the acknowledged seq (OK only)
 * @param offset      the acknowledged offset (OK only)
 */
public record PublishOp(String client, String key, String channel, String payload, int node, long invokeNanos,
                        long completeNanos, Outcome outcome, Long seq, Long offset) {

    public enum Outcome { OK, FAILED, INFO }
}
