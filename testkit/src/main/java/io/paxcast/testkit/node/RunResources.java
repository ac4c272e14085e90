package io.paxcast.testkit.node;

import io.paxcast.testkit.process.Trees;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What a run holds besides its processes: the temporary data directory (with the classpath
 * snapshot), the log directory and the network. Acquired before the first node starts, released
 * after every node process is gone; a failure while acquiring releases what was taken.
 */
final class RunResources {
    private static final long EXIT_WAIT_MILLIS = 15_000;

    final String label;
    final Network network;
    final Path dataRoot;
    final Path logDir;
    final String classpath;
    private final boolean keepData;

    RunResources(NodeProcessesBuilder b, Network network, String requestedClasspath) throws IOException {
        this.label = b.label;
        this.network = network;
        this.keepData = b.keepData;
        this.dataRoot = Files.createTempDirectory(b.dataPrefix);
        try {
            this.classpath = b.snapshotClasspath
                    ? NodeJvm.snapshotClasspath(requestedClasspath, dataRoot.resolve("classpath")) : requestedClasspath;
        } catch (IOException | RuntimeException e) {
            Trees.delete(dataRoot, label);
            throw new IllegalStateException("cannot snapshot the node classpath into " + dataRoot, e);
        }
        try {
            network.open(b.nodes, dataRoot, keepData);
            String stamp = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS").format(LocalDateTime.now());
            this.logDir = b.logRoot.resolve(b.name + "-" + stamp + network.logDirSuffix());
            Files.createDirectories(logDir);
        } catch (IOException | RuntimeException | Error e) {
            List<String> problems = network.close();
            Trees.delete(dataRoot, label);
            network.closed(problems, 0);
            throw e;
        }
    }

    /** SIGKILLs every process (paused ones too: SIGKILL ends a stopped process), then closes the network and drops the data. */
    void release(List<Process> processes) {
        long started = System.nanoTime();
        for (Process p : processes) {
            // a node starts no children, but if one ever did it must not outlive the run either
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        for (Process p : processes) {
            try {
                if (!p.waitFor(EXIT_WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
                    System.out.printf("[%s] pid %d still alive %d ms after SIGKILL%n", label, p.pid(), EXIT_WAIT_MILLIS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        List<String> problems = network.close();
        if (keepData) {
            System.out.println("[" + label + "] data kept in " + dataRoot);
        } else {
            Trees.delete(dataRoot, label);
        }
        network.closed(problems, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        System.out.println("[" + label + "] logs in " + logDir);
    }
}
