package io.paxcast.samples.cli;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** One in-process run of the CLI: its exit code and what it printed. */
public record CliRun(int exit, String out, String err) {

    public static CliRun run(String... args) {
        return run(Map.of(), "", args);
    }

    public static CliRun run(Map<String, String> env, String stdin, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = PaxcastCli.execute(env, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintWriter(out, true), new PrintWriter(err, true), args);
        CliRun run = new CliRun(exit, out.toString(), err.toString());
        System.out.printf("[cli] paxcast %s -> exit %d%n%s%s", String.join(" ", args), exit, indent(run.out), indent(run.err));
        return run;
    }

    /** Starts the CLI on its own thread (for {@code tail}); its output can be read while it runs. */
    public static Background background(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CompletableFuture<Integer> exit = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try {
                exit.complete(PaxcastCli.execute(Map.of(), new ByteArrayInputStream(new byte[0]),
                        new PrintWriter(out, true), new PrintWriter(err, true), args));
            } catch (Throwable t) {
                exit.completeExceptionally(t);
            }
            System.out.printf("[cli] paxcast %s -> exit %s%n%s%s", String.join(" ", args), exit.getNow(null),
                    indent(out.toString()), indent(err.toString()));
        }, "cli-" + args[0]);
        thread.setDaemon(true);
        thread.start();
        return new Background(out, err, exit);
    }

    /** A CLI run in progress. {@link StringWriter} is synchronized: reading while it writes is safe. */
    public record Background(StringWriter out, StringWriter err, CompletableFuture<Integer> exit) {
        public List<String> outLines() {
            return lines(out.toString());
        }
    }

    public List<String> outLines() {
        return lines(out);
    }

    private static List<String> lines(String text) {
        return text.lines().filter(l -> !l.isBlank()).toList();
    }

    /** The text indented, at most 30 lines of it. */
    private static String indent(String text) {
        List<String> lines = text.lines().toList();
        StringBuilder sb = new StringBuilder();
        lines.stream().limit(30).forEach(l -> sb.append("    ").append(l).append('\n'));
        if (lines.size() > 30) {
            sb.append("    ... (").append(lines.size() - 30).append(" more lines)\n");
        }
        return sb.toString();
    }
}
