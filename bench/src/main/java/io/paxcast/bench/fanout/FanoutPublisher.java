package io.paxcast.bench.fanout;

/**
 * One system's publishing side, driven by {@link FixedRate} from one thread. It numbers the messages
 * itself ({@code n} = 0, 1, 2, ... in the payload, see {@code Payload.make(sent, n, size)}) and
 * spreads them round-robin over its connections (message n on connection n % connections). Each
 * {@link #publish} ends in exactly one {@link Ack#done}.
 */
interface FanoutPublisher {
    /** Publishes one message stamped with its intended send time. */
    void publish(long intendedNanos, Ack ack);

    /** True when an ack means the system ordered the message (Paxcast's 201), false when it only means "sent" (NATS core). */
    boolean acknowledges();

    interface Ack {
        /** {@code error} is null for an acknowledged (or, without acks, sent) message. */
        void done(Throwable error);
    }
}
