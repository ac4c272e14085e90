package io.paxcast.testkit.process;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A server process a harness starts and must not leave behind (a Kafka broker, a nats-server):
 * stdout and stderr appended to one log file, stdin closed (the server reads EOF, never the test's
 * stdin), and a JVM shutdown hook that SIGKILLs it if the JVM exits before the harness stopped it.
 *
 * @param process the started process
 * @param hook    the registered shutdown hook, named {@code <name>-<pid>-kill}; {@link #removeHook(Thread)} drops it
 */
public record Daemon(Process process, Thread hook) {

    /** Starts {@code builder} (its command and directory as given) with the redirections and the hook above. */
    public static Daemon start(ProcessBuilder builder, Path logFile, String name) throws IOException {
        Process process = builder
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                .start();
        process.getOutputStream().close();
        Thread hook = new Thread(process::destroyForcibly, name + "-" + process.pid() + "-kill");
        Runtime.getRuntime().addShutdownHook(hook);
        return new Daemon(process, hook);
    }

    /** Drops a hook of {@link #start} once its process is gone; while the JVM shuts down the hook runs anyway and finds nothing left. */
    public static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shutdownInProgress) {
            // the hook runs anyway and finds nothing left to kill
        }
    }
}
