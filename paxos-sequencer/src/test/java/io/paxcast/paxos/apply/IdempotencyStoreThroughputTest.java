package io.paxcast.paxos.apply;

import org.junit.jupiter.api.Test;

import java.lang.ref.Reference;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Random;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Prints the store's speed and memory at 10^6 live keys (figures for the docs, not asserted: the
 * machine is shared), and checks every answer on the way. Memory is given twice: the store's own
 * estimate, and the heap growth between two full GCs around building it, with the old
 * {@code LinkedHashMap<String, entry>} measured the same way for comparison.
 */
class IdempotencyStoreThroughputTest {
    private static final int N = 1_000_000;
    private static final long WINDOW = 600_000;
    private static final long START = 1_700_000_000_000L;

    private record Entry(long seq, long ts) {}

    @Test
    void aMillionKeys() {
        String[] keys = keys("", 1, N);
        String[] absent = keys("absent-", 2, N);
        for (int round = 0; round < 3; round++) {
            fill(new IdempotencyStore(WINDOW), keys, N / 5); // warm-up: let the JIT compile the paths
        }

        IdempotencyStore store = new IdempotencyStore(WINDOW);
        long t0 = System.nanoTime();
        long time = fill(store, keys, N);
        long t1 = System.nanoTime();
        for (int i = 0; i < N; i++) {
            if (store.lookup(keys[i]) != i) {
                throw new AssertionError("key " + i + " lost");
            }
        }
        long t2 = System.nanoTime();
        for (int i = 0; i < N; i++) {
            if (store.putIfAbsent(keys[i], N + i, time) != i) {
                throw new AssertionError("retry " + i + " not recognised");
            }
        }
        long t3 = System.nanoTime();
        for (int i = 0; i < N; i++) {
            if (store.lookup(absent[i]) != -1) {
                throw new AssertionError("absent key " + i + " found");
            }
        }
        long t4 = System.nanoTime();
        assertEquals(N, store.size());
        long estimate = store.heapBytes();
        store.checkInvariants();

        System.out.printf("idempotency store, %,d keys (window %d ms, %d keys per ms):%n", N, WINDOW, 15);
        System.out.printf("  lookup (miss) + put   %,12.0f keys/s%n", N / ((t1 - t0) / 1e9));
        System.out.printf("  lookup (hit)          %,12.0f /s%n", N / ((t2 - t1) / 1e9));
        System.out.printf("  putIfAbsent (retry)   %,12.0f /s%n", N / ((t3 - t2) / 1e9));
        System.out.printf("  lookup (absent key)   %,12.0f /s%n", N / ((t4 - t3) / 1e9));
        System.out.printf("  heapBytes() %,d = %.1f bytes/key (bytesPerKey() %d); index %d slots%n",
                estimate, (double) estimate / N, IdempotencyStore.bytesPerKey(), store.tableLength());
        store = null;

        long before = usedAfterGc();
        IdempotencyStore measured = new IdempotencyStore(WINDOW);
        long end = fill(measured, keys, N);
        long after = usedAfterGc();
        System.out.printf("  measured heap growth  %,d = %.1f bytes/key (estimate %,d)%n",
                after - before, (double) (after - before) / N, measured.heapBytes());

        long t5 = System.nanoTime();
        measured.advanceTo(end + WINDOW + 1);
        long t6 = System.nanoTime();
        assertEquals(0, measured.size());
        System.out.printf("  expiry of all         %,12.0f keys/s; heapBytes() after: %,d%n",
                N / ((t6 - t5) / 1e9), measured.heapBytes());
        assertTrue(measured.heapBytes() < 40_000, "the expired keys' memory is released");
        Reference.reachabilityFence(measured);

        // The index grows by a rebuild in one call: the longest pause an apply loop sees.
        IdempotencyStore growing = new IdempotencyStore(WINDOW);
        int full = 1 << 19; // an index of 2^20 slots at load 1/2: the next put doubles it
        long at = fill(growing, keys, full);
        assertEquals(1 << 20, growing.tableLength());
        long t7 = System.nanoTime();
        growing.put(keys[full], full, at);
        long t8 = System.nanoTime();
        assertEquals(1 << 21, growing.tableLength());
        System.out.printf("  growth rebuild at %,d keys: %.1f ms in one put%n", full, (t8 - t7) / 1e6);
        growing = null;

        before = usedAfterGc();
        LinkedHashMap<String, Entry> old = new LinkedHashMap<>();
        for (int i = 0; i < N; i++) {
            // BroadcastLog builds a new "channel\0key" string for each put
            old.put(new String(keys[i].getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8), new Entry(i, START));
        }
        after = usedAfterGc();
        assertEquals(N, old.size());
        System.out.printf("  old LinkedHashMap<String, entry>: %,d = %.1f bytes/key%n",
                after - before, (double) (after - before) / N);
        Reference.reachabilityFence(old);
        Reference.reachabilityFence(keys);
        Reference.reachabilityFence(absent);
    }

    /** Publishes each key once, at 15 keys per millisecond of log time; returns the last log time. */
    private static long fill(IdempotencyStore store, String[] keys, int n) {
        long time = START;
        for (int i = 0; i < n; i++) {
            if (i % 15 == 0) {
                store.advanceTo(++time);
            }
            if (store.lookup(keys[i]) >= 0) {
                throw new AssertionError("fresh key " + i + " found");
            }
            store.put(keys[i], i, time);
        }
        return time;
    }

    /** Keys as the broadcast layer forms them: "channel\0key", with UUID keys on 16 channels. */
    private static String[] keys(String prefix, long seed, int n) {
        Random random = new Random(seed);
        String[] keys = new String[n];
        for (int i = 0; i < n; i++) {
            keys[i] = "orders-" + (i % 16) + '\0' + prefix + new UUID(random.nextLong(), random.nextLong());
        }
        return keys;
    }

    private static long usedAfterGc() {
        Runtime runtime = Runtime.getRuntime();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            System.gc();
            used = Math.min(used, runtime.totalMemory() - runtime.freeMemory());
        }
        return used;
    }
}
