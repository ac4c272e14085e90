package io.paxcast.paxos.core;

import java.util.List;

/**
 * One decided slot, handed to the application in slot order, each slot exactly once per run.
 *
 * @param slot             the slot, contiguous with the previous delivery
 * @param timestampMillis  the log's clock after this slot: the maximum batch timestamp so far, so it
 *                         never goes backwards even if leaders' clocks disagree
 * @param commands         the commands to apply, in order, without any id delivered before (within
 *                         the dedupe window)
 * @param duplicateIds     ids of commands in this slot skipped as already delivered; a node waiting on
 *                         such an id can answer its client with the original result
 */
public record Delivery(long slot, long timestampMillis, List<Command> commands, List<String> duplicateIds) {

    public Delivery {
        commands = List.copyOf(commands);
        duplicateIds = List.copyOf(duplicateIds);
    }
}
