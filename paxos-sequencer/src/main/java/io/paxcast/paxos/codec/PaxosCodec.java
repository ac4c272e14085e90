package io.paxcast.paxos.codec;

import io.paxcast.paxos.core.Ballot;
import io.paxcast.paxos.core.CommandId;
import io.paxcast.paxos.core.Message;
import io.paxcast.paxos.core.Message.SlotEntry;
import io.paxcast.paxos.core.Value;

/**
 * The binary form of Paxcast's protocol types: messages on the wire, values and slot records on disk.
 * No JSON, no Java serialization.
 *
 * <h2>Format (version 4)</h2>
 * Every top-level encoding is {@code [version u8][kind u8][body]} and must be consumed exactly:
 * trailing bytes are an error. Inside a body:
 * <ul>
 *   <li>integers ({@code long} slots, rounds, prefixes, timestamps, lengths, counts) are unsigned
 *       LEB128 varints: 1 byte up to 127, 10 bytes for a negative long;</li>
 *   <li>strings are a varint byte length + UTF-8; byte arrays a varint length + the bytes; lists a
 *       varint count + the elements;</li>
 *   <li>{@code Ballot} = round, nodeId; {@code Command} = origin, incarnation, counter, floor, payload;
 *       {@code Value} = flags (bit 0: no-op, bit 1: membership change), timestampMillis, logClockMillis,
 *       commands (then, for a change, its {@code Membership}: epoch, voters, learners, join tokens);
 *       {@code SlotEntry} = slot, flags (bit 0: chosen), ballot, value; {@code ChosenEntry} = slot, value;</li>
 *   <li>a message = from, to, then its fields in declaration order.</li>
 * </ul>
 * A new field or message type bumps {@link #VERSION}; a decoder rejects versions it does not know.
 * Version 1 (stores written before origin command ids) is still read: its commands' free-form ids
 * become {@link CommandId#LEGACY}, its values have log clock 0, its promises are single pages and its
 * heartbeat acks come from voters. Version 2 is read too: its catch-up replies come from nodes that
 * never compacted (log start 1). Version 3 is read too: it has no membership changes, and its heartbeat
 * acks carry no store token (0).
 *
 * <h2>Cost</h2>
 * Encoding walks the object twice (size, then write) and allocates exactly one array of the final
 * length. Decoding checks every length and count against the bytes that remain before allocating, so
 * garbage fails fast with a {@link CodecException} and never loops or exhausts memory.
 *
 * <p>This class frames and unframes; the message bodies are {@link MessageEncoding}, the structures
 * inside them (and inside the standalone encodings) {@link StructureEncoding}.
 *
 * <p>Stateless and thread-safe.
 */
public final class PaxosCodec {

    /** The format version written as the first byte of every encoding. */
    public static final int VERSION = 4; // 4: membership changes in values, HeartbeatAck carries the store token
    private static final int OLDEST_READABLE = 1;


    // Kinds of top-level encodings: one per message type (written and read by MessageEncoding), then the
    // standalone structures.
    static final int PREPARE = 1;
    static final int PROMISE = 2;
    static final int ACCEPT = 3;
    static final int ACCEPTED = 4;
    static final int NACK = 5;
    static final int HEARTBEAT = 6;
    static final int HEARTBEAT_ACK = 7;
    static final int FORWARD = 8;
    static final int CATCHUP_REQUEST = 9;
    static final int CATCHUP_REPLY = 10;
    static final int PRE_VOTE = 11;
    static final int PRE_VOTE_REPLY = 12;
    static final int STATE_PROBE = 13;
    static final int STATE_REPORT = 14;
    static final int FILL_REQUEST = 15;
    static final int FORWARD_ACK = 16;
    static final int KIND_VALUE = 64;
    static final int KIND_SLOT_ENTRY = 65;
    static final int KIND_BALLOT = 66;

    private PaxosCodec() {
    }

    // ---------------------------------------------------------------- messages

    public static byte[] encode(Message message) {
        WireOut.Sizer sizer = new WireOut.Sizer();
        writeFramed(sizer, message);
        return fill(sizer.size, out -> writeFramed(out, message));
    }

    /** The exact length {@link #encode(Message)} produces. */
    public static int encodedSize(Message message) {
        WireOut.Sizer sizer = new WireOut.Sizer();
        writeFramed(sizer, message);
        return sizer.size;
    }

    /**
     * Writes the encoding of {@code message} into {@code dst} from {@code offset}; the caller made room
     * for {@link #encodedSize(Message)} bytes. Returns the number of bytes written.
     */
    public static int encode(Message message, byte[] dst, int offset) {
        WireOut.ArrayOut out = new WireOut.ArrayOut(dst, offset);
        writeFramed(out, message);
        return out.pos - offset;
    }

    public static Message decode(byte[] bytes) {
        return decode(bytes, 0, bytes.length);
    }

    /** Decodes exactly {@code bytes[offset, offset + length)}. */
    public static Message decode(byte[] bytes, int offset, int length) {
        WireIn in = new WireIn(bytes, offset, length);
        int kind = header(in);
        try {
            Message message = MessageEncoding.read(in, kind);
            in.expectEnd();
            return message;
        } catch (CodecException e) {
            throw e;
        } catch (RuntimeException e) { // a record constructor refused a decoded field
            throw new CodecException("invalid message (kind " + kind + "): " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- standalone structures

    public static byte[] encodeValue(Value value) {
        WireOut.Sizer sizer = new WireOut.Sizer();
        writeValueFramed(sizer, value);
        return fill(sizer.size, out -> writeValueFramed(out, value));
    }

    public static Value decodeValue(byte[] bytes) {
        return decodeValue(bytes, 0, bytes.length);
    }

    public static Value decodeValue(byte[] bytes, int offset, int length) {
        WireIn in = new WireIn(bytes, offset, length);
        expectKind(in, KIND_VALUE, "a value");
        try {
            Value value = StructureEncoding.readValue(in);
            in.expectEnd();
            return value;
        } catch (CodecException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new CodecException("invalid value: " + e.getMessage(), e);
        }
    }

    public static byte[] encodeSlotEntry(SlotEntry entry) {
        return fill(encodedSize(entry), out -> writeSlotEntryFramed(out, entry));
    }

    /** The exact length {@link #encodeSlotEntry} produces. */
    public static int encodedSize(SlotEntry entry) {
        WireOut.Sizer sizer = new WireOut.Sizer();
        writeSlotEntryFramed(sizer, entry);
        return sizer.size;
    }

    /** Like {@link #encode(Message, byte[], int)}, for a slot record (the storage prepends its checksum). */
    public static int encode(SlotEntry entry, byte[] dst, int offset) {
        WireOut.ArrayOut out = new WireOut.ArrayOut(dst, offset);
        writeSlotEntryFramed(out, entry);
        return out.pos - offset;
    }

    public static SlotEntry decodeSlotEntry(byte[] bytes) {
        return decodeSlotEntry(bytes, 0, bytes.length);
    }

    public static SlotEntry decodeSlotEntry(byte[] bytes, int offset, int length) {
        WireIn in = new WireIn(bytes, offset, length);
        expectKind(in, KIND_SLOT_ENTRY, "a slot entry");
        try {
            SlotEntry entry = StructureEncoding.readSlotEntry(in);
            in.expectEnd();
            return entry;
        } catch (CodecException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new CodecException("invalid slot entry: " + e.getMessage(), e);
        }
    }

    public static byte[] encodeBallot(Ballot ballot) {
        WireOut.Sizer sizer = new WireOut.Sizer();
        writeBallotFramed(sizer, ballot);
        return fill(sizer.size, out -> writeBallotFramed(out, ballot));
    }

    public static Ballot decodeBallot(byte[] bytes) {
        return decodeBallot(bytes, 0, bytes.length);
    }

    public static Ballot decodeBallot(byte[] bytes, int offset, int length) {
        WireIn in = new WireIn(bytes, offset, length);
        expectKind(in, KIND_BALLOT, "a ballot");
        try {
            Ballot ballot = StructureEncoding.readBallot(in);
            in.expectEnd();
            return ballot;
        } catch (CodecException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new CodecException("invalid ballot: " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- writing

    private interface Body {
        void write(WireOut out);
    }

    private static byte[] fill(int size, Body body) {
        byte[] bytes = new byte[size];
        WireOut.ArrayOut out = new WireOut.ArrayOut(bytes, 0);
        body.write(out);
        if (out.pos != size) {
            throw new IllegalStateException("codec bug: sized " + size + " bytes, wrote " + out.pos);
        }
        return bytes;
    }

    private static void writeValueFramed(WireOut out, Value value) {
        out.u8(VERSION);
        out.u8(KIND_VALUE);
        StructureEncoding.writeValue(out, value);
    }

    private static void writeSlotEntryFramed(WireOut out, SlotEntry entry) {
        out.u8(VERSION);
        out.u8(KIND_SLOT_ENTRY);
        StructureEncoding.writeSlotEntry(out, entry);
    }

    private static void writeBallotFramed(WireOut out, Ballot ballot) {
        out.u8(VERSION);
        out.u8(KIND_BALLOT);
        StructureEncoding.writeBallot(out, ballot);
    }

    private static void writeFramed(WireOut out, Message m) {
        out.u8(VERSION);
        out.u8(MessageEncoding.kindOf(m));
        MessageEncoding.write(out, m);
    }

    // ---------------------------------------------------------------- reading

    private static int header(WireIn in) {
        int version = in.u8();
        if (version < OLDEST_READABLE || version > VERSION) {
            throw in.fail("unknown codec version " + version + " (this build reads " + OLDEST_READABLE + ".."
                    + VERSION + ")");
        }
        in.version = version;
        return in.u8();
    }

    private static void expectKind(WireIn in, int expected, String what) {
        int kind = header(in);
        if (kind != expected) {
            throw in.fail("expected " + what + " (kind " + expected + "), found kind " + kind);
        }
    }
}
