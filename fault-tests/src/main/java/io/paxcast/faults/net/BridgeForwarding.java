package io.paxcast.faults.net;

import io.paxcast.testkit.process.CommandResult;
import io.paxcast.testkit.process.Commands;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * With br_netfilter loaded, bridged frames pass the root namespace's FORWARD chain; where its policy
 * drops (Docker hosts), the run's bridge needs an ACCEPT there, removed again at teardown.
 */
final class BridgeForwarding {
    private BridgeForwarding() {
    }

    /** Inserts the ACCEPT for {@code bridge} if bridged traffic meets a non-permissive FORWARD chain; returns whether it did. */
    static boolean allowIfNeeded(String iptables, String bridge) {
        Path sysctl = Path.of("/proc/sys/net/bridge/bridge-nf-call-iptables");
        try {
            if (!Files.exists(sysctl) || !Files.readString(sysctl).strip().equals("1")) {
                return false;
            }
        } catch (IOException e) {
            return false;
        }
        CommandResult rules = Commands.run(List.of(iptables, "-w", "5", "-S", "FORWARD"), NetTools.COMMAND_TIMEOUT);
        boolean permissive = rules.ok() && rules.output().lines().anyMatch(l -> l.strip().equals("-P FORWARD ACCEPT"))
                && rules.output().lines().noneMatch(l -> l.startsWith("-A FORWARD"));
        if (permissive) {
            return false;
        }
        CommandResult add = Commands.run(rule(iptables, "-I", bridge), NetTools.COMMAND_TIMEOUT);
        if (!add.ok()) {
            throw new IllegalStateException("cannot let bridged traffic of " + bridge + " through FORWARD: " + add.output());
        }
        return true;
    }

    /** The FORWARD rule of {@code bridge}; {@code op} is -I to add it, -D to delete it. */
    static List<String> rule(String iptables, String op, String bridgeName) {
        return List.of(iptables, "-w", "5", op, "FORWARD", "-i", bridgeName, "-o", bridgeName, "-j", "ACCEPT");
    }
}
