package io.paxcast.testkit.node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** How a node JVM is started: its flags, the java binary and the classpath it runs from. */
public final class NodeJvm {
    /**
     * Hazelcast's module flags (without them it warns of a "modular environment" and reaches into
     * JDK internals by reflection), plus the launcher's small-footprint choices, as bin/paxcast-local.
     */
    public static final List<String> FLAGS = List.of(
            "--add-modules", "java.se",
            "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED",
            "--add-opens", "java.base/java.lang=ALL-UNNAMED",
            "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens", "java.management/sun.management=ALL-UNNAMED",
            "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED",
            "-XX:+UseSerialGC",
            "-XX:+ExitOnOutOfMemoryError",
            "-Djava.net.preferIPv4Stack=true");

    private NodeJvm() {
    }

    /** This JVM's own java binary. */
    public static String javaBinary() {
        return ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    /**
     * This JVM's classpath (surefire sets java.class.path to the test classpath even with its
     * manifest-only booter jar), without test-classes directories if {@code withoutTestClasses}, so a
     * test logback configuration or test helper never changes the real node.
     */
    public static String thisClasspath(boolean withoutTestClasses) {
        String sep = System.getProperty("path.separator");
        Stream<String> entries = Stream.of(System.getProperty("java.class.path").split(sep)).filter(e -> !e.isBlank());
        if (withoutTestClasses) {
            entries = entries.filter(e -> !Path.of(e).endsWith(Path.of("target", "test-classes")));
        }
        return entries.collect(Collectors.joining(sep));
    }

    /**
     * Copies the classpath entries that a build may rewrite while the nodes run (directories, and
     * jars outside the local repository or of -SNAPSHOT versions) into {@code into}; released jars
     * of the local repository are used in place. Without this, an {@code mvn install} elsewhere
     * replaces a jar under a running node, which then fails on its next class load
     * (NoClassDefFoundError, seen in the fault suite).
     */
    public static String snapshotClasspath(String classpath, Path into) throws IOException {
        String sep = System.getProperty("path.separator");
        Path repository = Path.of(System.getProperty("user.home"), ".m2", "repository").toAbsolutePath().normalize();
        List<String> out = new ArrayList<>();
        int i = 0;
        for (String entry : classpath.split(sep)) {
            if (entry.isBlank()) {
                continue;
            }
            Path source = Path.of(entry).toAbsolutePath().normalize();
            boolean stable = Files.isRegularFile(source) && source.startsWith(repository)
                    && !source.toString().contains("-SNAPSHOT");
            if (stable || !Files.exists(source)) {
                out.add(entry);
                continue;
            }
            Files.createDirectories(into);
            Path target = into.resolve((i++) + "-" + source.getFileName());
            if (Files.isDirectory(source)) {
                copyTree(source, target);
            } else {
                Files.copy(source, target, StandardCopyOption.COPY_ATTRIBUTES);
            }
            out.add(target.toString());
        }
        return String.join(sep, out);
    }

    private static void copyTree(Path source, Path target) throws IOException {
        try (Stream<Path> tree = Files.walk(source)) {
            for (Path p : (Iterable<Path>) tree::iterator) {
                Path t = target.resolve(source.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }
}
