package io.paxcast.samples.cli;

import io.paxcast.samples.rsm.LedgerDemo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Duration;

/** {@code paxcast ledger}: the replicated-state-machine demo. */
@Command(name = "ledger", description = {"Demo: a replicated bank ledger on the broadcast stream.",
        "Replicas on different nodes replay the channel from its start (history, then WebSocket) and apply",
        "open/transfer commands in seq order (a transfer the source cannot pay is rejected); transfers are",
        "published concurrently through different nodes. Prints every replica's state hash, then shows that",
        "the same transfers in another order give another state. Exits 1 unless all replicas agree."})
final class LedgerDemoCommand extends NodeCommand {
    @Option(names = "--replicas", paramLabel = "N", defaultValue = "3", description = "Replicas (default ${DEFAULT-VALUE}).")
    int replicas;

    @Option(names = "--transfers", paramLabel = "N", defaultValue = "200", description = "Transfers (default ${DEFAULT-VALUE}).")
    int transfers;

    @Option(names = "--accounts", paramLabel = "N", defaultValue = "5", description = "Accounts, 2..8 (default ${DEFAULT-VALUE}).")
    int accounts;

    @Option(names = "--balance", paramLabel = "AMOUNT", defaultValue = "100",
            description = "Opening balance of every account (default ${DEFAULT-VALUE}).")
    long balance;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1", description = "Seed of the transfers (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--instance", paramLabel = "NAME",
            description = "Names this run's channel ledger-<NAME> (default: a fresh name).")
    String instance;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "120",
            description = "Give up after this long (default ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Override
    public Integer call() {
        if (timeoutSeconds < 1) {
            throw new IllegalArgumentException("--timeout must be at least 1");
        }
        String name = instance != null ? instance : Instances.fresh();
        LedgerDemo demo = new LedgerDemo(node.nodes(cli.env), replicas, transfers, accounts, balance, seed, name,
                node.token(cli.env), Duration.ofSeconds(timeoutSeconds));
        return demo.run(spec.commandLine().getOut()).converged() ? PaxcastCli.EXIT_OK : PaxcastCli.EXIT_ERROR;
    }
}
