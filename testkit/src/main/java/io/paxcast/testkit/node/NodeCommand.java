package io.paxcast.testkit.node;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * What node k is launched as: the command line and the environment of {@code bin/paxcast-local}
 * ({@code PAXCAST_NODE_ID}, {@code PAXCAST_CLUSTER_MEMBERS}, the network's bind settings,
 * {@code PAXCAST_HTTP_PORT}, {@code PAXCAST_DATA_DIR}, then the builder's extra entries).
 */
final class NodeCommand {
    private final int size;
    private final Network network;
    private final String java;
    private final String heap;
    private final List<String> jvmArgs;
    private final String classpath;
    private final String mainClass;
    private final Map<Integer, String> nodeMainClasses;
    private final Map<String, String> extraEnv;

    NodeCommand(int size, Network network, String java, String heap, List<String> jvmArgs, String classpath,
                String mainClass, Map<Integer, String> nodeMainClasses, Map<String, String> extraEnv) {
        this.size = size;
        this.network = network;
        this.java = java;
        this.heap = heap;
        this.jvmArgs = List.copyOf(jvmArgs);
        this.classpath = classpath;
        this.mainClass = mainClass;
        this.nodeMainClasses = Map.copyOf(nodeMainClasses);
        this.extraEnv = Map.copyOf(extraEnv);
    }

    String java() {
        return java;
    }

    /** {@code n1@<host1>:<hz1>,n2@...}: the PAXCAST_CLUSTER_MEMBERS every node gets. */
    String clusterMembers() {
        return IntStream.rangeClosed(1, size)
                .mapToObj(k -> "n" + k + "@" + network.host(k) + ":" + network.hazelcastPort(k))
                .collect(Collectors.joining(","));
    }

    Map<String, String> environment(int k, String dataDir) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PAXCAST_NODE_ID", "n" + k);
        env.put("PAXCAST_CLUSTER_MEMBERS", clusterMembers());
        env.putAll(network.environment(k));
        env.put("PAXCAST_HTTP_PORT", String.valueOf(network.httpPort(k)));
        env.put("PAXCAST_DATA_DIR", dataDir);
        env.putAll(extraEnv);
        return env;
    }

    List<String> command(int k) {
        List<String> cmd = new ArrayList<>(network.commandPrefix(k));
        cmd.add(java);
        cmd.add("-Xmx" + heap);
        cmd.addAll(NodeJvm.FLAGS);
        cmd.addAll(jvmArgs);
        cmd.addAll(network.markers(k));
        cmd.add("-cp");
        cmd.add(classpath);
        cmd.add(nodeMainClasses.getOrDefault(k, mainClass));
        return cmd;
    }
}
