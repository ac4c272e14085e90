package io.paxcast.samples.cli;

import picocli.CommandLine.Command;

/** {@code paxcast cluster}: {@code GET /v1/cluster}, pretty-printed. */
@Command(name = "cluster", description = "Show the node's view of the cluster (GET /v1/cluster): leader, ballot, members.")
final class ClusterCommand extends NodeCommand {
    @Override
    public Integer call() {
        spec.commandLine().getOut().println(node.client(cli.env).cluster().encodePrettily());
        spec.commandLine().getOut().flush();
        return PaxcastCli.EXIT_OK;
    }
}
