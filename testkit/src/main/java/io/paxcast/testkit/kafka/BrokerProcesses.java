package io.paxcast.testkit.kafka;

import io.paxcast.testkit.process.Daemon;
import io.paxcast.testkit.process.LogTail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The handling of running broker processes that {@link KafkaBroker} and {@link KafkaCluster}
 * share: free ports for them, bounded waits that end early when a broker dies, the check that it
 * still runs (with its log's tail), and the SIGKILL that leaves nothing behind.
 */
final class BrokerProcesses {
    /** Lines of a broker's log quoted in a failure. */
    static final int LOG_TAIL_ON_FAILURE = 60;

    private BrokerProcesses() {
    }

    static int[] freePorts(int count) throws IOException {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                sockets.add(s);
                ports[i] = s.getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket s : sockets) {
                s.close();
            }
        }
    }

    /**
     * A bounded wait between two checks of a condition: up to 100 ms, cut short if the broker exits
     * (the next {@link #checkAlive} then reports it). Fails once the deadline has passed.
     */
    static void pause(Process process, long deadline, String timeoutMessage) throws InterruptedException {
        if (System.nanoTime() > deadline) {
            throw new IllegalStateException(timeoutMessage);
        }
        process.waitFor(Math.min(100, Math.max(1, remainingMillis(deadline))), TimeUnit.MILLISECONDS);
    }

    static void checkAlive(Process process, Path logFile, String when) {
        if (!process.isAlive()) {
            throw new IllegalStateException("Kafka broker pid " + process.pid() + " exited with " + process.exitValue()
                    + " " + when + "\n--- " + logFile + " tail ---\n" + tail(logFile, LOG_TAIL_ON_FAILURE));
        }
    }

    static long remainingMillis(long deadline) {
        return Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
    }

    /** SIGKILL and wait until the process is gone, then drop its shutdown hook. */
    static void kill(Process process, Thread hook) {
        process.destroyForcibly();
        boolean interrupted = false;
        while (process.isAlive()) {
            try {
                process.waitFor();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        Daemon.removeHook(hook);
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** The last lines of a file, reading at most its last 256 KiB; "" if it does not exist. */
    static String tail(Path file, int lines) {
        try {
            return LogTail.read(file, lines, 256 * 1024);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
