package io.paxcast.samples.cli;

import io.paxcast.samples.client.NodeClient;
import io.paxcast.samples.client.Nodes;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;

/** {@code paxcast history [channel]}: stored messages, one JSON line each. */
@Command(name = "history", description = {"Print stored messages, one JSON object per line, in order:",
        "of one channel (after = a channel offset), or of the global log without a channel (after = a seq)."})
final class HistoryCommand extends NodeCommand {
    /** The node's page limit (docs/API.md); larger --limit values are read page by page. */
    private static final int PAGE = 1000;

    @Parameters(index = "0", arity = "0..1", paramLabel = "[channel]", description = "Channel (default: the global log).")
    String channel;

    @Option(names = "--after", paramLabel = "N", defaultValue = "0",
            description = "Start after this offset (channel) or seq (global log); default ${DEFAULT-VALUE}.")
    long after;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "100",
            description = "At most this many messages (default ${DEFAULT-VALUE}; above " + PAGE + " reads several pages).")
    int limit;

    @Override
    public Integer call() {
        if (channel != null) {
            Nodes.channel(channel);
        }
        if (after < 0 || limit < 1) {
            throw new IllegalArgumentException("--after must be >= 0 and --limit >= 1");
        }
        NodeClient client = node.client(cli.env);
        PrintWriter out = spec.commandLine().getOut();
        long position = after;
        int left = limit;
        while (left > 0) {
            int page = Math.min(left, PAGE);
            JsonObject result = channel == null ? client.globalHistory(position, page)
                    : client.channelHistory(channel, position, page);
            JsonArray messages = result.getJsonArray("messages");
            for (int i = 0; i < messages.size(); i++) {
                out.println(messages.getJsonObject(i).encode());
            }
            left -= messages.size();
            position = result.getLong("next", position);
            if (messages.size() < page) {
                break;
            }
        }
        out.flush();
        return PaxcastCli.EXIT_OK;
    }
}
