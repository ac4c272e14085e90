package io.paxcast.faults.net;

import io.paxcast.testkit.process.CommandResult;
import io.paxcast.testkit.process.Commands;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The machine's network tools (absolute paths of {@code ip}, {@code iptables}, {@code iptables-restore},
 * resolved once), whether this machine can run network namespaces at all, and the two {@code ip}
 * operations that creating and cleaning up both need.
 */
record NetTools(String ip, String iptables, String iptablesRestore) {
    static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration EXIT_WAIT = Duration.ofSeconds(15);

    /** The tools, or an IllegalStateException naming everything that is missing (root included). */
    static NetTools require() {
        List<String> problems = new ArrayList<>();
        long uid = effectiveUid();
        if (uid != 0) {
            problems.add("not root (effective uid " + uid + "): ip netns, veths and iptables need root");
        }
        Optional<Path> ip = Commands.findTool("ip");
        Optional<Path> iptables = Commands.findTool("iptables");
        Optional<Path> restore = Commands.findTool("iptables-restore");
        Optional<Path> kill = Commands.findTool("kill");
        if (ip.isEmpty()) {
            problems.add("`ip` not found (Debian package iproute2)");
        }
        if (iptables.isEmpty() || restore.isEmpty()) {
            problems.add("`iptables`/`iptables-restore` not found (Debian package iptables)");
        }
        if (kill.isEmpty()) {
            problems.add("`kill` not found (Debian package procps)");
        }
        if (!problems.isEmpty()) {
            throw new IllegalStateException("NetnsCluster cannot run here: " + String.join("; ", problems)
                    + ". Needs: root, apt-get install iproute2 iptables procps");
        }
        return new NetTools(ip.get().toString(), iptables.get().toString(), restore.get().toString());
    }

    /**
     * Why this machine cannot run a NetnsCluster (not Linux, not root, no {@code ip}, or
     * {@code ip netns add} fails: probed by adding and deleting a namespace), or empty if it can.
     */
    static Optional<String> unavailableReason() {
        if (!System.getProperty("os.name", "").toLowerCase().contains("linux")) {
            return Optional.of("NetnsCluster needs Linux network namespaces (os.name=" + System.getProperty("os.name") + ")");
        }
        long uid = effectiveUid();
        if (uid != 0) {
            return Optional.of("NetnsCluster needs root for ip netns and iptables (effective uid " + uid + ")");
        }
        Optional<Path> ip = Commands.findTool("ip");
        if (ip.isEmpty()) {
            return Optional.of("NetnsCluster needs `ip` (Debian package iproute2), not found on PATH or in /usr/sbin, /sbin");
        }
        String probe = "pxprobe" + RunRegistry.hex(4);
        CommandResult add = Commands.run(List.of(ip.get().toString(), "netns", "add", probe), COMMAND_TIMEOUT);
        if (!add.ok()) {
            return Optional.of("ip netns is unavailable here: `ip netns add " + probe + "` failed: " + add.output().strip());
        }
        CommandResult del = Commands.run(List.of(ip.get().toString(), "netns", "del", probe), COMMAND_TIMEOUT);
        if (!del.ok()) {
            return Optional.of("ip netns is unavailable here: `ip netns del " + probe + "` failed: " + del.output().strip());
        }
        return Optional.empty();
    }

    /** SIGKILLs whatever still runs in namespace {@code ns} (a node's helper, a leftover) and waits for it. */
    static void killNamespacePids(String ip, String ns) {
        if (!Files.exists(Path.of("/run/netns", ns))) {
            return;
        }
        CommandResult pids = Commands.run(List.of(ip, "netns", "pids", ns), COMMAND_TIMEOUT);
        if (!pids.ok()) {
            return;
        }
        List<ProcessHandle> handles = pids.output().lines().map(String::strip).filter(s -> s.matches("\\d+"))
                .map(Long::parseLong).map(ProcessHandle::of).flatMap(Optional::stream).toList();
        for (ProcessHandle h : handles) {
            System.out.printf("[NetnsCluster] SIGKILL pid %d left in %s (%s)%n", h.pid(), ns, h.info().command().orElse("?"));
            h.destroyForcibly();
        }
        for (ProcessHandle h : handles) {
            try {
                h.onExit().get(EXIT_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                System.out.printf("[NetnsCluster] pid %d in %s did not exit: %s%n", h.pid(), ns, e);
            }
        }
    }

    static boolean linkExists(String ip, String name) {
        return Files.exists(Path.of("/sys/class/net", name))
                || Commands.run(List.of(ip, "link", "show", "dev", name), COMMAND_TIMEOUT).ok();
    }

    private static long effectiveUid() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return Long.parseLong(line.substring(4).trim().split("\\s+")[1]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        return "root".equals(System.getProperty("user.name")) ? 0 : -1;
    }
}
