package io.paxcast.faults.history;

import java.util.List;
import java.util.Map;

/**
 * Everything one fault-suite run observed.
 *
 * @param publishes     every publish invocation, in invocation order
 * @param subscriptions every subscriber session
 * @param frames        every message frame every subscriber received, in arrival order per session
 * @param finalLogs     node -> its final global log, read after the faults stopped and the cluster settled
 * @param faultsEndNanos when the last fault was healed
 */
public record History(List<PublishOp> publishes, List<Subscription> subscriptions, List<Frame> frames,
                      Map<Integer, List<LogEntry>> finalLogs, long faultsEndNanos) {
}
