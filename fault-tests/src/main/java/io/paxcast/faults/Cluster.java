package io.paxcast.faults;

import java.net.URI;
import java.time.Duration;
import java.util.Set;

/** What the fault suite needs from a cluster of real node processes and its network. */
public interface Cluster extends AutoCloseable {
    int size();

    URI uri(int k, String path);

    URI wsUri(int k, String path);

    void kill(int k);

    void pause(int k);

    void resume(int k);

    void restart(int k);

    boolean isAlive(int k);

    void isolate(int k);

    void partition(Set<Integer> side);

    void cutOneWay(int from, int to);

    void bridge(int a, int b);

    void heal();

    void awaitReady(Duration timeout);

    @Override
    void close();
}
