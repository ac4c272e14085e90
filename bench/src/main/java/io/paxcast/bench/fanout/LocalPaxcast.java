package io.paxcast.bench.fanout;

import io.paxcast.testkit.node.NodeJvm;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A local cluster started through a private copy of {@code bin/paxcast-local}, the way
 * {@code run_publish} in bench/run does it: its own temporary directory (so its own {@code data/}
 * and {@code run/}, never the user's cluster), its own ports ({@code PAXCAST_BASE_PORT}), the node
 * jar of {@code broadcast-service/target} linked in. Edge nodes are added with
 * {@code add-node K edge}. {@link #close()} runs the launcher's {@code stop}, then SIGKILLs by pid
 * every node process it ever saw that is still alive (also from a shutdown hook if the JVM exits
 * first), then deletes the directory.
 *
 * <p>Where {@code broadcast-service/target} holds no node jar (a build of the bench module alone,
 * as {@code mvn -pl bench verify}), the copy gets a manifest-only {@code paxcast-node.jar} whose
 * Class-Path is this JVM's classpath (copied where a build could rewrite it, as the test kit's node
 * launcher does): the same node code the benchmark was built against.
 */
public final class LocalPaxcast implements AutoCloseable {
    private static final String NODE_MARK = "-Dpaxcast-local.node=";
    private static final long LAUNCHER_DEADLINE_SECONDS = 300;

    private final Path work;
    private final Path launcher;
    private final int basePort;
    private final Map<String, String> env;
    private final Set<Long> pids = ConcurrentHashMap.newKeySet(); // the shutdown hook reads it too
    private final Thread hook;
    private final String nodeJar;
    private volatile Process running;
    private int nodes;

    private LocalPaxcast(Path work, Path launcher, int basePort, Map<String, String> env, String nodeJar) {
        this.work = work;
        this.launcher = launcher;
        this.basePort = basePort;
        this.env = env;
        this.nodeJar = nodeJar;
        this.hook = new Thread(this::onJvmExit, "fanout-paxcast-local-kill");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /**
     * Starts {@code voters} nodes with {@code bin/paxcast-local start} ({@code root} is the
     * repository's root) and waits until each is ready; {@code nodeEnv} (PAXCAST_* keys) goes to
     * every node.
     */
    public static LocalPaxcast start(Path root, int voters, int basePort, Map<String, String> nodeEnv) throws Exception {
        Path source = root.resolve("bin").resolve("paxcast-local");
        if (!Files.isRegularFile(source)) {
            throw new IllegalStateException("no launcher at " + source + " (--root names the repository's root)");
        }
        Path work = Files.createTempDirectory("paxcast-fanout.");
        LocalPaxcast cluster = null;
        try {
            Files.createDirectories(work.resolve("bin"));
            Files.createDirectories(work.resolve("broadcast-service"));
            Path launcher = work.resolve("bin").resolve("paxcast-local");
            Files.copy(source, launcher);
            Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
            String nodeJar = linkNodeTarget(root, work);
            Map<String, String> env = new LinkedHashMap<>(nodeEnv);
            env.put("PAXCAST_BASE_PORT", Integer.toString(basePort));
            env.putIfAbsent("PAXCAST_READY_TIMEOUT", System.getenv().getOrDefault("PAXCAST_READY_TIMEOUT", "120"));
            cluster = new LocalPaxcast(work, launcher, basePort, env, nodeJar);
            cluster.launcher("start", Integer.toString(voters));
            cluster.nodes = voters;
            return cluster;
        } catch (Exception | Error e) {
            if (cluster != null) {
                cluster.close();
            } else {
                deleteTree(work);
            }
            throw e;
        }
    }

    /** {@code bin/paxcast-local add-node K edge}: a learner that holds the log, serves WebSocket, never votes. */
    public void addEdge(int k) throws Exception {
        launcher("add-node", Integer.toString(k), "edge");
        nodes = Math.max(nodes, k);
    }

    /** Node k's HTTP (and WebSocket) port. */
    public int httpPort(int k) {
        return basePort + k;
    }

    public int nodes() {
        return nodes;
    }

    /** Where the node jar came from, for the progress line. */
    public String nodeJar() {
        return nodeJar;
    }

    public Path workDir() {
        return work;
    }

    /** Links {@code root/broadcast-service/target} in as run_publish does, or writes a classpath jar; says which. */
    private static String linkNodeTarget(Path root, Path work) throws IOException {
        Path target = root.resolve("broadcast-service").resolve("target").toAbsolutePath();
        Path link = work.resolve("broadcast-service").resolve("target");
        if (Files.isRegularFile(target.resolve("paxcast-node.jar")) && Files.isDirectory(target.resolve("lib"))) {
            Files.createSymbolicLink(link, target);
            return target.resolve("paxcast-node.jar").toString();
        }
        Files.createDirectories(link.resolve("lib")); // the launcher checks that it exists
        String sep = System.getProperty("path.separator");
        String classpath = NodeJvm.snapshotClasspath(NodeJvm.thisClasspath(true), work.resolve("classpath"));
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.CLASS_PATH, Stream.of(classpath.split(sep))
                .filter(e -> !e.isBlank()).map(e -> Path.of(e).toAbsolutePath().toUri().toString())
                .collect(Collectors.joining(" ")));
        Path jar = link.resolve("paxcast-node.jar");
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream ignored = new JarOutputStream(out, manifest)) {
            // a manifest and nothing else
        }
        return "this JVM's classpath (" + target + " holds no paxcast-node.jar)";
    }

    /** Runs the private launcher with {@code args}; its output goes to {@code launcher.log}, whose tail a failure carries. */
    private void launcher(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("bash", launcher.toString()));
        command.addAll(List.of(args));
        Path log = work.resolve("launcher.log");
        ProcessBuilder builder = new ProcessBuilder(command).directory(work.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(env);
        Process p = builder.start();
        running = p;
        p.getOutputStream().close();
        boolean done;
        try {
            done = p.waitFor(LAUNCHER_DEADLINE_SECONDS, TimeUnit.SECONDS);
        } finally {
            running = null;
            recordPids();
        }
        if (!done) {
            p.destroyForcibly().waitFor();
            throw new IllegalStateException("bin/paxcast-local " + String.join(" ", args) + " did not finish in "
                    + LAUNCHER_DEADLINE_SECONDS + " s; " + tail(log));
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException("bin/paxcast-local " + String.join(" ", args) + " exited with " + p.exitValue()
                    + "; " + tail(log));
        }
    }

    private void recordPids() throws IOException {
        Path run = work.resolve("run");
        if (!Files.isDirectory(run)) {
            return;
        }
        try (Stream<Path> files = Files.list(run)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String name = f.getFileName().toString();
                if (name.startsWith("n") && name.endsWith(".pid")) {
                    try {
                        pids.add(Long.parseLong(Files.readString(f).trim()));
                    } catch (NumberFormatException | IOException ignored) {
                        // a pid file being written: the next call reads it
                    }
                }
            }
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return "last lines of " + log + ":\n  " + String.join("\n  ", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "no launcher log (" + e + ")";
        }
    }

    /** Stops the cluster (launcher stop, then SIGKILL by pid of whatever is left), deletes its directory. */
    @Override
    public void close() {
        try {
            recordPids();
            launcher("stop");
        } catch (Exception e) {
            new PrintStream(System.err, true).println("fanout: bin/paxcast-local stop failed (" + e.getMessage()
                    + "); killing the nodes by pid");
        }
        killAll();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shutdownInProgress) {
            // the hook runs anyway and finds nothing left
        }
        try {
            deleteTree(work);
        } catch (IOException e) {
            System.err.println("fanout: could not delete " + work + ": " + e);
        }
    }

    /** The JVM exits with the cluster up (an interrupt, an error): the launcher and every node go. */
    private void onJvmExit() {
        Process launcherProcess = running;
        if (launcherProcess != null) {
            launcherProcess.destroyForcibly();
        }
        try {
            recordPids();
        } catch (IOException ignored) {
            // kill what is known
        }
        killAll();
    }

    /** SIGKILL to every recorded pid that is still one of this cluster's nodes (the command line names it). */
    private void killAll() {
        for (long pid : List.copyOf(pids)) {
            ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                    // a pid whose command line cannot be read is left alone: it may be reused by another process
                    .filter(h -> h.info().arguments().map(a -> String.join(" ", a).contains(NODE_MARK)).orElse(false))
                    .ifPresent(h -> {
                        h.destroyForcibly();
                        try {
                            h.onExit().get(10, TimeUnit.SECONDS);
                        } catch (Exception e) {
                            System.err.println("fanout: node pid " + pid + " did not exit after SIGKILL: " + e);
                        }
                    });
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) { // does not follow the link to broadcast-service/target
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
