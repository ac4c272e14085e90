package io.paxcast.testkit.node;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Every node on 127.0.0.1, with the port scheme of {@code bin/paxcast-local}: node {@code k} serves
 * HTTP on {@code base+k}, Hazelcast on {@code base-2380+k} and the event bus on Hazelcast's port +
 * 1000 (the node's default). The base is fixed ({@link #Loopback(Integer)}, {@code -Dpaxcast.it.basePort}
 * or {@code PAXCAST_IT_BASE_PORT}: its ports must all be free) or the first of 18080, 18180, ...
 * whose ports are all free.
 */
public final class Loopback implements Network {
    private static final int DEFAULT_BASE = 18080;
    private static final String HOST = "127.0.0.1";

    private final Integer requestedBase;
    private int base;

    /** A free base port, or the one of -Dpaxcast.it.basePort / PAXCAST_IT_BASE_PORT. */
    public Loopback() {
        this(null);
    }

    /** This base port (null: as {@link #Loopback()}). */
    public Loopback(Integer basePort) {
        this.requestedBase = basePort;
    }

    @Override
    public void open(int size, java.nio.file.Path dataRoot, boolean keepData) {
        this.base = requestedBase != null ? checkedBase(requestedBase, size) : freeBase(size);
    }

    public int basePort() {
        return base;
    }

    @Override
    public String host(int k) {
        return HOST;
    }

    @Override
    public int httpPort(int k) {
        return base + k;
    }

    @Override
    public int hazelcastPort(int k) {
        return base - 2380 + k;
    }

    @Override
    public Map<String, String> environment(int k) {
        return Map.of("PAXCAST_HTTP_HOST", HOST);
    }

    @Override
    public List<String> markers(int k) {
        return List.of("-Dpaxcast-it.node=n" + k);
    }

    private static int checkedBase(int base, int nodes) {
        List<Integer> busy = ports(base, nodes).stream().filter(p -> !free(p)).toList();
        if (!busy.isEmpty()) {
            throw new IllegalStateException("base port " + base + ": ports " + busy
                    + " are in use (a leftover node? `ps aux | grep io.paxcast`)");
        }
        return base;
    }

    private static int freeBase(int nodes) {
        String fixed = System.getProperty("paxcast.it.basePort", System.getenv("PAXCAST_IT_BASE_PORT"));
        if (fixed != null && !fixed.isBlank()) {
            return checkedBase(Integer.parseInt(fixed.trim()), nodes);
        }
        for (int base = DEFAULT_BASE; base < DEFAULT_BASE + 2000; base += 100) {
            if (ports(base, nodes).stream().allMatch(Loopback::free)) {
                return base;
            }
        }
        throw new IllegalStateException("no free base port in " + DEFAULT_BASE + ".." + (DEFAULT_BASE + 1900));
    }

    private static List<Integer> ports(int base, int nodes) {
        if (base - 2380 + 1 < 1024 || base + nodes > 65535) {
            throw new IllegalArgumentException("base port " + base + " puts node ports outside 1024..65535");
        }
        List<Integer> ports = new ArrayList<>();
        for (int k = 1; k <= nodes; k++) {
            ports.add(base + k);
            ports.add(base - 2380 + k);
            ports.add(base - 2380 + k + 1000);
        }
        return ports;
    }

    private static boolean free(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
