package io.paxcast.testkit.nats;

import io.paxcast.testkit.process.Daemon;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * N {@code nats-server} processes (Debian's package) routed into one cluster with JetStream on
 * file storage under {@code workDir/nK}. Client ports 9421.., route ports 9441.. (the bench's
 * 9400-9499 range: the peer benchmark's). Each server's output goes to {@code workDir/nK.log}. {@link #close()} stops
 * them by pid (SIGTERM, a grace, SIGKILL); a shutdown hook kills them if the JVM exits first.
 */
public final class NatsCluster implements AutoCloseable {
    public static final int CLIENT_BASE = 9420;
    public static final int ROUTE_BASE = 9440;
    private static final long START_DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(30);

    private final List<Process> processes = new ArrayList<>();
    private final List<Thread> hooks = new ArrayList<>();
    private final Path workDir;
    private final int size;

    private NatsCluster(Path workDir, int size) {
        this.workDir = workDir;
        this.size = size;
    }

    /** True if {@code nats-server} is on the PATH. */
    public static boolean installed() {
        return pathDirs().anyMatch(dir -> Files.isExecutable(dir.resolve("nats-server")));
    }

    public static NatsCluster start(Path workDir, int servers) throws IOException, InterruptedException {
        if (!installed()) {
            throw new IllegalStateException("nats-server is not on the PATH (Debian: apt-get install -y nats-server)");
        }
        for (int k = 1; k <= servers; k++) {
            for (int port : new int[] {CLIENT_BASE + k, ROUTE_BASE + k}) {
                if (!free(port)) {
                    throw new IllegalStateException("port " + port + " is in use (a leftover nats-server? `pgrep -a nats-server`)");
                }
            }
        }
        NatsCluster cluster = new NatsCluster(workDir, servers);
        try {
            for (int k = 1; k <= servers; k++) {
                cluster.startServer(k);
            }
            long deadline = System.nanoTime() + START_DEADLINE_NANOS;
            for (int k = 1; k <= servers; k++) {
                cluster.awaitListening(k, deadline);
            }
            return cluster;
        } catch (IOException | RuntimeException | InterruptedException e) {
            cluster.close();
            throw e;
        }
    }

    public String url(int k) {
        return "nats://127.0.0.1:" + (CLIENT_BASE + k);
    }

    private void startServer(int k) throws IOException {
        Path store = workDir.resolve("n" + k);
        Files.createDirectories(store);
        String routes = IntStream.rangeClosed(1, size).filter(j -> j != k)
                .mapToObj(j -> "nats-route://127.0.0.1:" + (ROUTE_BASE + j)).collect(Collectors.joining(", "));
        String config = String.join("\n",
                "server_name: n" + k,
                "listen: 127.0.0.1:" + (CLIENT_BASE + k),
                "jetstream {",
                "  store_dir: \"" + store.toAbsolutePath() + "\"",
                "  max_memory_store: 256MB",
                "  max_file_store: 8GB",
                "}",
                "cluster {",
                "  name: paxcast-peer-bench",
                "  listen: 127.0.0.1:" + (ROUTE_BASE + k),
                "  routes: [" + routes + "]",
                "}",
                "");
        Path file = workDir.resolve("n" + k + ".conf");
        Files.writeString(file, config, StandardCharsets.UTF_8);
        Daemon server = Daemon.start(new ProcessBuilder("nats-server", "-c", file.toString()),
                workDir.resolve("n" + k + ".log"), "nats-server");
        processes.add(server.process());
        hooks.add(server.hook());
    }

    private void awaitListening(int k, long deadline) throws InterruptedException {
        Process p = processes.get(k - 1);
        while (true) {
            if (!p.isAlive()) {
                throw new IllegalStateException("nats-server n" + k + " exited with " + p.exitValue() + "; see "
                        + workDir.resolve("n" + k + ".log"));
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), CLIENT_BASE + k), 250);
                return;
            } catch (IOException notYet) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("nats-server n" + k + " did not listen within 30 s");
                }
                p.waitFor(50, TimeUnit.MILLISECONDS); // a bounded pause that ends early if it dies
            }
        }
    }

    @Override
    public void close() {
        processes.forEach(p -> p.toHandle().destroy());
        boolean interrupted = false;
        for (int i = 0; i < processes.size(); i++) {
            Process p = processes.get(i);
            try {
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor();
                }
            } catch (InterruptedException e) {
                interrupted = true;
                p.destroyForcibly();
            }
            Daemon.removeHook(hooks.get(i));
        }
        processes.clear();
        hooks.clear();
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static boolean free(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static java.util.stream.Stream<Path> pathDirs() {
        String path = System.getenv().getOrDefault("PATH", "");
        return java.util.Arrays.stream(path.split(java.io.File.pathSeparator)).filter(d -> !d.isEmpty()).map(Path::of);
    }
}
