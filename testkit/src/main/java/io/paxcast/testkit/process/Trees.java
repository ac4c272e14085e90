package io.paxcast.testkit.process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Deleting a run's temporary directories. */
public final class Trees {
    private Trees() {
    }

    /** Deletes {@code root} and everything below it, best effort (what cannot go is reported on stdout). */
    public static void delete(Path root, String who) {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            System.out.println("[" + who + "] cannot delete " + root + ": " + e);
        }
    }
}
