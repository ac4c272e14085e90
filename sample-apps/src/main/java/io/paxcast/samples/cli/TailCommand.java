package io.paxcast.samples.cli;

import io.paxcast.samples.client.Nodes;
import io.paxcast.samples.client.Subscription;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.net.URI;
import java.time.Duration;

/**
 * {@code paxcast tail <channels>}: subscribes and prints each message frame as one JSON line on
 * standard output (control frames and reconnections go to standard error as {@code #} lines, so
 * the output pipes into jq); on disconnect resumes on the next node with {@code after=<last seq>}.
 */
@Command(name = "tail", description = {"Subscribe to channels and print each message as one JSON line, in seq order.",
        "On disconnect, resume on the next --node with after=<last seq>: nothing lost, nothing repeated.",
        "Stop with Ctrl-C, or after --count messages."})
final class TailCommand extends NodeCommand {
    @Parameters(index = "0", paramLabel = "<channels>", description = "Comma-separated channel names, or '*' for all.")
    String channels;

    @Option(names = "--after", paramLabel = "SEQ",
            description = "Start after this global seq (0: from the beginning). Default: from now.")
    Long after;

    @Option(names = "--count", paramLabel = "N", description = "Stop after N messages (for scripts and tests).")
    Long count;

    @Option(names = "--give-up-after", paramLabel = "SECONDS", defaultValue = "0",
            description = "Exit (code 2) when no node could be reached for this long; 0, the default, retries forever.")
    long giveUpAfter;

    @Option(names = {"-q", "--quiet"}, description = "No '#' notes on standard error.")
    boolean quiet;

    @Override
    public Integer call() {
        String list = Nodes.channels(channels);
        if (after != null && after < 0 || count != null && count < 1 || giveUpAfter < 0) {
            throw new IllegalArgumentException("--after must be >= 0, --count >= 1, --give-up-after >= 0");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        long[] printed = {0};
        Subscription subscription = Subscription.builder(node.nodes(cli.env), list, new Subscription.Listener() {
                    @Override
                    public boolean onMessage(URI from, JsonObject message) {
                        out.println(message.encode());
                        out.flush();
                        printed[0]++;
                        return count == null || printed[0] < count;
                    }

                    @Override
                    public void onSubscribed(URI from, JsonObject frame) {
                        note(err, "subscribed to " + frame.getValue("channels") + " on " + from + " (head "
                                + frame.getValue("head") + ")");
                    }

                    @Override
                    public void onErrorFrame(URI from, JsonObject frame) {
                        note(err, "error " + frame.getValue("code") + " from " + from + ": " + frame.getValue("message"));
                    }

                    @Override
                    public void onDisconnect(URI from, String why, URI next, Long resumeAfter) {
                        note(err, from + ": " + why + "; resuming on " + next
                                + (resumeAfter == null ? " from now" : " after seq " + resumeAfter));
                    }
                })
                .after(after)
                .token(node.token(cli.env))
                .failFast(true)
                .giveUpAfter(giveUpAfter == 0 ? null : Duration.ofSeconds(giveUpAfter))
                .build();
        subscription.run();
        return PaxcastCli.EXIT_OK;
    }

    private void note(PrintWriter err, String text) {
        if (!quiet) {
            err.println("# " + text);
            err.flush();
        }
    }
}
