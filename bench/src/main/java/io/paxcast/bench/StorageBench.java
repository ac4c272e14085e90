package io.paxcast.bench;

import io.paxcast.paxos.codec.PaxosCodec;
import io.paxcast.paxos.core.Ballot;
import io.paxcast.paxos.core.Command;
import io.paxcast.paxos.core.Message.SlotEntry;
import io.paxcast.paxos.core.StorageWrite;
import io.paxcast.paxos.core.Value;
import io.paxcast.paxos.storage.FsyncPolicy;
import io.paxcast.paxos.storage.MapDbStorage;
import org.HdrHistogram.Histogram;
import org.mapdb.BTreeMap;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@link MapDbStorage} alone: what one acceptor's disk can take.
 *
 * <p>For each fsync policy and batch size, one slot per {@code write} holding one batch of
 * {@code batch} messages of 256 B (an {@code Accepted} plus a {@code ChosenPrefix}, as a follower
 * writes them), measured for a fixed time after a warm-up: batches/s, messages/s, payload MB/s and the
 * latency of {@code write()}. Beside it, the baseline ("raw"): plain MapDB, same options, one
 * {@code treeMap} put of a byte array as long as Paxcast's record plus the same commit rule, without
 * Paxcast's record layer (codec, checksum, rules, meta record). The two sides take turns within a cell.
 *
 * <p>Usage: {@code StorageBench [--smoke] [--seconds S] [--dir DIR] [--policies always,interval,none]
 * [--batches 1,64,512] [--interval-ms 5]}. Each cell gets a fresh store, deleted afterwards.
 */
public final class StorageBench {

    static final int MESSAGE_BYTES = 256;

    /** How to run. */
    public record Options(Path dir, double secondsPerCell, List<FsyncPolicy> policies, List<Integer> batches,
                          long intervalMillis) {

        public static Options defaults(Path dir) {
            return new Options(dir, 3.0, List.of(FsyncPolicy.ALWAYS, FsyncPolicy.INTERVAL, FsyncPolicy.NONE),
                    List.of(1, 64, 512), 5);
        }

        public Options smoke() {
            return new Options(dir, 0.2, policies, batches, intervalMillis);
        }

        double warmupSeconds() {
            return Math.min(0.5, secondsPerCell / 4);
        }
    }

    /** One side of a cell: {@code batches} writes of {@code messagesPerBatch} messages in {@code seconds}. */
    public record Measurement(long batches, int messagesPerBatch, double seconds, Histogram latencyNanos) {

        public double batchesPerSecond() {
            return batches / seconds;
        }

        public double messagesPerSecond() {
            return batchesPerSecond() * messagesPerBatch;
        }

        public double megabytesPerSecond() {
            return messagesPerSecond() * MESSAGE_BYTES / 1e6;
        }

        double micros(double percentile) {
            return latencyNanos.getValueAtPercentile(percentile) / 1000.0;
        }
    }

    public record Cell(FsyncPolicy policy, int batch, Measurement paxcast, Measurement baseline) {
    }

    private StorageBench() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = null;
        boolean smoke = false;
        Options o = Options.defaults(null);
        double seconds = o.secondsPerCell();
        List<FsyncPolicy> policies = o.policies();
        List<Integer> batches = o.batches();
        long interval = o.intervalMillis();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--smoke" -> smoke = true;
                case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                case "--dir" -> dir = Path.of(args[++i]);
                case "--policies" -> policies = Arrays.stream(args[++i].split(",")).map(FsyncPolicy::parse).toList();
                case "--batches" -> batches = Arrays.stream(args[++i].split(",")).map(Integer::valueOf).toList();
                case "--interval-ms" -> interval = Long.parseLong(args[++i]);
                case "-h", "--help" -> {
                    System.out.println("usage: StorageBench [--smoke] [--seconds S] [--dir DIR]"
                            + " [--policies always,interval,none] [--batches 1,64,512] [--interval-ms 5]");
                    return;
                }
                default -> throw new IllegalArgumentException("unknown argument " + args[i] + " (try --help)");
            }
        }
        boolean tempDir = dir == null;
        if (tempDir) {
            dir = Files.createTempDirectory("paxcast-storage-bench");
        }
        Options options = new Options(dir, seconds, policies, batches, interval);
        if (smoke) {
            options = options.smoke();
        }
        try {
            System.out.printf(Locale.ROOT, "MapDbStorage alone: %d B messages, one batch per slot, %.1f s per cell"
                            + " after %.2f s warm-up; interval policy %d ms; data in %s%n%n", MESSAGE_BYTES,
                    options.secondsPerCell(), options.warmupSeconds(), options.intervalMillis(), dir);
            List<Cell> cells = run(options, System.err);
            System.out.println(table(cells));
        } finally {
            if (tempDir) {
                deleteTree(dir);
            }
        }
    }

    /** Runs every cell; progress goes to {@code log}. */
    public static List<Cell> run(Options options, PrintStream log) throws IOException {
        List<Cell> cells = new ArrayList<>();
        for (FsyncPolicy policy : options.policies()) {
            for (int batch : options.batches()) {
                log.printf(Locale.ROOT, "  %s, batch %d ...%n", policy.name().toLowerCase(Locale.ROOT), batch);
                cells.add(cell(options, policy, batch));
            }
        }
        return cells;
    }

    /**
     * Both sides of one cell, each in a fresh store. The disk of a shared machine drifts, so the sides
     * take turns in four slices, A B B A, and each side's numbers add up its two slices.
     */
    private static Cell cell(Options options, FsyncPolicy policy, int batch) throws IOException {
        String name = policy.name().toLowerCase(Locale.ROOT) + "-" + batch;
        try (Side paxcast = new PaxcastSide(options.dir().resolve("paxcast-" + name), policy, options.intervalMillis(), batch);
             Side raw = new RawSide(options.dir().resolve("raw-" + name), policy, options.intervalMillis(), recordBytes(batch))) {
            double warmup = options.warmupSeconds();
            run(paxcast, warmup, null);
            run(raw, warmup, null);
            Histogram paxcastLatency = histogram();
            Histogram rawLatency = histogram();
            double slice = options.secondsPerCell() / 2;
            double paxcastSeconds = run(paxcast, slice, paxcastLatency);
            double rawSeconds = run(raw, slice, rawLatency);
            rawSeconds += run(raw, slice, rawLatency);
            paxcastSeconds += run(paxcast, slice, paxcastLatency);
            return new Cell(policy, batch,
                    new Measurement(paxcastLatency.getTotalCount(), batch, paxcastSeconds, paxcastLatency),
                    new Measurement(rawLatency.getTotalCount(), batch, rawSeconds, rawLatency));
        }
    }

    private static Histogram histogram() {
        return new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
    }

    /** Writes for {@code seconds}, recording each write's latency unless {@code latency} is null. */
    private static double run(Side side, double seconds, Histogram latency) {
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        long now = start;
        while (now < end) {
            side.writeOne();
            long after = System.nanoTime();
            if (latency != null) {
                latency.recordValue(Math.min(after - now, latency.getHighestTrackableValue()));
            }
            now = after;
        }
        return (now - start) / 1e9;
    }

    // ---------------------------------------------------------------- the two sides

    private interface Side extends AutoCloseable {
        /** One slot: one batch. */
        void writeOne();

        /** Commits what is pending, closes and deletes the store. */
        @Override
        void close() throws IOException;
    }

    /** Paxcast's storage as a follower drives it: Accepted for the slot, ChosenPrefix for the one before. */
    private static final class PaxcastSide implements Side {
        private final Path dir;
        private final MapDbStorage storage;
        private final Value[] values;
        private final Ballot ballot = new Ballot(1, "bench");
        private long slot;

        PaxcastSide(Path dir, FsyncPolicy policy, long intervalMillis, int batch) {
            this.dir = dir;
            this.values = values(batch);
            this.storage = MapDbStorage.open(dir, policy, intervalMillis);
        }

        @Override
        public void writeOne() {
            long s = ++slot;
            storage.write(List.of(new StorageWrite.Accepted(s, ballot, values[(int) (s % values.length)]),
                    new StorageWrite.ChosenPrefix(s - 1)));
        }

        @Override
        public void close() throws IOException {
            try {
                storage.close();
            } finally {
                deleteTree(dir);
            }
        }
    }

    /** The baseline: one put of a byte array as long as Paxcast's record, the same commit rule. */
    private static final class RawSide implements Side {
        private final Path dir;
        private final FsyncPolicy policy;
        private final long intervalNanos;
        private final DB db;
        private final BTreeMap<Long, byte[]> map;
        private final byte[] record;
        private long slot;
        private long lastCommit = System.nanoTime();

        RawSide(Path dir, FsyncPolicy policy, long intervalMillis, int recordBytes) throws IOException {
            this.dir = dir;
            this.policy = policy;
            this.intervalNanos = TimeUnit.MILLISECONDS.toNanos(intervalMillis);
            this.record = new byte[recordBytes];
            new Random(recordBytes).nextBytes(record);
            Files.createDirectories(dir);
            this.db = DBMaker.fileDB(dir.resolve("raw.mapdb").toFile()).transactionEnable().make();
            this.map = db.treeMap("slots", Serializer.LONG, Serializer.BYTE_ARRAY).valuesOutsideNodesEnable().createOrOpen();
            db.commit();
        }

        @Override
        public void writeOne() {
            map.put(++slot, record);
            if (policy == FsyncPolicy.ALWAYS
                    || (policy == FsyncPolicy.INTERVAL && System.nanoTime() - lastCommit >= intervalNanos)) {
                db.commit();
                lastCommit = System.nanoTime();
            }
        }

        @Override
        public void close() throws IOException {
            try {
                db.commit();
                db.close();
            } finally {
                deleteTree(dir);
            }
        }
    }

    // ---------------------------------------------------------------- data

    /** A few distinct batches of {@code batch} 256-byte messages with 16-character ids. */
    static Value[] values(int batch) {
        Random random = new Random(42);
        Value[] values = new Value[4];
        for (int v = 0; v < values.length; v++) {
            List<Command> commands = new ArrayList<>(batch);
            for (int i = 0; i < batch; i++) {
                byte[] payload = new byte[MESSAGE_BYTES];
                random.nextBytes(payload);
                long counter = v * 1_000_000L + i + 1;
                commands.add(new Command(new io.paxcast.paxos.core.CommandId("bench", 1, counter), counter, payload));
            }
            values[v] = Value.batch(1_700_000_000_000L + v, v, commands);
        }
        return values;
    }

    /** The length of the record Paxcast stores for one batch: checksum header + encoded slot entry. */
    static int recordBytes(int batch) {
        return 5 + PaxosCodec.encodedSize(new SlotEntry(1_000_000, new Ballot(1, "bench"), values(batch)[0], false));
    }

    // ---------------------------------------------------------------- output

    public static String table(List<Cell> cells) {
        StringBuilder out = new StringBuilder();
        String head = "| policy   | batch | batches/s | msgs/s    | MB/s   | p50 µs | p99 µs | p99.9 µs "
                + "|| raw batches/s | raw msgs/s | raw MB/s | raw p50 µs | raw p99 µs | raw p99.9 µs |";
        out.append(head).append('\n');
        out.append(head.replaceAll("[^|]", "-")).append('\n');
        for (Cell c : cells) {
            Measurement p = c.paxcast();
            Measurement b = c.baseline();
            out.append(String.format(Locale.ROOT,
                    "| %-8s | %5d | %9.0f | %9.0f | %6.2f | %6.0f | %6.0f | %8.0f || %13.0f | %10.0f | %8.2f | %10.0f"
                            + " | %10.0f | %12.0f |%n",
                    c.policy().name().toLowerCase(Locale.ROOT), c.batch(),
                    p.batchesPerSecond(), p.messagesPerSecond(), p.megabytesPerSecond(),
                    p.micros(50), p.micros(99), p.micros(99.9),
                    b.batchesPerSecond(), b.messagesPerSecond(), b.megabytesPerSecond(),
                    b.micros(50), b.micros(99), b.micros(99.9)));
        }
        return out.toString();
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
