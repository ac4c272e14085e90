package io.paxcast.testkit.node;

import io.paxcast.testkit.process.Signals;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Node k's OS process across its restarts, for {@link NodeProcesses}: the current (or last)
 * process, whether it is SIGSTOPped, how often it was started, and the signals that act on its pid.
 *
 * <p>Threading: the controls run under {@link NodeProcesses}' lock; the state queries
 * ({@link #isAlive()}, {@link #isPaused()}) may run from any thread, as they did on the harness.
 */
final class NodeProcess {
    private static final Duration EXIT_WAIT = Duration.ofSeconds(15);

    private final String label;
    private final String id;
    private Process current;
    private boolean paused;
    private int starts;

    NodeProcess(String label, String id) {
        this.label = label;
        this.id = id;
    }

    /** Counts one more start and returns its number (1 for the first). */
    int countStart() {
        return ++starts;
    }

    /** How often the node was started (the number of the last start). */
    int starts() {
        return starts;
    }

    /**
     * Starts {@code pb} as the node's process, adds it to {@code everStarted} at once (so that a
     * teardown finds it whatever fails next) and closes its stdin: a pipe nobody writes to, so the
     * node reads EOF, not the test's stdin.
     */
    Process launch(ProcessBuilder pb, List<Process> everStarted) throws IOException {
        Process p = pb.start();
        everStarted.add(p);
        p.getOutputStream().close();
        current = p;
        paused = false;
        return p;
    }

    /** The current (or last) process, null if the node never started. */
    Process current() {
        return current;
    }

    boolean isAlive() {
        Process p = current;
        return p != null && p.isAlive();
    }

    boolean isPaused() {
        return isAlive() && paused;
    }

    /** The current (or last) process; fails if the node never started. */
    Process process() {
        Process p = current;
        if (p == null) {
            throw new IllegalStateException(id + " was never started");
        }
        return p;
    }

    /** The pid of the running process; fails if it is not running. */
    long runningPid() {
        Process p = process();
        if (!p.isAlive()) {
            throw new IllegalStateException(id + " is not running");
        }
        return p.pid();
    }

    /**
     * SIGKILLs the running process (also when paused) and waits until it is gone; fails unless it
     * exits with {@link Signals#SIGKILL_EXIT}. Returns false, only marking it not paused, if the
     * process was no longer running.
     */
    boolean sigkill() {
        Process p = process();
        if (!p.isAlive()) {
            paused = false;
            return false;
        }
        p.destroyForcibly(); // SIGKILL on Linux
        int exit = Signals.awaitExit(id, p, EXIT_WAIT);
        paused = false;
        if (exit != Signals.SIGKILL_EXIT) {
            throw new IllegalStateException(id + " exited with " + exit + " after SIGKILL, not " + Signals.SIGKILL_EXIT);
        }
        return true;
    }

    /** SIGTERMs the process (the caller resumes a paused one first), SIGKILLs it if still alive after 15 s. */
    void sigterm() throws InterruptedException {
        Process p = process();
        p.destroy();
        if (!p.waitFor(EXIT_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
            System.out.printf("[%s] %s ignored SIGTERM for %s; SIGKILL%n", label, id, EXIT_WAIT);
            p.destroyForcibly();
            Signals.awaitExit(id, p, EXIT_WAIT);
        }
    }

    /** SIGSTOPs ({@code stop}) or SIGCONTs the running process; returns its pid once it is in that state. */
    long setStopped(boolean stop) {
        long pid = runningPid();
        Signals.send(pid, stop ? "STOP" : "CONT");
        paused = stop;
        Signals.awaitStopped(pid, stop);
        return pid;
    }
}
