package io.paxcast.faults.net;

import io.paxcast.faults.net.NetnsCluster.Event;
import io.paxcast.testkit.node.NodeEvents;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The record of every control of a NetnsCluster: one line such as {@code [nemesis] t=12.345 partition
 * {1} | {2,3}} (t in seconds since the cluster was built) on stdout, appended to {@code nemesis.log}
 * in the run's log directory, and kept in {@link #events()}. As the launcher's {@link NodeEvents} it
 * records the process controls (start, kill, pause, resume); {@link LinkFaults} records the cuts.
 */
final class NemesisLog implements NodeEvents {
    private final long createdNanos = System.nanoTime();
    private final List<Event> events = new CopyOnWriteArrayList<>();
    private volatile Path logDir;

    /** From now on lines also go to {@code <logDir>/nemesis.log} (the launcher creates the directory). */
    void logTo(Path logDir) {
        this.logDir = logDir;
    }

    List<Event> events() {
        return List.copyOf(events);
    }

    void nemesis(String what) {
        double t = (System.nanoTime() - createdNanos) / 1e9;
        events.add(new Event(Instant.now(), t, what));
        log(String.format("[nemesis] t=%.3f %s", t, what));
    }

    void log(String line) {
        System.out.println(line);
        Path dir = logDir;
        if (dir != null) {
            try {
                Files.writeString(dir.resolve("nemesis.log"), Instant.now() + " " + line + "\n", StandardCharsets.UTF_8,
                        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            } catch (IOException ignored) {
                // stdout has it
            }
        }
    }

    long millisSinceCreated() {
        return (System.nanoTime() - createdNanos) / 1_000_000;
    }

    @Override
    public void started(int k, long pid, int startNumber) {
        nemesis((startNumber == 1 ? "start " : "restart ") + "n" + k + " pid " + pid);
    }

    @Override
    public void killed(int k, long pid) {
        nemesis("kill n" + k + " pid " + pid);
    }

    @Override
    public void killedNotRunning(int k, int exit) {
        nemesis("kill n" + k + ": not running (exit " + exit + ")");
    }

    @Override
    public void paused(int k, long pid) {
        nemesis("pause n" + k + " pid " + pid);
    }

    @Override
    public void resumed(int k, long pid) {
        nemesis("resume n" + k + " pid " + pid);
    }
}
