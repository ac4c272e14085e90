package io.paxcast.bench.peer;

/**
 * One system's publishing client, driven by {@link WindowedLoad} from a single thread. Each
 * {@link #publish} ends in exactly one {@link Ack#done} call, from any thread, once the system
 * acknowledged (or refused) that message.
 */
interface Publisher {
    void publish(byte[] payload, Ack ack);

    /** Sends whatever the client holds back (a batching client); called before the driver waits. */
    default void flush() {
    }

    interface Ack {
        /** {@code error} is null for an acknowledged message. */
        void done(Throwable error);
    }
}
