package io.paxcast.broadcast.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MultiMapConfig;
import com.hazelcast.config.NetworkConfig;
import io.paxcast.broadcast.config.Member;
import io.paxcast.broadcast.config.NodeConfig;

import java.util.regex.Pattern;

/**
 * The Hazelcast configuration of a node: TCP-IP join to the configured members (no multicast, no
 * auto-detection), fast failure detection (a paused member is declared gone after 5 s, not 60), a
 * split-brain merge within seconds of a healed partition (not minutes), and
 * the maps Vert.x's cluster manager needs (from vertx-hazelcast's default-cluster.xml).
 * Hazelcast only carries the event bus; Paxos membership comes from configuration.
 */
public final class HazelcastSetup {
    private static final Pattern IPV4 = Pattern.compile("^\\d{1,3}(\\.\\d{1,3}){3}$");

    private HazelcastSetup() {
    }

    public static Config build(NodeConfig node) {
        Config hz = new Config();
        hz.setClusterName(node.clusterName());
        hz.setProperty("hazelcast.phone.home.enabled", "false");
        hz.setProperty("hazelcast.heartbeat.interval.seconds", "1");
        hz.setProperty("hazelcast.max.no.heartbeat.seconds", "5");
        hz.setProperty("hazelcast.wait.seconds.before.join", "0");
        // After a network partition heals, Hazelcast keeps the two halves apart until its split-brain
        // merge runs (by default first after 300 s, then every 120 s); meanwhile the event bus cannot
        // route between them and Paxos messages vanish. Merge within seconds.
        hz.setProperty("hazelcast.merge.first.run.delay.seconds", "5");
        hz.setProperty("hazelcast.merge.next.run.delay.seconds", "5");
        hz.setProperty("hazelcast.logging.type", "slf4j");
        hz.setProperty("hazelcast.shutdownhook.enabled", "false");

        NetworkConfig network = hz.getNetworkConfig();
        network.setPort(node.hazelcastPort()).setPortAutoIncrement(false);
        if (IPV4.matcher(node.clusterHost()).matches()) {
            network.getInterfaces().setEnabled(true).addInterface(node.clusterHost());
        } else {
            network.setPublicAddress(node.clusterHost() + ":" + node.hazelcastPort());
        }
        JoinConfig join = network.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(true).setConnectionTimeoutSeconds(1);
        for (Member member : node.members()) {
            join.getTcpIpConfig().addMember(member.host() + ":" + member.port());
        }

        hz.addMultiMapConfig(new MultiMapConfig("__vertx.subs").setBackupCount(1)
                .setValueCollectionType(MultiMapConfig.ValueCollectionType.SET));
        hz.addMapConfig(new MapConfig("__vertx.haInfo").setBackupCount(1));
        hz.addMapConfig(new MapConfig("__vertx.nodeInfo").setBackupCount(1));
        return hz;
    }
}
