package io.paxcast.testkit.process;

import java.util.List;

/** The outcome of a command run by {@link Commands#run}: its exit code (-1 if it could not run or timed out) and output. */
public record CommandResult(List<String> command, int exitCode, String output) {
    public boolean ok() {
        return exitCode == 0;
    }
}
