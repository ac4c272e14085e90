package io.paxcast.testkit.process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Signals to processes by pid, and what the kernel says of them. Java sends only SIGTERM and SIGKILL
 * itself ({@link ProcessHandle#destroy()}, {@link ProcessHandle#destroyForcibly()}); SIGSTOP and
 * SIGCONT go through {@code kill(1)}.
 */
public final class Signals {
    /** The exit status of a process ended by SIGKILL, as {@link Process#exitValue()} reports it. */
    public static final int SIGKILL_EXIT = 128 + 9;
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration STATE_WAIT = Duration.ofSeconds(10);

    private Signals() {
    }

    /** {@code kill -<signal> <pid>}; fails with kill's output if it does not exit 0. */
    public static void send(long pid, String signal) {
        String kill = Commands.findTool("kill").map(Path::toString).orElse("kill");
        CommandResult r = Commands.run(List.of(kill, "-" + signal, String.valueOf(pid)), COMMAND_TIMEOUT);
        if (!r.ok()) {
            throw new IllegalStateException("kill -" + signal + " " + pid + " failed: " + r.output());
        }
    }

    /** The state letter of {@code pid} in /proc (R, S, T, ...; "" once it is gone). */
    public static String processState(long pid) {
        try {
            // /proc/<pid>/stat: "pid (comm) S ..."; comm may contain spaces, so read after the last ')'
            String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
            return stat.substring(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
        } catch (IOException gone) {
            return "";
        }
    }

    /**
     * Polls /proc (every millisecond, 10 s at most) until {@code pid} is stopped, or no longer
     * stopped: a signal is delivered asynchronously, and a pause must return only once it took.
     */
    public static void awaitStopped(long pid, boolean stopped) {
        long deadline = System.nanoTime() + STATE_WAIT.toNanos();
        while ("T".equals(processState(pid)) != stopped) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("process " + pid + (stopped ? " never stopped" : " never resumed")
                        + " (state " + processState(pid) + ")");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }

    /** Waits for {@code p} to exit, at most {@code wait}; returns its exit status or fails naming {@code who}. */
    public static int awaitExit(String who, Process p, Duration wait) {
        try {
            if (!p.waitFor(wait.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException(who + " (pid " + p.pid() + ") did not exit within " + wait);
            }
            return p.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
