package io.paxcast.paxos.core;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The leader's commands waiting for a slot, in arrival order, bounded by {@code maxBytes} of their
 * weights ({@link PaxosConfig#maxQueuedBytes}): past it {@link #offer} refuses and the command's
 * origin hands it in again later. A command is held at most once.
 */
final class CommandQueue {
    private final long maxBytes;
    private final ArrayDeque<Command> pending = new ArrayDeque<>();
    private final Set<CommandId> ids = new HashSet<>();
    private long bytes;

    CommandQueue(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    boolean contains(CommandId id) {
        return ids.contains(id);
    }

    /** Adds {@code command} at the end; false (and nothing added) if it would pass the byte bound. */
    boolean offer(Command command) {
        if (bytes + command.weight() > maxBytes) {
            return false;
        }
        ids.add(command.id());
        pending.addLast(command);
        bytes += command.weight();
        return true;
    }

    /** Removes {@code id} if it waits here. */
    void remove(CommandId id) {
        if (ids.remove(id)) {
            pending.removeIf(c -> {
                if (c.id().equals(id)) {
                    bytes -= c.weight();
                    return true;
                }
                return false;
            });
        }
    }

    /**
     * Takes the next batch from the head: at most {@code maxCommands} commands and {@code maxBatchBytes}
     * bytes, but always at least one command (a command larger than a batch goes alone).
     */
    List<Command> takeBatch(int maxCommands, long maxBatchBytes) {
        List<Command> batch = new ArrayList<>();
        long batchBytes = 0;
        while (!pending.isEmpty() && batch.size() < maxCommands
                && (batch.isEmpty() || batchBytes + pending.peekFirst().weight() <= maxBatchBytes)) {
            Command command = pending.pollFirst();
            ids.remove(command.id());
            bytes -= command.weight();
            batch.add(command);
            batchBytes += command.weight();
        }
        return batch;
    }

    boolean isEmpty() {
        return pending.isEmpty();
    }

    int size() {
        return pending.size();
    }

    long bytes() {
        return bytes;
    }

    void clear() {
        pending.clear();
        ids.clear();
        bytes = 0;
    }
}
