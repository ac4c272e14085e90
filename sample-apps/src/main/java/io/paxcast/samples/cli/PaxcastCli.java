package io.paxcast.samples.cli;

import io.paxcast.samples.client.ApiError;
import io.paxcast.samples.client.NodeClient;
import io.paxcast.samples.client.NodeUnreachableException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.InputStream;
import java.io.PrintWriter;
import java.util.Map;

/**
 * {@code paxcast}: a command-line client of a Paxcast cluster, over HTTP and WebSocket only
 * (docs/API.md), plus the two sample apps as subcommands.
 *
 * <p>Exit codes: 0 success; 1 the node answered with an error (its JSON code and message are
 * printed), or a demo's check failed; 2 no node could be reached; 64 bad command line.
 */
@Command(name = "paxcast",
        mixinStandardHelpOptions = true,
        version = "paxcast 0.1.0 (wire contract v1)",
        description = "Client of a Paxcast cluster (clustered total-order broadcast).",
        subcommands = {PublishCommand.class, TailCommand.class, HistoryCommand.class, ClusterCommand.class, VerifyCommand.class,
                ConsensusDemoCommand.class, LedgerDemoCommand.class, CommandLine.HelpCommand.class},
        footer = {"",
                "Nodes: --node URL[,URL...] on every command,",
                "       else $PAXCAST_NODE, else http://127.0.0.1:8081.",
                "Exit codes: 0 ok; 1 the node returned an error (or a demo's check failed);",
                "            2 no node reachable; 64 bad command line."})
public final class PaxcastCli implements Runnable {
    public static final int EXIT_OK = 0;
    public static final int EXIT_ERROR = 1;
    public static final int EXIT_UNREACHABLE = 2;
    public static final int EXIT_USAGE = 64;
    /** {@code verify}: the two nodes hold different orders (an error talking to them is 1 or 2, as elsewhere). */
    public static final int EXIT_DIFFERENT = 3;

    final Map<String, String> env;
    final InputStream stdin;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public PaxcastCli(Map<String, String> env, InputStream stdin) {
        this.env = env;
        this.stdin = stdin;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
    }

    public static void main(String[] args) {
        System.exit(execute(System.getenv(), System.in, new PrintWriter(System.out, true),
                new PrintWriter(System.err, true), args));
    }

    /** Runs one command line with the given environment and streams; returns the exit code. */
    public static int execute(Map<String, String> env, InputStream stdin, PrintWriter out, PrintWriter err,
                              String... args) {
        CommandLine cli = new CommandLine(new PaxcastCli(env, stdin));
        cli.setOut(out);
        cli.setErr(err);
        cli.setParameterExceptionHandler((e, ignored) -> {
            CommandLine cmd = e.getCommandLine();
            cmd.getErr().println("paxcast: " + e.getMessage());
            if (!CommandLine.UnmatchedArgumentException.printSuggestions(e, cmd.getErr())) {
                cmd.getErr().println("see: " + cmd.getCommandSpec().qualifiedName() + " --help");
            }
            cmd.getErr().flush();
            return EXIT_USAGE;
        });
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> report(e, cmd.getErr()));
        int code = cli.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    /** One line for each kind of failure, and its exit code. */
    static int report(Exception e, PrintWriter err) {
        int code;
        if (e instanceof ApiError api) {
            err.println("paxcast: " + api.describe());
            code = EXIT_ERROR;
        } else if (e instanceof NodeUnreachableException unreachable) {
            err.println("paxcast: " + unreachable.getMessage());
            code = EXIT_UNREACHABLE;
        } else if (e instanceof NodeClient.RequestTimeoutException timeout) {
            err.println("paxcast: " + timeout.getMessage() + " (the request may still take effect)");
            code = EXIT_UNREACHABLE;
        } else if (e instanceof IllegalArgumentException bad) {
            err.println("paxcast: " + bad.getMessage());
            code = EXIT_USAGE;
        } else {
            err.println("paxcast: failed: " + e);
            code = EXIT_ERROR;
        }
        err.flush();
        return code;
    }
}
