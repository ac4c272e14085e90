package io.paxcast.paxos.codec;

import io.paxcast.paxos.core.Ballot;
import io.paxcast.paxos.core.Command;
import io.paxcast.paxos.core.CommandId;
import io.paxcast.paxos.core.Message;
import io.paxcast.paxos.core.Message.Accept;
import io.paxcast.paxos.core.Message.Accepted;
import io.paxcast.paxos.core.Message.CatchupReply;
import io.paxcast.paxos.core.Message.CatchupRequest;
import io.paxcast.paxos.core.Message.ChosenEntry;
import io.paxcast.paxos.core.Message.Forward;
import io.paxcast.paxos.core.Message.Heartbeat;
import io.paxcast.paxos.core.Message.HeartbeatAck;
import io.paxcast.paxos.core.Message.Nack;
import io.paxcast.paxos.core.Message.Prepare;
import io.paxcast.paxos.core.Message.Promise;
import io.paxcast.paxos.core.Message.SlotEntry;
import io.paxcast.paxos.core.Membership;
import io.paxcast.paxos.core.Value;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class PaxosCodecTest {

    private static final long SEED = 20261126L;

    /** One generator per message type; a new type in the sealed interface fails {@link #everyMessageTypeIsCovered}. */
    private static final Map<Class<?>, Function<Random, Message>> GENERATORS = new LinkedHashMap<>();

    static {
        GENERATORS.put(Prepare.class, r -> new Prepare(id(r), id(r), ballot(r), slot(r)));
        GENERATORS.put(Promise.class, r -> new Promise(id(r), id(r), ballot(r), slot(r), list(r, 6, PaxosCodecTest::slotEntry),
                slot(r)));
        GENERATORS.put(Accept.class, r -> new Accept(id(r), id(r), ballot(r), slot(r), value(r), slot(r)));
        GENERATORS.put(Accepted.class, r -> new Accepted(id(r), id(r), ballot(r), slot(r)));
        GENERATORS.put(Nack.class, r -> new Nack(id(r), id(r), ballot(r), ballot(r)));
        GENERATORS.put(Heartbeat.class, r -> new Heartbeat(id(r), id(r), ballot(r), slot(r), slot(r)));
        GENERATORS.put(HeartbeatAck.class, r -> new HeartbeatAck(id(r), id(r), ballot(r), slot(r), slot(r), r.nextBoolean(),
                r.nextBoolean() ? 0 : r.nextLong()));
        GENERATORS.put(Message.PreVote.class, r -> new Message.PreVote(id(r), id(r), ballot(r)));
        GENERATORS.put(Message.PreVoteReply.class, r -> new Message.PreVoteReply(id(r), id(r), ballot(r), r.nextBoolean()));
        GENERATORS.put(Message.StateProbe.class, r -> new Message.StateProbe(id(r), id(r), slot(r)));
        GENERATORS.put(Message.StateReport.class, r -> new Message.StateReport(id(r), id(r), slot(r), slot(r), ballot(r), slot(r),
                r.nextBoolean(), r.nextBoolean(), tokens(r), r.nextBoolean() ? 0 : 1 + r.nextInt(1 << 20)));
        GENERATORS.put(Message.FillRequest.class, r -> new Message.FillRequest(id(r), id(r), slot(r)));
        GENERATORS.put(Message.ForwardAck.class, r -> new Message.ForwardAck(id(r), id(r), ballot(r), slot(r), list(r, 5, PaxosCodecTest::slot), list(r, 5, PaxosCodecTest::slot)));
        GENERATORS.put(Forward.class, r -> new Forward(id(r), id(r), list(r, 8, PaxosCodecTest::command)));
        GENERATORS.put(CatchupRequest.class, r -> new CatchupRequest(id(r), id(r), slot(r)));
        GENERATORS.put(CatchupReply.class, r -> new CatchupReply(id(r), id(r),
                list(r, 5, g -> new ChosenEntry(slot(g), value(g))), slot(r)));
    }

    @Test
    void everyMessageTypeIsCovered() {
        for (Class<?> type : Message.class.getPermittedSubclasses()) {
            assertTrue(GENERATORS.containsKey(type), "no codec test generator for " + type.getSimpleName());
        }
    }

    @Test
    void everyMessageTypeRoundTripsWithRandomContents() {
        Random r = new Random(SEED);
        for (var gen : GENERATORS.entrySet()) {
            for (int i = 0; i < 300; i++) {
                Message m = gen.getValue().apply(r);
                byte[] bytes = PaxosCodec.encode(m);
                assertEquals(bytes.length, PaxosCodec.encodedSize(m));
                assertEquals(m, PaxosCodec.decode(bytes), "seed " + SEED + ", " + gen.getKey().getSimpleName() + " #" + i);

                // into the middle of a larger buffer, and back from that slice
                byte[] framed = new byte[bytes.length + 7];
                assertEquals(bytes.length, PaxosCodec.encode(m, framed, 3));
                assertArrayEquals(bytes, Arrays.copyOfRange(framed, 3, 3 + bytes.length));
                assertEquals(m, PaxosCodec.decode(framed, 3, bytes.length));
            }
        }
    }

    @Test
    void structuresRoundTrip() {
        Random r = new Random(SEED + 1);
        for (int i = 0; i < 500; i++) {
            Value v = value(r);
            assertEquals(v, PaxosCodec.decodeValue(PaxosCodec.encodeValue(v)));
            SlotEntry e = slotEntry(r);
            byte[] eb = PaxosCodec.encodeSlotEntry(e);
            assertEquals(eb.length, PaxosCodec.encodedSize(e));
            assertEquals(e, PaxosCodec.decodeSlotEntry(eb));
            Ballot b = ballot(r);
            assertEquals(b, PaxosCodec.decodeBallot(PaxosCodec.encodeBallot(b)));
        }
        assertEquals(Value.NOOP, PaxosCodec.decodeValue(PaxosCodec.encodeValue(Value.NOOP)));
        assertEquals(Ballot.ZERO, PaxosCodec.decodeBallot(PaxosCodec.encodeBallot(Ballot.ZERO)));
    }

    @Test
    void isCompact() {
        // Accepted with short ids and small numbers: version, kind, 2+2 (from/to), 1+2 (ballot), 1 (slot)
        assertEquals(10, PaxosCodec.encode(new Accepted("a", "b", new Ballot(3, "a"), 42)).length);
        // a 256-byte command costs its origin, incarnation, counter, floor and payload, plus the length bytes
        Value one = Value.batch(1_700_000_000_000L, 5, List.of(new Command(new CommandId("id-1", 1, 1), 0, new byte[256])));
        assertEquals(2 + 1 + 6 + 1 + 1 + (1 + 4) + 3 + (2 + 256), PaxosCodec.encodeValue(one).length);
    }

    @Test
    void stringsAreUtf8LikeTheJdk() {
        String[] samples = {"", "plain", "é", "日本語", "emoji 😀 pair", "mixed ß€𝄞x"};
        for (String s : samples) {
            Message m = new CatchupRequest(s, s + "!", 1);
            Message back = PaxosCodec.decode(PaxosCodec.encode(m));
            assertEquals(m, back);
            int expectedSize = 2 + 2 * 1 + 2 * s.getBytes(StandardCharsets.UTF_8).length + 1 + 1;
            assertEquals(expectedSize, PaxosCodec.encode(m).length, s);
        }
        // an unpaired surrogate is written as '?', as String.getBytes does
        Message lone = new CatchupRequest("a\uD800b", "x", 1);
        assertEquals("a?b", PaxosCodec.decode(PaxosCodec.encode(lone)).from());
        assertEquals(PaxosCodec.encodedSize(lone), PaxosCodec.encode(lone).length);
    }

    @Test
    void everyTruncationIsRejected() {
        Random r = new Random(SEED + 2);
        for (var gen : GENERATORS.values()) {
            for (int i = 0; i < 20; i++) {
                byte[] bytes = PaxosCodec.encode(gen.apply(r));
                for (int len = 0; len < bytes.length; len++) {
                    int n = len;
                    CodecException e = assertThrows(CodecException.class, () -> PaxosCodec.decode(bytes, 0, n));
                    assertTrue(e.getMessage() != null && !e.getMessage().isEmpty());
                }
            }
        }
        byte[] value = PaxosCodec.encodeValue(value(r));
        for (int len = 0; len < value.length; len++) {
            int n = len;
            assertThrows(CodecException.class, () -> PaxosCodec.decodeValue(value, 0, n));
        }
    }

    @Test
    void aCatchupReplyCarriesTheSenderLogStartAndOneOfVersion2HasNone() {
        var reply = new io.paxcast.paxos.core.Message.CatchupReply("a", "b", java.util.List.of(), 120, 77);
        assertEquals(reply, PaxosCodec.decode(PaxosCodec.encode(reply)));
        // version 2 wrote no log start: drop the last varint, mark the frame version 2
        byte[] v3 = PaxosCodec.encode(new io.paxcast.paxos.core.Message.CatchupReply("a", "b", java.util.List.of(), 120, 1));
        byte[] v2 = Arrays.copyOf(v3, v3.length - 1);
        v2[0] = 2;
        assertEquals(new io.paxcast.paxos.core.Message.CatchupReply("a", "b", java.util.List.of(), 120, 1), PaxosCodec.decode(v2));
    }

    @Test
    void trailingBytesWrongVersionAndUnknownKindAreRejected() {
        byte[] ok = PaxosCodec.encode(new Heartbeat("a", "b", new Ballot(1, "a"), 5, 3));
        byte[] trailing = Arrays.copyOf(ok, ok.length + 1);
        assertThrows(CodecException.class, () -> PaxosCodec.decode(trailing));

        byte[] version = ok.clone();
        version[0] = (byte) (PaxosCodec.VERSION + 1);
        CodecException e = assertThrows(CodecException.class, () -> PaxosCodec.decode(version));
        assertTrue(e.getMessage().contains("version " + (PaxosCodec.VERSION + 1)), e.getMessage());

        byte[] kind = ok.clone();
        kind[1] = 99;
        assertThrows(CodecException.class, () -> PaxosCodec.decode(kind));

        // a value is not a message, and a message is not a value
        assertThrows(CodecException.class, () -> PaxosCodec.decode(PaxosCodec.encodeValue(Value.NOOP)));
        assertThrows(CodecException.class, () -> PaxosCodec.decodeValue(ok));
        assertThrows(CodecException.class, () -> PaxosCodec.decode(new byte[0]));
        assertThrows(CodecException.class, () -> PaxosCodec.decode(ok, 5, ok.length)); // slice past the end
    }

    @Test
    void hugeLengthsFailFastWithoutAllocating() {
        // Forward from "" to "" with a command count of 2^62: must not try to allocate
        byte[] count = {1, PaxosCodec.FORWARD, 0, 0, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80,
                (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x40};
        assertThrows(CodecException.class, () -> PaxosCodec.decode(count));
        // a string claiming Integer.MAX_VALUE bytes
        byte[] string = {1, PaxosCodec.PREPARE, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x07, 'x'};
        assertThrows(CodecException.class, () -> PaxosCodec.decode(string));
        // a varint that never ends
        byte[] endless = new byte[64];
        Arrays.fill(endless, (byte) 0xFF);
        endless[0] = 1;
        endless[1] = PaxosCodec.CATCHUP_REQUEST;
        endless[2] = 0;
        endless[3] = 0;
        assertThrows(CodecException.class, () -> PaxosCodec.decode(endless));
        // a negative ballot round is refused by Ballot and reported as a codec error
        byte[] round = PaxosCodec.encode(new Accepted("", "", new Ballot(1, ""), 1));
        byte[] negative = new byte[round.length + 9];
        System.arraycopy(round, 0, negative, 0, 4);
        for (int i = 0; i < 9; i++) {
            negative[4 + i] = (byte) 0xFF;
        }
        negative[13] = 0x01; // 10th varint byte: sign bit set -> -1
        System.arraycopy(round, 5, negative, 14, round.length - 5);
        assertThrows(CodecException.class, () -> PaxosCodec.decode(negative));
    }

    @Test
    void garbageNeverEscapesAsAnotherException() {
        Random r = new Random(SEED + 3);
        List<byte[]> valid = new ArrayList<>();
        for (var gen : GENERATORS.values()) {
            for (int i = 0; i < 10; i++) {
                valid.add(PaxosCodec.encode(gen.apply(r)));
            }
        }
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            for (int i = 0; i < 100_000; i++) {
                byte[] bytes;
                if (i % 2 == 0) {
                    bytes = new byte[r.nextInt(64)];
                    r.nextBytes(bytes);
                    if (bytes.length > 1 && r.nextBoolean()) {
                        bytes[0] = PaxosCodec.VERSION; // get past the version check more often
                        bytes[1] = (byte) (1 + r.nextInt(10));
                    }
                } else {
                    bytes = valid.get(r.nextInt(valid.size())).clone();
                    int flips = 1 + r.nextInt(3);
                    for (int f = 0; f < flips; f++) {
                        bytes[r.nextInt(bytes.length)] = (byte) r.nextInt(256);
                    }
                }
                try {
                    PaxosCodec.decode(bytes);
                } catch (CodecException expected) {
                    // fine
                } catch (RuntimeException | Error other) {
                    fail("decoding " + Arrays.toString(bytes) + " threw " + other, other);
                }
            }
        });
    }

    /** Stores written before origin command ids hold version-1 values: they still decode. */
    @Test
    void aVersionOneValueDecodesWithLegacyIds() {
        // [version 1][kind value][flags 0][ts 1000 = 0xe8 0x07][1 command][id "ab"][payload 2 bytes]
        byte[] v1 = {1, 64, 0, (byte) 0xe8, 0x07, 1, 2, 'a', 'b', 2, 7, 9};
        Value value = PaxosCodec.decodeValue(v1);
        assertEquals(1000, value.timestampMillis());
        assertEquals(0, value.logClockMillis());
        assertEquals(CommandId.LEGACY, value.commands().get(0).id());
        assertEquals(2, value.commands().get(0).payload().length);
    }

    @Test
    void unknownFlagsAreRejected() {
        byte[] noop = PaxosCodec.encodeValue(Value.NOOP);
        byte[] flags = noop.clone();
        flags[2] = 4;
        assertThrows(CodecException.class, () -> PaxosCodec.decodeValue(flags));
        // a no-op that carries a command
        Value batch = Value.batch(0, 0, List.of(new Command(new CommandId("x", 0, 0), 0, new byte[0])));
        byte[] bad = PaxosCodec.encodeValue(batch);
        bad[2] = 1;
        assertThrows(CodecException.class, () -> PaxosCodec.decodeValue(bad));
    }

    // ---------------------------------------------------------------- random contents

    private static String id(Random r) {
        int kind = r.nextInt(10);
        if (kind == 0) {
            return "";
        }
        if (kind == 1) {
            return "nöde-" + (char) (0x3040 + r.nextInt(90)) + "😀" + r.nextInt(100);
        }
        return "node-" + r.nextInt(1000);
    }

    private static long slot(Random r) {
        return switch (r.nextInt(5)) {
            case 0 -> r.nextInt(128);
            case 1 -> r.nextLong();
            case 2 -> Long.MAX_VALUE;
            case 3 -> -1;
            default -> r.nextInt(1 << 30);
        };
    }

    private static Ballot ballot(Random r) {
        return r.nextInt(10) == 0 ? Ballot.ZERO : new Ballot(r.nextLong() & Long.MAX_VALUE >>> r.nextInt(63), id(r));
    }

    private static Command command(Random r) {
        byte[] payload = new byte[r.nextInt(10) == 0 ? 0 : r.nextInt(400)];
        r.nextBytes(payload);
        long counter = r.nextLong() & Long.MAX_VALUE >>> r.nextInt(63);
        long floor = counter == 0 ? 0 : (r.nextLong() & Long.MAX_VALUE) % (counter + 1);
        return new Command(new CommandId(id(r), r.nextLong() & Long.MAX_VALUE >>> r.nextInt(63), counter), floor, payload);
    }

    private static Value value(Random r) {
        int kind = r.nextInt(7);
        if (kind == 0) {
            return Value.NOOP;
        }
        if (kind == 6) {
            List<String> voters = new java.util.ArrayList<>();
            for (int i = 1 + r.nextInt(5); i > 0; i--) {
                voters.add("v" + voters.size() + id(r));
            }
            List<String> learners = r.nextBoolean() ? List.of() : List.of("l" + id(r));
            java.util.Map<String, Long> tokens = r.nextBoolean() ? java.util.Map.of()
                    : java.util.Map.of(voters.get(0), r.nextLong());
            return Value.membership(slot(r), slot(r), new Membership(slot(r) & Long.MAX_VALUE, voters, learners, tokens));
        }
        if (kind == 1) {
            return new Value(slot(r), slot(r), List.of(), false);
        }
        List<Command> commands = list(r, 6, PaxosCodecTest::command);
        return Value.batch(slot(r), slot(r), commands.isEmpty() ? List.of(command(r)) : commands);
    }

    private static java.util.Map<String, Long> tokens(Random r) {
        java.util.Map<String, Long> tokens = new java.util.HashMap<>();
        for (int i = r.nextInt(4); i > 0; i--) {
            tokens.put(id(r), slot(r));
        }
        return tokens;
    }

    private static SlotEntry slotEntry(Random r) {
        return new SlotEntry(slot(r), ballot(r), value(r), r.nextBoolean());
    }

    private static <T> List<T> list(Random r, int max, Function<Random, T> element) {
        int n = r.nextInt(max + 1);
        List<T> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(element.apply(r));
        }
        return out;
    }
}
