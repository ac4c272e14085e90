package io.paxcast.faults;

import io.paxcast.faults.net.NetnsCluster;

import java.net.URI;
import java.time.Duration;
import java.util.Set;

/** The fault suite's {@link Cluster} over real node processes in network namespaces. */
final class NetnsClusterAdapter implements Cluster {
    private final NetnsCluster cluster;

    NetnsClusterAdapter(NetnsCluster cluster) {
        this.cluster = cluster;
    }

    NetnsCluster unwrap() {
        return cluster;
    }

    @Override public int size() { return cluster.size(); }
    @Override public URI uri(int k, String path) { return cluster.uri(k, path); }
    @Override public URI wsUri(int k, String path) { return cluster.wsUri(k, path); }
    @Override public void kill(int k) { cluster.kill(k); }
    @Override public void pause(int k) { cluster.pause(k); }
    @Override public void resume(int k) { cluster.resume(k); }
    @Override public void restart(int k) { cluster.restart(k); }
    @Override public boolean isAlive(int k) { return cluster.isAlive(k); }
    @Override public void isolate(int k) { cluster.isolate(k); }
    @Override public void partition(Set<Integer> side) { cluster.partition(side); }
    @Override public void cutOneWay(int from, int to) { cluster.cutOneWay(from, to); }
    @Override public void bridge(int a, int b) { cluster.bridge(a, b); }
    @Override public void heal() { cluster.heal(); }
    @Override public void awaitReady(Duration timeout) { cluster.awaitReady(timeout); }
    @Override public void close() { cluster.close(); }
}
