package io.paxcast.broadcast.config;

import io.paxcast.testkit.node.NodeProcesses;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * k8s/ cannot be applied here (no Kubernetes), so this checks what can drift without anyone
 * noticing: the ConfigMap's configuration, loaded exactly as each pod loads it (its pod name as
 * node id), is valid for every replica; the voters are the StatefulSet's pods under the headless
 * service; the ports, probes, data volume and environment agree with the node; the container
 * starts Java with the launcher's flags.
 */
class K8sManifestsTest {
    static final Path K8S = Path.of("..", "k8s");
    @RegisterExtension
    static final ConfigLoads configs = new ConfigLoads();

    @TempDir
    Path dir;

    @Test
    @SuppressWarnings("unchecked")
    void theManifestsDescribeAValidClusterForEveryPod() throws Exception {
        List<Map<String, Object>> docs = new ArrayList<>();
        try (Reader in = Files.newBufferedReader(K8S.resolve("paxcast.yaml"))) {
            for (Object doc : new Yaml().loadAll(in)) {
                docs.add((Map<String, Object>) doc);
            }
        }
        Map<String, Object> configMap = find(docs, "ConfigMap");
        Map<String, Object> sts = find(docs, "StatefulSet");
        Map<String, Object> stsSpec = map(sts, "spec");
        String stsName = (String) map(sts, "metadata").get("name");
        String peers = (String) stsSpec.get("serviceName");
        int replicas = (Integer) stsSpec.get("replicas");
        Map<String, Object> podSpec = map(map(stsSpec, "template"), "spec");
        Map<String, Object> container = ((List<Map<String, Object>>) podSpec.get("containers")).get(0);

        Map<String, Integer> ports = new java.util.HashMap<>();
        for (Map<String, Object> p : (List<Map<String, Object>>) container.get("ports")) {
            ports.put((String) p.get("name"), (Integer) p.get("containerPort"));
        }
        String dataMount = null;
        for (Map<String, Object> m : (List<Map<String, Object>>) container.get("volumeMounts")) {
            if ("data".equals(m.get("name"))) {
                dataMount = (String) m.get("mountPath");
            }
        }
        assertNotNull(dataMount, "the data volume is mounted");

        Path configFile = dir.resolve("config.yaml");
        Files.writeString(configFile, (String) map(configMap, "data").get("config.yaml"));
        Set<String> known = new HashSet<>(Set.of("PAXCAST_CONFIG", "PAXCAST_HEAP", "PAXCAST_JAVA_OPTS"));
        for (ConfigKey key : ConfigKey.values()) {
            known.add(key.envName());
        }
        for (Map<String, Object> e : (List<Map<String, Object>>) container.get("env")) {
            assertTrue(known.contains((String) e.get("name")), e.get("name") + " is no configuration key (docs/CONFIG.md)");
        }

        for (int i = 0; i < replicas; i++) {
            String pod = stsName + "-" + i;
            NodeConfig c = configs.load(configFile.toString(), Map.of("PAXCAST_NODE_ID", pod));
            assertEquals(pod, c.nodeId());
            assertEquals(replicas, c.members().size(), "one voter per replica");
            assertEquals(replicas, c.paxos().voters().size(), "the bootstrap voters are the replicas, set explicitly");
            for (int j = 0; j < replicas; j++) {
                Member m = c.members().get(j);
                assertEquals(stsName + "-" + j, m.id());
                assertEquals(stsName + "-" + j + "." + peers, m.host(), "voters are the pods' stable names");
                assertEquals(ports.get("hazelcast"), m.port());
            }
            assertEquals(ports.get("hazelcast"), c.hazelcastPort());
            assertEquals(ports.get("eventbus"), c.eventBusPort());
            assertEquals(ports.get("paxos"), c.hazelcastPort() + c.paxosPortOffset(), "Paxos listens on the port the pod declares");
            assertTrue(c.tcpTransport(), "Paxos on its own connections");
            assertEquals(ports.get("http"), c.httpPort());
            assertEquals(Path.of(dataMount), c.dataDir(), "the node keeps its store on the claimed volume");
        }

        Map<String, Object> headless = findService(docs, peers);
        assertEquals("None", map(headless, "spec").get("clusterIP"));
        assertEquals(Boolean.TRUE, map(headless, "spec").get("publishNotReadyAddresses"),
                "peers must resolve before they are ready: readiness needs the quorum");
        assertEquals("Parallel", stsSpec.get("podManagementPolicy"), "one pod alone never becomes ready");
        for (Map<String, Object> p : (List<Map<String, Object>>) map(headless, "spec").get("ports")) {
            assertTrue(ports.containsKey((String) p.get("targetPort")), "service port " + p);
        }
        assertEquals("/ready", map(map(container, "readinessProbe"), "httpGet").get("path"));
        assertEquals("/health", map(map(container, "livenessProbe"), "httpGet").get("path"));

        String entrypoint = Files.readString(K8S.resolve("entrypoint.sh"));
        for (String flag : NodeProcesses.JVM_FLAGS) {
            assertTrue(entrypoint.contains(flag), "the container starts Java with " + flag);
        }
        assertTrue(Files.readString(K8S.resolve("Dockerfile")).contains("entrypoint.sh"));
    }

    /**
     * paxcast-split.yaml: every sequencer pod loads a voter's configuration (SequencerMain), and an edge
     * pod of the Deployment, with Kubernetes' $(VAR) expansion applied to its environment as the kubelet
     * does, loads an edge node's: it never votes, joins by itself, lists itself after the same
     * sequencers, advertises its pod IP, agrees on the bootstrap voters. Clients' Service selects the
     * edge pods only; the autoscaler scales the Deployment, never the StatefulSet.
     */
    @Test
    @SuppressWarnings("unchecked")
    void theSplitManifestsDescribeFixedSequencersAndSelfJoiningEdges() throws Exception {
        List<Map<String, Object>> docs = new ArrayList<>();
        try (Reader in = Files.newBufferedReader(K8S.resolve("paxcast-split.yaml"))) {
            for (Object doc : new Yaml().loadAll(in)) {
                docs.add((Map<String, Object>) doc);
            }
        }
        Path configFile = dir.resolve("split.yaml");
        Files.writeString(configFile, (String) map(find(docs, "ConfigMap"), "data").get("config.yaml"));
        Map<String, Object> sts = find(docs, "StatefulSet");
        Map<String, Object> deployment = find(docs, "Deployment");
        String stsName = (String) map(sts, "metadata").get("name");
        int replicas = (Integer) map(sts, "spec").get("replicas");
        Map<String, Object> seqContainer = container(sts);
        Map<String, Object> edgeContainer = container(deployment);
        assertEquals("io.paxcast.broadcast.SequencerMain", env(seqContainer, "pod-x", "10.0.0.9").get("PAXCAST_MAIN"));
        assertEquals("io.paxcast.broadcast.EdgeMain", env(edgeContainer, "pod-x", "10.0.0.9").get("PAXCAST_MAIN"));

        List<String> sequencers = new ArrayList<>();
        for (int i = 0; i < replicas; i++) {
            String pod = stsName + "-" + i;
            sequencers.add(pod);
            Map<String, String> e = env(seqContainer, pod, "10.0.0." + (i + 1));
            e.remove("PAXCAST_MAIN");
            NodeConfig c = configs.load(configFile.toString(), e);
            assertEquals(pod, c.nodeId());
            assertTrue(c.paxos().voting(), pod + " votes");
            assertFalse(c.edgeAutoJoin());
            assertEquals(sequencers.size() - 1, c.members().indexOf(c.members().stream()
                    .filter(m -> m.id().equals(pod)).findFirst().orElseThrow()));
        }
        String edgePod = "paxcast-edge-6d5f8c7b9-x2k4q";
        Map<String, String> e = env(edgeContainer, edgePod, "10.1.2.3");
        e.remove("PAXCAST_MAIN");
        e.put("PAXCAST_NODE_ROLE", "edge"); // what EdgeMain sets
        NodeConfig edge = configs.load(configFile.toString(), e);
        assertEquals(edgePod, edge.nodeId());
        assertFalse(edge.paxos().voting(), "an edge node never votes");
        assertTrue(edge.edgeAutoJoin(), "an edge node adds itself: the autoscaler makes no admin call");
        assertEquals(sequencers, edge.paxos().voters(), "the same bootstrap voters as the sequencers");
        assertEquals("10.1.2.3", edge.clusterHost(), "an edge advertises its pod IP (no stable name)");
        List<String> memberIds = edge.members().stream().map(Member::id).toList();
        List<String> expected = new ArrayList<>(sequencers);
        expected.add(edgePod);
        assertEquals(expected, memberIds);
        NodeConfig seq0 = configs.load(configFile.toString(), Map.of("PAXCAST_NODE_ID", sequencers.get(0)));
        for (int i = 0; i < sequencers.size(); i++) {
            assertEquals(seq0.members().get(i), edge.members().get(i), "the edge reaches the sequencers where they listen");
        }

        Map<String, Object> clients = findService(docs, "paxcast");
        assertEquals("edge", map(map(clients, "spec"), "selector").get("app.kubernetes.io/component"),
                "clients are served by the edge nodes");
        Map<String, Object> hpa = find(docs, "HorizontalPodAutoscaler");
        Map<String, Object> target = map(map(hpa, "spec"), "scaleTargetRef");
        assertEquals("Deployment", target.get("kind"));
        assertEquals(map(deployment, "metadata").get("name"), target.get("name"));
        assertTrue(Files.readString(K8S.resolve("entrypoint.sh")).contains("${PAXCAST_MAIN:-io.paxcast.broadcast.Main}"),
                "the entrypoint starts the class PAXCAST_MAIN names");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> container(Map<String, Object> workload) {
        Map<String, Object> podSpec = map(map(map(workload, "spec"), "template"), "spec");
        return ((List<Map<String, Object>>) podSpec.get("containers")).get(0);
    }

    /**
     * A container's environment as the kubelet makes it: metadata.name and status.podIP from the pod,
     * $(NAME) replaced by a variable defined earlier in the list; every name a configuration key or one
     * the entrypoint reads.
     */
    @SuppressWarnings("unchecked")
    private static Map<String, String> env(Map<String, Object> container, String podName, String podIp) {
        Set<String> known = new HashSet<>(Set.of("PAXCAST_CONFIG", "PAXCAST_HEAP", "PAXCAST_JAVA_OPTS", "PAXCAST_MAIN", "POD_IP"));
        for (ConfigKey key : ConfigKey.values()) {
            known.add(key.envName());
        }
        Map<String, String> out = new java.util.LinkedHashMap<>();
        for (Map<String, Object> e : (List<Map<String, Object>>) container.get("env")) {
            String name = (String) e.get("name");
            assertTrue(known.contains(name), name + " is no configuration key (docs/CONFIG.md)");
            String value;
            if (e.containsKey("valueFrom")) {
                String path = (String) map(map(e, "valueFrom"), "fieldRef").get("fieldPath");
                value = switch (path) {
                    case "metadata.name" -> podName;
                    case "status.podIP" -> podIp;
                    default -> throw new AssertionError("unexpected fieldPath " + path);
                };
            } else {
                value = String.valueOf(e.get("value"));
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\$\\(([A-Z_]+)\\)").matcher(value);
                StringBuilder b = new StringBuilder();
                while (m.find()) {
                    String ref = out.get(m.group(1));
                    assertNotNull(ref, name + " refers to $(" + m.group(1) + ") before it is defined");
                    m.appendReplacement(b, java.util.regex.Matcher.quoteReplacement(ref));
                }
                m.appendTail(b);
                value = b.toString();
            }
            out.put(name, value);
        }
        out.remove("PAXCAST_CONFIG");
        out.remove("PAXCAST_HEAP");
        out.remove("POD_IP");
        return out;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Map<String, Object> parent, String key) {
        Object child = parent.get(key);
        assertNotNull(child, key);
        return (Map<String, Object>) child;
    }

    static Map<String, Object> find(List<Map<String, Object>> docs, String kind) {
        return docs.stream().filter(d -> kind.equals(d.get("kind"))).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " in k8s/paxcast.yaml"));
    }

    static Map<String, Object> findService(List<Map<String, Object>> docs, String name) {
        return docs.stream().filter(d -> "Service".equals(d.get("kind")) && name.equals(map(d, "metadata").get("name")))
                .findFirst().orElseThrow(() -> new AssertionError("no Service " + name));
    }
}
