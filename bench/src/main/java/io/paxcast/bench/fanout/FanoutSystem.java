package io.paxcast.bench.fanout;

import java.io.PrintStream;
import java.util.List;

/**
 * One system under test, started for real on fresh data: its servers, its subscribers spread
 * round-robin over every node (server) it has, and its publisher. Closing it closes the
 * subscribers and stops every process it started.
 */
interface FanoutSystem extends AutoCloseable {
    /** "paxcast" or "nats", for the table. */
    String system();

    /** Learners (edge nodes) besides the 3 voters; 0 for NATS. */
    int learners();

    /** The nodes (servers) the subscribers are spread over. */
    int nodes();

    /** What runs, for the progress line. */
    String describe();

    /**
     * Opens {@code n} subscribers, subscriber i on node i % nodes, at most {@code concurrency} connecting at
     * once, and returns once every one is subscribed (and would receive the next message published).
     */
    List<FanoutSubscriber> subscribe(int n, int concurrency, SubscriberTally tally, PrintStream progress) throws Exception;

    FanoutPublisher publisher();

    @Override
    void close();
}
