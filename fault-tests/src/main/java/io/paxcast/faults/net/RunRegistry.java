package io.paxcast.faults.net;

import io.paxcast.testkit.process.Commands;
import io.paxcast.testkit.process.Trees;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The machine-wide record of NetnsCluster runs, against a SIGKILLed test JVM: every run records itself
 * in {@code /run/paxcast-netns/<run>.run} (its owner's pid and start time, what it created), and
 * building a new run first removes the leftovers of any run whose owner is gone. Names are chosen
 * and created under a machine-wide lock ({@code .lock} in the same directory, plus a JVM lock for
 * instances of one JVM), so concurrent runs, in other JVMs too, never pick the same ones.
 */
final class RunRegistry {
    private static final Path STATE_DIR = Path.of("/run/paxcast-netns");
    private static final ReentrantLock SETUP_LOCK = new ReentrantLock();
    private static final SecureRandom RANDOM = new SecureRandom();

    /** What a run created, as its marker file holds it. */
    record Marker(String runId, String bridge, String subnet, List<String> namespaces, List<String> veths,
                  boolean forwardRule, Path dataRoot, boolean keepData) {
    }

    private RunRegistry() {
    }

    /** Runs {@code step} holding the machine-wide lock. */
    @SuppressWarnings("try") // the FileLock is held for the try block, never referenced
    static <T> T underMachineLock(Supplier<T> step) {
        SETUP_LOCK.lock();
        try (FileChannel lockFile = openLockFile(); FileLock ignored = lockFile.lock()) {
            return step.get();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lock " + STATE_DIR.resolve(".lock"), e);
        } finally {
            SETUP_LOCK.unlock();
        }
    }

    /** 4 hex digits no run on this machine uses (marker, namespace or bridge); call it under the lock. */
    static String freeRunId() {
        for (int attempt = 0; attempt < 100; attempt++) {
            String id = hex(4);
            boolean taken = Files.exists(STATE_DIR.resolve(id + ".run"))
                    || Files.exists(Path.of("/run/netns", "px" + id + "n1"))
                    || Files.exists(Path.of("/sys/class/net", "pxbr" + id));
            if (!taken) {
                return id;
            }
        }
        throw new IllegalStateException("no free run id after 100 attempts");
    }

    /** Writes (or replaces, atomically) the marker of a run owned by this JVM. */
    static void write(Marker m) {
        Properties props = new Properties();
        ProcessHandle self = ProcessHandle.current();
        props.setProperty("ownerPid", String.valueOf(self.pid()));
        props.setProperty("ownerStart", self.info().startInstant().map(Instant::toString).orElse(""));
        props.setProperty("bridge", m.bridge());
        props.setProperty("subnet", m.subnet());
        props.setProperty("namespaces", String.join(",", m.namespaces()));
        props.setProperty("veths", String.join(",", m.veths()));
        props.setProperty("forwardRule", String.valueOf(m.forwardRule()));
        props.setProperty("dataRoot", m.dataRoot().toString());
        props.setProperty("keepData", String.valueOf(m.keepData()));
        Path marker = markerOf(m.runId());
        try {
            Files.createDirectories(STATE_DIR);
            Path tmp = STATE_DIR.resolve(m.runId() + ".tmp");
            try (var out = Files.newOutputStream(tmp)) {
                props.store(out, "NetnsCluster run " + m.runId());
            }
            Files.move(tmp, marker, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + marker, e);
        }
    }

    static Path markerOf(String runId) {
        return STATE_DIR.resolve(runId + ".run");
    }

    /** Forgets a run whose every trace is gone; a marker that cannot go is cleaned by the next run. */
    static void delete(String runId) {
        try {
            Files.deleteIfExists(markerOf(runId));
        } catch (IOException ignored) {
            // a stale marker is cleaned by the next run
        }
    }

    /**
     * Removes what dead runs left behind: for every marker whose owner process is gone, SIGKILLs the
     * processes in its namespaces and deletes its namespaces, veths, bridge, forward rule and data.
     * Runs of live JVMs are never touched. Returns the runs removed.
     */
    static List<String> cleanupLeftovers() {
        List<String> removed = new ArrayList<>();
        Optional<Path> ipTool = Commands.findTool("ip");
        if (!Files.isDirectory(STATE_DIR) || ipTool.isEmpty()) {
            return removed;
        }
        String ip = ipTool.get().toString();
        List<Path> markers;
        try (Stream<Path> files = Files.list(STATE_DIR)) {
            markers = files.filter(p -> p.getFileName().toString().endsWith(".run")).toList();
        } catch (IOException e) {
            return removed;
        }
        for (Path m : markers) {
            Properties props = new Properties();
            try (var in = Files.newInputStream(m)) {
                props.load(in);
            } catch (IOException e) {
                continue;
            }
            long ownerPid = Long.parseLong(props.getProperty("ownerPid", "-1"));
            String ownerStart = props.getProperty("ownerStart", "");
            boolean ownerAlive = ProcessHandle.of(ownerPid)
                    .filter(ProcessHandle::isAlive)
                    .map(h -> h.info().startInstant().map(Instant::toString).orElse("").equals(ownerStart))
                    .orElse(false);
            if (!ownerAlive) {
                removeRun(ip, m, props, ownerPid);
                removed.add(m.getFileName().toString().replace(".run", ""));
            }
        }
        return removed;
    }

    private static void removeRun(String ip, Path marker, Properties props, long ownerPid) {
        List<String> namespaces = splitList(props.getProperty("namespaces", ""));
        List<String> veths = splitList(props.getProperty("veths", ""));
        String bridgeName = props.getProperty("bridge", "");
        for (String ns : namespaces) {
            NetTools.killNamespacePids(ip, ns);
        }
        for (String veth : veths) {
            if (NetTools.linkExists(ip, veth)) {
                Commands.run(List.of(ip, "link", "del", veth), NetTools.COMMAND_TIMEOUT);
            }
        }
        for (String ns : namespaces) {
            Commands.run(List.of(ip, "netns", "del", ns), NetTools.COMMAND_TIMEOUT);
        }
        if (!bridgeName.isEmpty() && NetTools.linkExists(ip, bridgeName)) {
            Commands.run(List.of(ip, "link", "del", bridgeName), NetTools.COMMAND_TIMEOUT);
        }
        if (Boolean.parseBoolean(props.getProperty("forwardRule", "false"))) {
            Commands.findTool("iptables").ifPresent(ipt ->
                    Commands.run(BridgeForwarding.rule(ipt.toString(), "-D", bridgeName), NetTools.COMMAND_TIMEOUT));
        }
        String data = props.getProperty("dataRoot", "");
        if (!data.isEmpty() && !Boolean.parseBoolean(props.getProperty("keepData", "false"))) {
            Trees.delete(Path.of(data), "NetnsCluster");
        }
        try {
            Files.deleteIfExists(marker);
        } catch (IOException ignored) {
            // best effort
        }
        System.out.printf("[NetnsCluster] removed leftovers of run %s (owner pid %d is gone): %s, %s%n",
                marker.getFileName().toString().replace(".run", ""), ownerPid, namespaces, bridgeName);
    }

    static String hex(int digits) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < digits; i++) {
            s.append(Character.forDigit(RANDOM.nextInt(16), 16));
        }
        return s.toString();
    }

    private static List<String> splitList(String s) {
        return Stream.of(s.split(",")).map(String::strip).filter(x -> !x.isEmpty()).toList();
    }

    private static FileChannel openLockFile() throws IOException {
        Files.createDirectories(STATE_DIR);
        return FileChannel.open(STATE_DIR.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    }
}
