package io.paxcast.samples.cli;

import io.paxcast.samples.consensus.ConsensusDemo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Duration;

/** {@code paxcast consensus}: the consensus-from-total-order demo. */
@Command(name = "consensus", description = {"Demo: consensus built from total-order broadcast.",
        "Each contender (a thread with its own connections, contender k on the k-th --node) publishes a proposal",
        "to channel consensus-<instance>-<round> and decides the first proposal delivered in that channel.",
        "Exits 1 unless every contender decided the same value in every round."})
final class ConsensusDemoCommand extends NodeCommand {
    @Option(names = "--contenders", paramLabel = "N", defaultValue = "5", description = "Contenders (default ${DEFAULT-VALUE}).")
    int contenders;

    @Option(names = "--rounds", paramLabel = "R", defaultValue = "3", description = "Rounds (default ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--instance", paramLabel = "NAME",
            description = "Names this run's channels (default: a fresh name, so that a rerun starts from empty channels).")
    String instance;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "60",
            description = "Give up a round after this long (default ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Override
    public Integer call() {
        if (contenders < 1 || rounds < 1 || timeoutSeconds < 1) {
            throw new IllegalArgumentException("--contenders, --rounds and --timeout must be at least 1");
        }
        String name = instance != null ? instance : Instances.fresh();
        ConsensusDemo demo = new ConsensusDemo(node.nodes(cli.env), contenders, rounds, name, node.token(cli.env),
                Duration.ofSeconds(timeoutSeconds));
        return demo.run(spec.commandLine().getOut()).agreed() ? PaxcastCli.EXIT_OK : PaxcastCli.EXIT_ERROR;
    }
}
