package io.paxcast.samples.cli;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/**
 * What every {@code paxcast} subcommand that talks to a node shares: the root command (its environment,
 * so tests can set {@code PAXCAST_NODE}), picocli's spec (the command's out and err writers, which tests
 * capture) and the {@code --node}/{@code --token} options. Picocli reads these annotated fields from the
 * superclass.
 */
abstract class NodeCommand implements Callable<Integer> {
    @ParentCommand
    PaxcastCli cli;
    @Spec
    CommandSpec spec;
    @Mixin
    NodeOptions node;
}
