package io.paxcast.samples.cli;

import io.paxcast.samples.client.NodeClient;
import io.paxcast.samples.client.Nodes;
import picocli.CommandLine.Option;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** {@code --node} and {@code --token}, shared by every command (a picocli mixin). */
final class NodeOptions {
    @Option(names = "--node", paramLabel = "URL[,URL...]",
            description = "Node(s) to talk to, tried in order when one cannot be reached"
                    + " (default: $PAXCAST_NODE, else " + Nodes.DEFAULT_NODE + ").")
    List<String> nodes;

    @Option(names = "--token", paramLabel = "JWT",
            description = "Bearer token for a node that requires one (default: $PAXCAST_TOKEN).")
    String token;

    List<URI> nodes(Map<String, String> env) {
        return Nodes.resolve(nodes, env);
    }

    String token(Map<String, String> env) {
        return token != null ? token : env.get("PAXCAST_TOKEN");
    }

    NodeClient client(Map<String, String> env) {
        return new NodeClient(nodes(env), token(env), Duration.ofSeconds(30));
    }
}
