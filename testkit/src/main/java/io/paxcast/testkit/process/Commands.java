package io.paxcast.testkit.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/** Short helper commands (kill, ip, iptables...) run to completion with a timeout, their output collected. */
public final class Commands {
    private Commands() {
    }

    public static CommandResult run(List<String> command, Duration timeout) {
        return run(command, timeout, null);
    }

    /**
     * Runs {@code command} (without the caller's {@code PAXCAST_*} variables, which are the node's
     * configuration and mean nothing to a tool), feeding it {@code input} if not null, and waits at most
     * {@code timeout}; a command that overruns is SIGKILLed and reported with exit code -1.
     */
    public static CommandResult run(List<String> command, Duration timeout, String input) {
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
            pb.environment().keySet().removeIf(name -> name.startsWith("PAXCAST_"));
            Process p = pb.start();
            try (var stdin = p.getOutputStream()) {
                if (input != null) {
                    stdin.write(input.getBytes(StandardCharsets.UTF_8));
                }
            }
            // the commands used here print little: a reader thread collects it while we wait
            var output = new StringBuilder();
            Thread reader = startReader(p, output);
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
                reader.join(1000);
                return new CommandResult(command, -1, "timed out after " + timeout + ": " + output);
            }
            reader.join(5000);
            return new CommandResult(command, p.exitValue(), output.toString());
        } catch (IOException e) {
            return new CommandResult(command, -1, "cannot run: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new CommandResult(command, -1, "interrupted");
        }
    }

    /** An executable named {@code name} on the PATH or in the sbin/bin directories (root's tools live in sbin). */
    public static Optional<Path> findTool(String name) {
        Set<String> dirs = new LinkedHashSet<>();
        String path = System.getenv("PATH");
        if (path != null) {
            dirs.addAll(List.of(path.split(":")));
        }
        dirs.addAll(List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin"));
        for (String dir : dirs) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    private static Thread startReader(Process p, StringBuilder into) {
        Thread t = new Thread(() -> {
            try {
                into.append(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException ignored) {
                // the process was killed
            }
        }, "testkit-cmd-output");
        t.setDaemon(true);
        t.start();
        return t;
    }
}
