package io.paxcast.samples.cli;

import io.paxcast.samples.client.Nodes;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** {@code paxcast publish <channel> <json|->}: one message; prints the node's result. */
@Command(name = "publish", description = {"Publish one message (any JSON value) to a channel and print the result",
        "{\"seq\":..,\"channel\":..,\"offset\":..,\"ts\":..}. The publish is acknowledged once the message is chosen."})
final class PublishCommand extends NodeCommand {
    @Parameters(index = "0", paramLabel = "<channel>", description = "Channel name.")
    String channel;

    @Parameters(index = "1", paramLabel = "<json|->", description = "The payload, or - to read it from standard input.")
    String payload;

    @Option(names = "--key", paramLabel = "K",
            description = "Idempotency key: a retry with the same key returns the original result and appends nothing.")
    String key;

    @Override
    public Integer call() {
        Nodes.channel(channel);
        String json = payload.equals("-") ? readStdin() : payload;
        JsonObject result = node.client(cli.env).publish(channel, json.strip(), key);
        spec.commandLine().getOut().println(result.encode());
        return PaxcastCli.EXIT_OK;
    }

    private String readStdin() {
        try {
            return new String(cli.stdin.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read standard input", e);
        }
    }
}
