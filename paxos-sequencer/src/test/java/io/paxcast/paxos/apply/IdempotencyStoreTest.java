package io.paxcast.paxos.apply;

import net.jpountz.xxhash.XXHashFactory;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The store's contract, case by case: the window boundary, rejected calls, growth and shrink, the
 * memory figures, the pinned fingerprint function and the snapshot format. The random sequences
 * against a reference model are in {@link IdempotencyStoreModelTest}.
 */
class IdempotencyStoreTest {

    @Test
    void aKeyIsFoundWhileItsLogTimeIsWithinTheWindowAndForgottenAfter() {
        IdempotencyStore store = new IdempotencyStore(100);
        assertEquals(-1, store.lookup("orders\0a"));
        store.advanceTo(1000);
        store.put("orders\0a", 7, 1000);
        assertEquals(7, store.lookup("orders\0a"));
        assertEquals(-1, store.lookup("orders\0b"));
        store.advanceTo(1100);
        assertEquals(7, store.lookup("orders\0a"), "recorded at 1000: still within the window at 1000 + 100");
        store.advanceTo(1101);
        assertEquals(-1, store.lookup("orders\0a"), "1000 < 1101 - 100: forgotten");
        assertEquals(0, store.size());
        store.put("orders\0a", 8, 1101);
        assertEquals(8, store.lookup("orders\0a"), "a forgotten key is a fresh key again");
    }

    @Test
    void aZeroWindowKeepsOnlyTheKeysOfTheCurrentLogTime() {
        IdempotencyStore store = new IdempotencyStore(0);
        store.put("a", 1, 5);
        store.put("b", 2, 5);
        store.advanceTo(5);
        assertEquals(2, store.size());
        store.put("c", 3, 6);
        assertEquals(-1, store.lookup("a"));
        assertEquals(-1, store.lookup("b"));
        assertEquals(3, store.lookup("c"));
        assertEquals(1, store.size());
    }

    @Test
    void aPutMovesTheLogTimeAndExpiresBeforeItLooksTheKeyUp() {
        IdempotencyStore store = new IdempotencyStore(10);
        store.put("a", 1, 0);
        assertEquals(1, store.putIfAbsent("a", 99, 10), "still within the window: the original position");
        assertEquals(10, store.logTimeMillis());
        assertEquals(-1, store.putIfAbsent("a", 2, 11), "at 11 the key of 0 is gone, so this is a fresh put");
        assertEquals(2, store.lookup("a"));
        assertEquals(1, store.size());
    }

    @Test
    void logTimeNeverGoesBackAndARejectedCallChangesNothing() {
        IdempotencyStore store = new IdempotencyStore(10);
        store.put("a", 1, 50);
        store.advanceTo(50);
        assertThrows(IllegalArgumentException.class, () -> store.advanceTo(49));
        assertThrows(IllegalArgumentException.class, () -> store.put("b", 2, 49));
        assertThrows(IllegalArgumentException.class, () -> store.putIfAbsent("b", 2, 49));
        assertThrows(IllegalArgumentException.class, () -> store.put("b", -1, 60));
        assertEquals(50, store.logTimeMillis(), "a rejected put does not move the log time");
        assertEquals(1, store.lookup("a"));
        assertEquals(-1, store.lookup("b"));
        assertEquals(1, store.size());
        store.checkInvariants();
    }

    @Test
    void aKeyPutTwiceIsRejectedAndKeepsItsFirstPosition() {
        IdempotencyStore store = new IdempotencyStore(10);
        store.put("a", 1, 0);
        assertThrows(IllegalStateException.class, () -> store.put("a", 2, 3));
        assertEquals(1, store.lookup("a"));
        assertEquals(1, store.size());
        assertEquals(3, store.logTimeMillis(), "the put's log time was applied before the key was found");
    }

    @Test
    void aNegativeWindowIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> new IdempotencyStore(-1));
    }

    @Test
    void extremeLogTimesAndWindowsDoNotOverflow() {
        IdempotencyStore early = new IdempotencyStore(Long.MAX_VALUE);
        early.put("a", 1, Long.MIN_VALUE);
        early.advanceTo(Long.MAX_VALUE);
        assertEquals(-1, early.lookup("a"), "MAX - MIN exceeds even the largest window");
        early.put("b", 2, Long.MAX_VALUE);
        assertEquals(2, early.lookup("b"));

        IdempotencyStore late = new IdempotencyStore(1000);
        late.put("a", 1, Long.MIN_VALUE + 5);
        late.advanceTo(Long.MIN_VALUE + 1005);
        assertEquals(1, late.lookup("a"), "MIN + 5 - window underflows: nothing expires");
        late.advanceTo(Long.MIN_VALUE + 1006);
        assertEquals(-1, late.lookup("a"));
    }

    @Test
    void keysDifferingInOneByteOrOnlyInNormalisationAreDistinct() {
        IdempotencyStore store = new IdempotencyStore(10);
        String[] keys = {"chan\0key", "chan\0key ", "chan\0kez", "chan\0", "chan", "", "caf\u00e9", "cafe\u0301",
            "\uD83D\uDE00", "chan\0KEY", "cha\0nkey"};
        for (int i = 0; i < keys.length; i++) {
            store.put(keys[i], i, 0);
        }
        for (int i = 0; i < keys.length; i++) {
            assertEquals(i, store.lookup(keys[i]), keys[i]);
        }
    }

    @Test
    void theFingerprintIsXxh64OfTheUtf8BytesAndIsPinned() {
        // Published XXH64 test vectors: the library computes standard XXH64.
        assertEquals(0xEF46DB3751D8E999L, IdempotencyStore.fingerprint1(utf8("")));
        assertEquals(0x44BC2CF5AD770999L, IdempotencyStore.fingerprint1(utf8("abc")));
        assertEquals(0x40FD1AA52D98274CL, IdempotencyStore.fingerprint1(utf8("12345678901234567890123456789012")));
        assertEquals(0x0B242D361FDA71BCL, IdempotencyStore.fingerprint1(utf8("The quick brown fox jumps over the lazy dog")));
        assertEquals(0x19D1C1B5C673451FL, XXHashFactory.safeInstance().hash64().hash(utf8("abc"), 0, 3, 5381));
        // The second half (seed 0x9E3779B97F4A7C15) and UTF-8 handling, pinned: a change here
        // would make nodes of two versions disagree, and old snapshots unreadable.
        assertFingerprint("orders\0order-42", 0x1ED94EFE086EFF62L, 0xEB71E02AD053DC35L);
        assertFingerprint("caf\u00e9", 0x9A40A9B974D85A6AL, 0xF6121DFFDDDFDF97L);
        assertFingerprint("\uD83D\uDE00", 0x9025B8ABAAE87B80L, 0xA1E2D84C6B5226E8L);
        // an unpaired surrogate encodes as '?', as String.getBytes does on every JVM
        assertFingerprint("lone \uD800 surrogate", 0x4CBC55EFE2E9FA86L, 0xF4FFD42647F92472L);
        assertFingerprint("lone ? surrogate", 0x4CBC55EFE2E9FA86L, 0xF4FFD42647F92472L);
    }

    @Test
    void everyJavaXxh64ImplementationAgrees() {
        Random random = new Random(42);
        for (int i = 0; i < 2000; i++) {
            byte[] bytes = new byte[random.nextInt(100)];
            random.nextBytes(bytes);
            long seed = random.nextLong();
            long safe = XXHashFactory.safeInstance().hash64().hash(bytes, 0, bytes.length, seed);
            long fastest = XXHashFactory.fastestJavaInstance().hash64().hash(bytes, 0, bytes.length, seed);
            assertEquals(safe, fastest, "length " + bytes.length);
        }
    }

    @Test
    void theIndexGrowsWithTheKeysAndShrinksAsTheyExpire() {
        IdempotencyStore store = new IdempotencyStore(0);
        long emptyBytes = store.heapBytes();
        assertTrue(emptyBytes < 1024, "an empty store costs " + emptyBytes + " bytes");
        int n = 50_000;
        for (int i = 0; i < n; i++) {
            store.put("k" + i, i, i / 100);
        }
        // window 0: only the last log time's 100 keys are live
        assertEquals(100, store.size());
        store.checkInvariants();
        assertEquals(IdempotencyStore.MIN_TABLE_LENGTH * 4, store.tableLength());

        IdempotencyStore burst = new IdempotencyStore(10);
        for (int i = 0; i < n; i++) {
            burst.put("k" + i, i, 0);
        }
        assertEquals(n, burst.size());
        assertEquals(131_072, burst.tableLength(), "load at most 1/2");
        assertTrue(burst.blockSlots() >= n / IdempotencyStore.BLOCK_ENTRIES);
        burst.checkInvariants();
        long peak = burst.heapBytes();
        for (int t = 1; t <= 10; t++) {
            burst.advanceTo(t);
            assertEquals(n, burst.size(), "nothing expires before 11");
        }
        burst.advanceTo(11);
        assertEquals(0, burst.size());
        burst.checkInvariants();
        assertEquals(IdempotencyStore.MIN_TABLE_LENGTH, burst.tableLength());
        assertEquals(IdempotencyStore.MIN_BLOCK_SLOTS, burst.blockSlots());
        long after = burst.heapBytes();
        assertTrue(after < 34_000, "after the burst expired the store holds " + after + " bytes (peak " + peak
                + "): at most one spare block");
    }

    @Test
    void theIndexShrinksStepByStepAsTheCountFalls() {
        IdempotencyStore store = new IdempotencyStore(1000);
        int n = 100_000;
        for (int i = 0; i < n; i++) {
            store.put("k" + i, i, i / 100); // 100 keys per millisecond: log times 0..999
        }
        int previousLength = store.tableLength();
        int shrinks = 0;
        for (long t = 1000; t <= 2007; t += 7) {
            store.advanceTo(t);
            int length = store.tableLength();
            assertTrue(length <= previousLength, "the index never grows while nothing is put");
            assertTrue(length == IdempotencyStore.MIN_TABLE_LENGTH || store.size() * 8L >= length,
                    () -> store.size() + " keys left in an index of " + length);
            if (length < previousLength) {
                shrinks++;
                assertTrue(store.size() * 4L <= length, "a shrink leaves a load of at most 1/4");
                store.checkInvariants();
            }
            previousLength = length;
        }
        assertEquals(0, store.size());
        assertTrue(shrinks >= 5, shrinks + " shrinks");
        assertEquals(IdempotencyStore.MIN_TABLE_LENGTH, store.tableLength());
    }

    @Test
    void heapBytesPerKeyStaysWithinTheDocumentedBandForLargeStores() {
        assertEquals(48, IdempotencyStore.bytesPerKey());
        for (int n : new int[] {20_000, 65_536, 65_537, 150_000, 300_000}) {
            IdempotencyStore store = new IdempotencyStore(10);
            for (int i = 0; i < n; i++) {
                store.put("k" + i, i, 0);
            }
            double perKey = (double) store.heapBytes() / n;
            // 32 in the FIFO + 8..16 in the index, plus at most two partial blocks and the ring
            assertTrue(perKey >= 40 && perKey <= IdempotencyStore.bytesPerKey() + 2.0,
                    n + " keys: " + perKey + " bytes per key");
        }
    }

    @Test
    void keysCollidingInTheIndexExpireInAnyClusterShape() {
        IdempotencyStore store = new IdempotencyStore(3);
        // homes at the table's last slots, so clusters wrap around to slot 0, and fp1 values
        // equal in all 64 bits, told apart by fp2 alone
        long[] homes = {0xFFFFFL, 0xFFFFEL, 0x0L, 0x1L, 0x3FL};
        int id = 0;
        for (long t = 0; t < 50; t++) {
            for (int i = 0; i < 12; i++, id++) {
                long fp1 = i % 4 == 0 ? 0x1234_0000_000F_FFFFL : ((long) id << 20) | homes[id % homes.length];
                store.putFingerprint(fp1, id, id, t);
            }
            store.checkInvariants();
            int first = (int) Math.max(0, t - 3) * 12; // window 3: the last four log times are live
            for (int j = 0; j < id; j++) {
                long fp1 = j % 12 % 4 == 0 ? 0x1234_0000_000F_FFFFL : ((long) j << 20) | homes[j % homes.length];
                assertEquals(j >= first ? j : -1, store.lookupFingerprint(fp1, j), "entry " + j + " at " + t);
            }
            assertEquals(-1, store.lookupFingerprint(0x1234_0000_000F_FFFFL, -5), "same fp1, another fp2");
        }
    }

    @Test
    void aFullStoreRefusesNewKeysUntilSomeExpire() {
        IdempotencyStore store = new IdempotencyStore(5, IdempotencyStore.MIN_TABLE_LENGTH);
        for (int i = 0; i < 32; i++) {
            store.put("k" + i, i, 0);
        }
        assertThrows(IllegalStateException.class, () -> store.put("k32", 32, 0));
        assertEquals(31, store.putIfAbsent("k31", 99, 0), "a retry is still answered when full");
        assertEquals(32, store.size());
        store.checkInvariants();
        store.put("k32", 32, 6);
        assertEquals(1, store.size());
        assertEquals(32, store.lookup("k32"));
    }

    // ------------------------------------------------------------------ snapshots

    @Test
    void aSnapshotRoundTripsAndTheCopyBehavesTheSame() throws IOException {
        IdempotencyStore store = new IdempotencyStore(100);
        Random random = new Random(7);
        long t = 1_700_000_000_000L;
        for (int i = 0; i < 5000; i++) {
            t += random.nextInt(20) == 0 ? 1 : 0;
            store.putIfAbsent("chan-" + (i % 5) + "\0key-" + random.nextInt(4000), i * 3L + 1, t);
        }
        assertTrue(store.size() > 1000 && store.size() < 5000, "some keys expired: " + store.size());
        byte[] bytes = snapshot(store);
        IdempotencyStore copy = restore(bytes);
        assertEquals(store.size(), copy.size());
        assertEquals(store.windowMillis(), copy.windowMillis());
        assertEquals(store.logTimeMillis(), copy.logTimeMillis());
        copy.checkInvariants();
        assertArrayEquals(bytes, snapshot(copy), "a copy writes the same bytes");
        for (int k = 0; k < 4000; k++) {
            for (int c = 0; c < 5; c++) {
                String key = "chan-" + c + "\0key-" + k;
                assertEquals(store.lookup(key), copy.lookup(key), key);
            }
        }
        assertTrue(bytes.length < 20L * store.size() + 64,
                bytes.length + " bytes for " + store.size() + " keys");
        for (int i = 0; i < 3000; i++) {
            t += random.nextInt(4) == 0 ? 1 : 0;
            String key = "chan-" + (i % 5) + "\0key-" + random.nextInt(4000);
            assertEquals(store.putIfAbsent(key, 100_000 + i, t), copy.putIfAbsent(key, 100_000 + i, t), key);
        }
        assertArrayEquals(snapshot(store), snapshot(copy));
    }

    @Test
    void anEmptyStoreRoundTrips() throws IOException {
        IdempotencyStore fresh = new IdempotencyStore(600_000);
        IdempotencyStore copy = restore(snapshot(fresh));
        assertEquals(0, copy.size());
        assertEquals(600_000, copy.windowMillis());
        assertEquals(Long.MIN_VALUE, copy.logTimeMillis());
        copy.put("a", 0, 0);
        assertEquals(0, copy.lookup("a"));
    }

    @Test
    void theSnapshotFormatIsPinned() throws IOException {
        IdempotencyStore store = new IdempotencyStore(1000);
        store.putFingerprint(0x0102030405060708L, 0x1112131415161718L, 5, 10_000);
        store.putFingerprint(0x2122232425262728L, 0x3132333435363738L, 3, 10_002);
        store.advanceTo(10_300);
        String expected = "50584b53" + "01" + "00000000000003e8" + "000000000000283c" + "00000002"
                + "0102030405060708" + "1112131415161718" + "0a" + "ac02"
                + "2122232425262728" + "3132333435363738" + "03" + "02";
        assertEquals(expected, HexFormat.of().formatHex(snapshot(store)));
    }

    @Test
    void aFixedSequenceOfCallsEndsInPinnedSnapshotBytes() throws IOException {
        // java.util.Random is specified bit for bit, so this sequence is the same on every JVM;
        // the pinned checksum catches any change of the store's answers or format between
        // versions, JVMs or platforms (nodes of a mixed-version cluster must agree).
        IdempotencyStore store = new IdempotencyStore(500);
        Random random = new Random(2024);
        long t = 1_700_000_000_000L;
        long position = 0;
        long answers = 0;
        for (int i = 0; i < 20_000; i++) {
            t += random.nextInt(4) == 0 ? 1 : 0;
            long earlier = store.putIfAbsent("chan-" + random.nextInt(3) + "\0" + random.nextInt(3000), position, t);
            if (earlier < 0) {
                position++;
            }
            answers = answers * 31 + earlier;
        }
        CRC32 crc = new CRC32();
        crc.update(snapshot(store));
        assertEquals(16_491, position, "fresh keys (the rest were retries within the window)");
        assertEquals(6_354_950_246_653_282_103L, answers, "every answer, folded");
        assertEquals(1665, store.size());
        assertEquals(0x4A58F5L, crc.getValue(), "CRC-32 of the snapshot");
    }

    @Test
    void corruptSnapshotsAreRejected() throws IOException {
        IdempotencyStore store = new IdempotencyStore(1000);
        store.put("a", 1, 5000);
        store.put("b", 2, 5001);
        byte[] good = snapshot(store);

        byte[] badMagic = good.clone();
        badMagic[0] = 'X';
        assertThrows(IOException.class, () -> restore(badMagic));
        byte[] badVersion = good.clone();
        badVersion[4] = 2;
        assertThrows(IOException.class, () -> restore(badVersion));
        for (int cut = 0; cut < good.length; cut++) {
            byte[] truncated = Arrays.copyOf(good, cut);
            assertThrows(EOFException.class, () -> restore(truncated), "cut at " + cut);
        }
        assertThrows(IOException.class, () -> restore(raw(-1, 5000, 0)), "negative window");
        assertThrows(IOException.class, () -> restore(raw(1000, 5000, -1)), "negative count");
        long fp = 0x55L;
        assertThrows(IOException.class, () -> restore(raw(1000, 5000, 2, fp, fp, 1, 0, fp, fp, 2, 0)), "twice");
        assertThrows(IOException.class, () -> restore(raw(1000, 5000, 1, 1, 1, 1, 1001)), "outside the window");
        assertThrows(IOException.class, () -> restore(raw(1000, 5000, 1, 1, 1, 1, -1)), "after the log time");
        assertThrows(IOException.class, () -> restore(raw(1000, 5000, 2, 1, 1, 1, 10, 2, 2, 2, -1)), "out of order");
        assertThrows(IOException.class, () -> restore(raw(1000, 5000, 1, 1, 1, -1, 0)), "negative position");
        IdempotencyStore ok = restore(raw(1000, 5000, 2, 1, 1, 7, 10, 2, 2, 9, 10));
        assertEquals(7, ok.lookupFingerprint(1, 1));
        assertEquals(9, ok.lookupFingerprint(2, 2));
    }

    /**
     * A snapshot written by hand: window, log time, count, then per entry fp1, fp2, position, and
     * the log time as an offset back from the snapshot's log time (so -1 is one after it).
     */
    private static byte[] raw(long window, long logTime, int count, long... entries) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(0x50584B53);
        out.writeByte(1);
        out.writeLong(window);
        out.writeLong(logTime);
        out.writeInt(count);
        long previousPosition = 0;
        long previousTime = logTime;
        for (int i = 0; i + 3 < entries.length; i += 4) {
            out.writeLong(entries[i]);
            out.writeLong(entries[i + 1]);
            long delta = entries[i + 2] - previousPosition;
            varLong(out, (delta << 1) ^ (delta >> 63));
            long time = logTime - entries[i + 3];
            varLong(out, i == 0 ? previousTime - time : time - previousTime);
            previousPosition = entries[i + 2];
            previousTime = time;
        }
        return bytes.toByteArray();
    }

    private static void varLong(DataOutputStream out, long v) throws IOException {
        while ((v & ~0x7FL) != 0) {
            out.writeByte((int) (v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out.writeByte((int) v);
    }

    static byte[] snapshot(IdempotencyStore store) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        store.writeTo(new DataOutputStream(bytes));
        return bytes.toByteArray();
    }

    static IdempotencyStore restore(byte[] bytes) throws IOException {
        return IdempotencyStore.readFrom(new DataInputStream(new ByteArrayInputStream(bytes)));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void assertFingerprint(String key, long fp1, long fp2) {
        byte[] bytes = utf8(key);
        assertEquals(String.format("0x%016XL, 0x%016XL", fp1, fp2),
                String.format("0x%016XL, 0x%016XL", IdempotencyStore.fingerprint1(bytes), IdempotencyStore.fingerprint2(bytes)),
                key);
    }
}
