package io.paxcast.samples.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.util.concurrent.Callable;

/** {@code paxcast cluster}: {@code GET /v1/cluster}, pretty-printed. */
@Command(name = "cluster", description = "Show the node's view of the cluster (GET /v1/cluster): leader, ballot, members.")
final class ClusterCommand implements Callable<Integer> {
    @ParentCommand
    PaxcastCli cli;
    @Spec
    CommandSpec spec;
    @Mixin
    NodeOptions node;

    @Override
    public Integer call() {
        spec.commandLine().getOut().println(node.client(cli.env).cluster().encodePrettily());
        spec.commandLine().getOut().flush();
        return PaxcastCli.EXIT_OK;
    }
}
