package io.paxcast.paxos.apply;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;

import static io.paxcast.paxos.apply.IdempotencyStoreTest.restore;
import static io.paxcast.paxos.apply.IdempotencyStoreTest.snapshot;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Determinism: two stores fed the same random sequence of calls answer every call identically, and
 * both agree with a reference model written the obvious way (a {@link LinkedHashMap} of the keys
 * themselves). One of the two is now and then replaced by a copy read from its own snapshot, as a
 * restarted node would be, and the two must keep writing the same snapshot bytes.
 *
 * <p>Seeds {@code 1..keystore.seeds} (default 300; {@code -Dkeystore.seeds=5000} for a soak), each
 * reproducible alone with {@code -Dtest=IdempotencyStoreModelTest#replay -Dkeystore.seed=N}. Seeds
 * vary the window (0 to 1000 ms), the pace of log time (heavy expiry to none), bursts of up to
 * 20 000 keys at one log time followed by jumps past the window (growth, then shrink to the
 * minimum), start times near {@link Long#MIN_VALUE}, and the keys: every other group of seeds calls
 * the store by fingerprint, with some fp1 values equal in their low 20 bits (homes at both ends of
 * the index, so clusters wrap around) or in all 64 (told apart by fp2 alone), and the string seeds
 * mix in keys mined so that their fp1 ends in ten 1 bits (the last slot of any index up to 1024).
 */
class IdempotencyStoreModelTest {
    private static final int SEEDS = Integer.getInteger("keystore.seeds", 300);
    /** Keys whose fp1 has its low 10 bits set: they collide in every index up to 1024 slots. */
    private static final List<String> MINED = mine(400);

    @Test
    void twoStoresAndTheModelAgreeOnEveryCall() {
        long started = System.nanoTime();
        long calls = 0;
        long peak = 0;
        for (long seed = 1; seed <= SEEDS; seed++) {
            Run run = new Run(seed);
            try {
                run.execute();
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError("seed " + seed + " (" + run.describe() + ") failed at op " + run.op + ": "
                        + e.getMessage() + "\nreplay: mvn -B -pl paxos-sequencer test"
                        + " -Dtest=IdempotencyStoreModelTest#replay -Dkeystore.seed=" + seed, e);
            }
            calls += run.calls;
            peak = Math.max(peak, run.peak);
        }
        System.out.printf("idempotency model: %d seeds, %d calls, peak %d live keys, %.1f s%n",
                SEEDS, calls, peak, (System.nanoTime() - started) / 1e9);
    }

    /** Replays one seed: {@code -Dkeystore.seed=N}. */
    @Test
    void replay() {
        String seedText = System.getProperty("keystore.seed");
        assumeTrue(seedText != null, "set -Dkeystore.seed=N to replay a seed");
        Run run = new Run(Long.parseLong(seedText));
        run.execute();
        System.out.printf("seed %s (%s): %d ops, %d calls, peak %d live keys%n",
                seedText, run.describe(), run.op, run.calls, run.peak);
    }

    @Test
    void theMinedKeysCollideInTheLowBits() {
        assertEquals(400, MINED.size());
        for (String key : MINED) {
            long fp1 = IdempotencyStore.fingerprint1(key.getBytes(StandardCharsets.UTF_8));
            assertEquals(0x3FF, fp1 & 0x3FF, key);
        }
    }

    private static List<String> mine(int count) {
        List<String> keys = new ArrayList<>();
        for (long n = 0; keys.size() < count; n++) {
            String key = "mined\0" + n;
            if ((IdempotencyStore.fingerprint1(key.getBytes(StandardCharsets.UTF_8)) & 0x3FF) == 0x3FF) {
                keys.add(key);
            }
        }
        return keys;
    }

    /** The reference: the keys themselves, in insertion order, with their position and log time. */
    static final class Model<K> {
        private final long windowMillis;
        private long logTime = Long.MIN_VALUE;
        private final LinkedHashMap<K, long[]> entries = new LinkedHashMap<>();

        Model(long windowMillis) {
            this.windowMillis = windowMillis;
        }

        void advanceTo(long t) {
            if (t < logTime) {
                throw new IllegalArgumentException("back in time");
            }
            logTime = t;
            Iterator<long[]> it = entries.values().iterator();
            // logTime >= every entry's time, so the difference is exact as an unsigned number
            while (it.hasNext() && Long.compareUnsigned(logTime - it.next()[1], windowMillis) > 0) {
                it.remove();
            }
        }

        long lookup(K key) {
            long[] e = entries.get(key);
            return e == null ? -1 : e[0];
        }

        long putIfAbsent(K key, long position, long t) {
            if (position < 0 || t < logTime) {
                throw new IllegalArgumentException();
            }
            advanceTo(t);
            long existing = lookup(key);
            if (existing < 0) {
                entries.put(key, new long[] {position, t});
            }
            return existing;
        }

        int size() {
            return entries.size();
        }

        K oldest() {
            return entries.isEmpty() ? null : entries.keySet().iterator().next();
        }
    }

    /** A fingerprint given directly, bypassing the hash. */
    record Fp(long fp1, long fp2) {}

    /** One seed's run. */
    private static final class Run {
        private static final long[] HOMES = {0, 1, 2, 0xFFFFF, 0xFFFFE, 0x3F, 0x7F, 0xFF};

        final long seed;
        final Random random;
        final int profile;
        final boolean byFingerprint;
        final long window;
        long t;
        IdempotencyStore a;
        IdempotencyStore b;
        final Model<Object> model;
        final List<Object> keys = new ArrayList<>();
        int minedUsed;
        long nextPosition;
        int op;
        long calls;
        long peak;

        Run(long seed) {
            this.seed = seed;
            this.random = new Random(seed);
            this.profile = (int) (seed % 5);
            this.byFingerprint = (seed / 5) % 2 == 1;
            this.window = switch (profile) {
                case 0 -> 1000;
                case 1 -> 10;
                case 2 -> 0;
                case 3 -> 100;
                default -> random.nextInt(50);
            };
            this.t = switch (random.nextInt(4)) {
                case 0 -> 0;
                case 1 -> Long.MIN_VALUE + random.nextInt(100);
                default -> 1_700_000_000_000L + random.nextInt(1_000_000);
            };
            this.a = new IdempotencyStore(window);
            this.b = new IdempotencyStore(window);
            this.model = new Model<>(window);
            this.nextPosition = random.nextInt(3) == 0 ? random.nextLong() >>> 2 : 0;
        }

        String describe() {
            return "profile " + profile + ", window " + window + (byFingerprint ? ", by fingerprint" : ", by string");
        }

        void execute() {
            int ops = 2000 + random.nextInt(3000);
            for (op = 0; op < ops; op++) {
                int kind = random.nextInt(1000);
                if (kind < 150) {
                    advance(step());
                } else if (kind < 450) {
                    Object key = chooseKey();
                    long expected = model.lookup(key);
                    same("lookup", key, expected, lookup(a, key), lookup(b, key));
                } else if (kind < 850) {
                    publish(chooseKey());
                } else if (kind < 950) {
                    Object key = chooseKey();
                    long position = nextPosition;
                    long at = t + (random.nextInt(10) == 0 ? random.nextInt(3) : 0);
                    long expected = model.putIfAbsent(key, position, at);
                    same("putIfAbsent", key, expected, putIfAbsent(a, key, position, at), putIfAbsent(b, key, position, at));
                    t = at;
                    if (expected < 0) {
                        nextPosition++;
                    }
                } else if (kind < 953) {
                    burst();
                } else if (kind < 958) {
                    restart();
                } else if (kind < 963) {
                    a.checkInvariants();
                    b.checkInvariants();
                } else {
                    rejected();
                }
                check(a.size() == model.size() && b.size() == model.size(),
                        () -> "sizes " + a.size() + ", " + b.size() + ", model " + model.size());
                peak = Math.max(peak, model.size());
            }
            a.checkInvariants();
            b.checkInvariants();
            restart();
            for (Object key : keys) {
                same("final lookup", key, model.lookup(key), lookup(a, key), lookup(b, key));
            }
            advance(window + 1);
            check(a.size() == 0 && b.size() == 0 && model.size() == 0, () -> "not empty past the window");
            check(a.tableLength() == IdempotencyStore.MIN_TABLE_LENGTH, () -> "index not shrunk: " + a.tableLength());
            check(b.tableLength() == IdempotencyStore.MIN_TABLE_LENGTH, () -> "index not shrunk: " + b.tableLength());
        }

        private long step() {
            if (random.nextInt(100) == 0) {
                return window + 1 + random.nextInt(1000); // everything expires
            }
            return switch (profile) {
                case 0 -> random.nextInt(10) < 7 ? 0 : 1 + random.nextInt(5);
                case 1 -> random.nextInt(16);
                case 2 -> random.nextInt(3);
                case 3 -> random.nextInt(4);
                default -> random.nextInt((int) window * 2 + 2);
            };
        }

        private void advance(long step) {
            t += step;
            model.advanceTo(t);
            a.advanceTo(t);
            b.advanceTo(t);
            calls += 2;
        }

        /** The caller's flow: look the key up; if absent, publish at a new position and record it. */
        private void publish(Object key) {
            long expected = model.lookup(key);
            same("publish lookup", key, expected, lookup(a, key), lookup(b, key));
            if (expected < 0) {
                long at = t + (random.nextInt(10) == 0 ? random.nextInt(3) : 0);
                long position = random.nextInt(50) == 0 ? nextPosition += random.nextInt(1 << 20) : nextPosition++;
                model.putIfAbsent(key, position, at);
                put(a, key, position, at);
                put(b, key, position, at);
                calls += 2;
                t = at;
            }
        }

        /** Many fresh keys at one log time (growth), then often a jump past the window (shrink). */
        private void burst() {
            int n = random.nextInt(profile == 3 ? 20_000 : 3_000);
            for (int i = 0; i < n; i++) {
                Object key = freshKey();
                long position = nextPosition++;
                check(model.putIfAbsent(key, position, t) < 0, () -> "a fresh key was present");
                put(a, key, position, t);
                put(b, key, position, t);
                calls += 2;
            }
            peak = Math.max(peak, model.size());
            if (random.nextBoolean()) {
                advance(window + 1 + random.nextInt(10));
            }
        }

        /** b is replaced by a copy read from its snapshot; both must write the same bytes. */
        private void restart() {
            try {
                byte[] fromA = snapshot(a);
                byte[] fromB = snapshot(b);
                check(Arrays.equals(fromA, fromB), () -> "snapshots differ");
                b = restore(fromB);
                check(Arrays.equals(fromA, snapshot(b)), () -> "a restored store writes other bytes");
                calls += 4;
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }

        /** Calls the store must reject, leaving it as it was. */
        private void rejected() {
            long now = model.logTime;
            check(a.logTimeMillis() == now && b.logTimeMillis() == now,
                    () -> "log times " + a.logTimeMillis() + ", " + b.logTimeMillis() + ", model " + now);
            if (now > Long.MIN_VALUE) {
                rejects(() -> a.advanceTo(now - 1));
                rejects(() -> b.advanceTo(now - 1));
                rejects(() -> putIfAbsent(a, freshKey(), 0, now - 1));
            }
            rejects(() -> putIfAbsent(b, chooseKey(), -1, t));
            Object oldest = model.oldest();
            if (oldest != null) {
                long position = model.lookup(oldest);
                if (oldest instanceof String key) {
                    try {
                        a.put(key, nextPosition, t);
                        throw new AssertionError("put of a live key accepted");
                    } catch (IllegalStateException expected) {
                        // the caller must look up first
                    }
                }
                same("retry of the oldest key", oldest, position, putIfAbsent(a, oldest, nextPosition, t),
                        putIfAbsent(b, oldest, nextPosition, t));
            }
            calls += 6;
        }

        private void rejects(Runnable call) {
            try {
                call.run();
            } catch (IllegalArgumentException expected) {
                return;
            }
            throw new AssertionError("accepted a call going back in time or with a negative position");
        }

        private Object chooseKey() {
            int n = keys.size();
            int pick = random.nextInt(10);
            if (n == 0 || pick < 4) {
                return freshKey();
            }
            if (pick < 7) {
                return keys.get(n - 1 - random.nextInt(Math.min(n, 50)));
            }
            return keys.get(random.nextInt(n));
        }

        private Object freshKey() {
            int i = keys.size();
            Object key;
            if (byFingerprint) {
                long fp2 = mix(i + seed * 0x9E3779B97F4A7C15L); // a bijection of i: every pair is distinct
                // Colliding keys are a minority, as they would be with any real hash: with most
                // keys at a few homes every probe would walk one huge cluster (and the test
                // would measure that instead of checking the store).
                int kind = random.nextInt(100);
                long fp1;
                if (kind < 90 || i == 0) {
                    fp1 = mix(fp2);
                } else if (kind < 97) {
                    fp1 = (mix(fp2) & ~0xFFFFFL) | HOMES[random.nextInt(HOMES.length)];
                } else {
                    fp1 = ((Fp) keys.get(i - 1 - random.nextInt(Math.min(i, 64)))).fp1(); // equal in all 64 bits
                }
                key = new Fp(fp1, fp2);
            } else if (random.nextInt(10) == 0 && minedUsed < MINED.size()) {
                key = MINED.get(minedUsed++);
            } else {
                key = "chan-" + (i % 7) + "\0key-" + seed + "-" + i + (i % 11 == 0 ? "-\u00e9\uD83D\uDE00" : "");
            }
            keys.add(key);
            return key;
        }

        private static long mix(long z) {
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            return z ^ (z >>> 31);
        }

        private long lookup(IdempotencyStore store, Object key) {
            calls++;
            return key instanceof Fp fp ? store.lookupFingerprint(fp.fp1(), fp.fp2()) : store.lookup((String) key);
        }

        private long putIfAbsent(IdempotencyStore store, Object key, long position, long at) {
            calls++;
            return key instanceof Fp fp
                    ? store.putFingerprint(fp.fp1(), fp.fp2(), position, at)
                    : store.putIfAbsent((String) key, position, at);
        }

        private void put(IdempotencyStore store, Object key, long position, long at) {
            if (key instanceof Fp fp) {
                check(store.putFingerprint(fp.fp1(), fp.fp2(), position, at) < 0, () -> "put found " + key);
            } else {
                store.put((String) key, position, at);
            }
        }

        private void same(String what, Object key, long expected, long fromA, long fromB) {
            check(fromA == expected && fromB == expected,
                    () -> what + " " + key + ": model " + expected + ", store " + fromA + ", other store " + fromB);
        }

        private static void check(boolean ok, Supplier<String> message) {
            if (!ok) {
                throw new AssertionError(message.get());
            }
        }
    }
}
