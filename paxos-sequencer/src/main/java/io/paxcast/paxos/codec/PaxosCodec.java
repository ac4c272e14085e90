package io.paxcast.paxos.codec;

import io.paxcast.paxos.core.Ballot;
import io.paxcast.paxos.core.Command;
import io.paxcast.paxos.core.CommandId;
import io.paxcast.paxos.core.Message;
import io.paxcast.paxos.core.Message.Accept;
import io.paxcast.paxos.core.Message.Accepted;
import io.paxcast.paxos.core.Message.FillRequest;
import io.paxcast.paxos.core.Message.CatchupReply;
import io.paxcast.paxos.core.Message.CatchupRequest;
import io.paxcast.paxos.core.Message.ChosenEntry;
import io.paxcast.paxos.core.Message.Forward;
import io.paxcast.paxos.core.Message.ForwardAck;
import io.paxcast.paxos.core.Message.Heartbeat;
import io.paxcast.paxos.core.Message.HeartbeatAck;
import io.paxcast.paxos.core.Message.Nack;
import io.paxcast.paxos.core.Message.PreVote;
import io.paxcast.paxos.core.Message.PreVoteReply;
import io.paxcast.paxos.core.Message.Prepare;
import io.paxcast.paxos.core.Message.Promise;
import io.paxcast.paxos.core.Message.SlotEntry;
import io.paxcast.paxos.core.Message.StateProbe;
import io.paxcast.paxos.core.Message.StateReport;
import io.paxcast.paxos.core.Value;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The binary form of Paxcast's protocol types: messages on the wire, values and slot records on disk.
 * No JSON, no Java serialization.
 *
 * <h2>Format (version 2)</h2>
 * Every top-level encoding is {@code [version u8][kind u8][body]} and must be consumed exactly:
 * trailing bytes are an error. Inside a body:
 * <ul>
 *   <li>integers ({@code long} slots, rounds, prefixes, timestamps, lengths, counts) are unsigned
 *       LEB128 varints: 1 byte up to 127, 10 bytes for a negative long;</li>
 *   <li>strings are a varint byte length + UTF-8; byte arrays a varint length + the bytes; lists a
 *       varint count + the elements;</li>
 *   <li>{@code Ballot} = round, nodeId; {@code Command} = origin, incarnation, counter, floor, payload;
 *       {@code Value} = flags (bit 0: no-op), timestampMillis, logClockMillis, commands;
 *       {@code SlotEntry} = slot, flags (bit 0: chosen), ballot, value; {@code ChosenEntry} = slot, value;</li>
 *   <li>a message = from, to, then its fields in declaration order.</li>
 * </ul>
 * A new field or message type bumps {@link #VERSION}; a decoder rejects versions it does not know.
 * Version 1 (stores written before origin command ids) is still read: its commands' free-form ids
 * become {@link CommandId#LEGACY}, its values have log clock 0, its promises are single pages and its
 * heartbeat acks come from voters.
 *
 * <h2>Cost</h2>
 * Encoding walks the object twice (size, then write) and allocates exactly one array of the final
 * length. Decoding checks every length and count against the bytes that remain before allocating, so
 * garbage fails fast with a {@link CodecException} and never loops or exhausts memory.
 *
 * <p>Stateless and thread-safe.
 */
public final class PaxosCodec {

    /** The format version written as the first byte of every encoding. */
    public static final int VERSION = 2;
    private static final int OLDEST_READABLE = 1;

    // Kinds of top-level encodings: one per message type, then the standalone structures.
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

    private static final int FLAG_NOOP = 1;
    private static final int FLAG_CHOSEN = 1;

    // The fewest bytes an element can take; a count larger than remaining/min is garbage.
    private static final int MIN_COMMAND = 2;      // id length, payload length (version 1; version 2 takes more)
    private static final int MIN_BALLOT = 2;       // round, nodeId length
    private static final int MIN_VALUE = 3;        // flags, timestamp, count (version 2: + log clock)
    private static final int MIN_CHOSEN_ENTRY = 1 + MIN_VALUE;
    private static final int MIN_SLOT_ENTRY = 2 + MIN_BALLOT + MIN_VALUE;

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
            Message message = readMessage(in, kind);
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
            Value value = readValue(in);
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
            SlotEntry entry = readSlotEntry(in);
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
            Ballot ballot = readBallot(in);
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
        writeValue(out, value);
    }

    private static void writeSlotEntryFramed(WireOut out, SlotEntry entry) {
        out.u8(VERSION);
        out.u8(KIND_SLOT_ENTRY);
        writeSlotEntry(out, entry);
    }

    private static void writeBallotFramed(WireOut out, Ballot ballot) {
        out.u8(VERSION);
        out.u8(KIND_BALLOT);
        writeBallot(out, ballot);
    }

    private static void writeFramed(WireOut out, Message m) {
        out.u8(VERSION);
        out.u8(kindOf(m));
        out.string(m.from());
        out.string(m.to());
        if (m instanceof Prepare p) {
            writeBallot(out, p.ballot());
            out.varlong(p.fromSlot());
        } else if (m instanceof Promise p) {
            writeBallot(out, p.ballot());
            out.varlong(p.chosenPrefix());
            out.varlong(p.accepted().size());
            for (SlotEntry entry : p.accepted()) {
                writeSlotEntry(out, entry);
            }
            out.varlong(p.nextSlot());
        } else if (m instanceof Accept a) {
            writeBallot(out, a.ballot());
            out.varlong(a.slot());
            writeValue(out, a.value());
            out.varlong(a.commitUpTo());
        } else if (m instanceof Accepted a) {
            writeBallot(out, a.ballot());
            out.varlong(a.slot());
        } else if (m instanceof Nack n) {
            writeBallot(out, n.rejected());
            writeBallot(out, n.promised());
        } else if (m instanceof Heartbeat h) {
            writeBallot(out, h.ballot());
            out.varlong(h.commitUpTo());
            out.varlong(h.echo());
        } else if (m instanceof HeartbeatAck h) {
            writeBallot(out, h.ballot());
            out.varlong(h.chosenPrefix());
            out.varlong(h.probe());
            out.u8(h.voting() ? 1 : 0);
        } else if (m instanceof Forward f) {
            writeCommands(out, f.commands());
        } else if (m instanceof CatchupRequest c) {
            out.varlong(c.fromSlot());
        } else if (m instanceof CatchupReply c) {
            out.varlong(c.chosen().size());
            for (ChosenEntry entry : c.chosen()) {
                out.varlong(entry.slot());
                writeValue(out, entry.value());
            }
            out.varlong(c.senderChosenPrefix());
        } else if (m instanceof PreVote v) {
            writeBallot(out, v.ballot());
        } else if (m instanceof PreVoteReply r) {
            writeBallot(out, r.ballot());
            out.u8(r.granted() ? 1 : 0);
        } else if (m instanceof StateProbe p) {
            out.varlong(p.token());
        } else if (m instanceof StateReport r) {
            out.varlong(r.token());
            out.varlong(r.reporterToken());
            writeBallot(out, r.promised());
            out.varlong(r.highestSlot());
            out.u8((r.empty() ? 1 : 0) | (r.blank() ? 2 : 0));
            out.varlong(r.bootstrap().size());
            for (var e : new java.util.TreeMap<>(r.bootstrap()).entrySet()) {
                out.string(e.getKey());
                out.varlong(e.getValue());
            }
        } else if (m instanceof FillRequest f) {
            out.varlong(f.upTo());
        } else if (m instanceof ForwardAck a) {
            writeBallot(out, a.ballot());
            out.varlong(a.incarnation());
            writeLongs(out, a.taken());
            writeLongs(out, a.refused());
        } else {
            throw new IllegalArgumentException("no encoding for " + m.getClass().getName());
        }
    }

    private static int kindOf(Message m) {
        if (m instanceof Prepare) {
            return PREPARE;
        } else if (m instanceof Promise) {
            return PROMISE;
        } else if (m instanceof Accept) {
            return ACCEPT;
        } else if (m instanceof Accepted) {
            return ACCEPTED;
        } else if (m instanceof Nack) {
            return NACK;
        } else if (m instanceof Heartbeat) {
            return HEARTBEAT;
        } else if (m instanceof HeartbeatAck) {
            return HEARTBEAT_ACK;
        } else if (m instanceof Forward) {
            return FORWARD;
        } else if (m instanceof CatchupRequest) {
            return CATCHUP_REQUEST;
        } else if (m instanceof CatchupReply) {
            return CATCHUP_REPLY;
        } else if (m instanceof PreVote) {
            return PRE_VOTE;
        } else if (m instanceof PreVoteReply) {
            return PRE_VOTE_REPLY;
        } else if (m instanceof StateProbe) {
            return STATE_PROBE;
        } else if (m instanceof StateReport) {
            return STATE_REPORT;
        } else if (m instanceof FillRequest) {
            return FILL_REQUEST;
        } else if (m instanceof ForwardAck) {
            return FORWARD_ACK;
        }
        throw new IllegalArgumentException("no encoding for " + m.getClass().getName());
    }

    private static void writeBallot(WireOut out, Ballot ballot) {
        out.varlong(ballot.round());
        out.string(ballot.nodeId());
    }

    private static void writeValue(WireOut out, Value value) {
        out.u8(value.noop() ? FLAG_NOOP : 0);
        out.varlong(value.timestampMillis());
        out.varlong(value.logClockMillis());
        writeCommands(out, value.commands());
    }

    private static void writeCommands(WireOut out, List<Command> commands) {
        out.varlong(commands.size());
        for (Command command : commands) {
            out.string(command.id().origin());
            out.varlong(command.id().incarnation());
            out.varlong(command.id().counter());
            out.varlong(command.floor());
            out.bytes(command.payload());
        }
    }

    private static void writeLongs(WireOut out, List<Long> values) {
        out.varlong(values.size());
        for (long v : values) {
            out.varlong(v);
        }
    }

    private static List<Long> readLongs(WireIn in) {
        int n = in.count("number count", 1);
        List<Long> values = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            values.add(in.varlong());
        }
        return Collections.unmodifiableList(values);
    }

    private static void writeSlotEntry(WireOut out, SlotEntry entry) {
        out.varlong(entry.slot());
        out.u8(entry.chosen() ? FLAG_CHOSEN : 0);
        writeBallot(out, entry.ballot());
        writeValue(out, entry.value());
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

    private static Message readMessage(WireIn in, int kind) {
        String from = in.string();
        String to = in.string();
        switch (kind) {
            case PREPARE:
                return new Prepare(from, to, readBallot(in), in.varlong());
            case PROMISE: {
                Ballot ballot = readBallot(in);
                long prefix = in.varlong();
                int n = in.count("slot entry count", MIN_SLOT_ENTRY);
                List<SlotEntry> entries = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    entries.add(readSlotEntry(in));
                }
                long nextSlot = in.version >= 2 ? in.varlong() : 0;
                return new Promise(from, to, ballot, prefix, Collections.unmodifiableList(entries), nextSlot);
            }
            case ACCEPT: {
                Ballot ballot = readBallot(in);
                long slot = in.varlong();
                Value value = readValue(in);
                return new Accept(from, to, ballot, slot, value, in.varlong());
            }
            case ACCEPTED:
                return new Accepted(from, to, readBallot(in), in.varlong());
            case NACK:
                return new Nack(from, to, readBallot(in), readBallot(in));
            case HEARTBEAT:
                return new Heartbeat(from, to, readBallot(in), in.varlong(), in.varlong());
            case HEARTBEAT_ACK: {
                Ballot ballot = readBallot(in);
                long prefix = in.varlong();
                long probe = in.varlong();
                boolean voting = in.version < 2 || flag(in, "voting");
                return new HeartbeatAck(from, to, ballot, prefix, probe, voting);
            }
            case FORWARD:
                return new Forward(from, to, Collections.unmodifiableList(readCommands(in)));
            case CATCHUP_REQUEST:
                return new CatchupRequest(from, to, in.varlong());
            case CATCHUP_REPLY: {
                int n = in.count("chosen entry count", MIN_CHOSEN_ENTRY);
                List<ChosenEntry> entries = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    long slot = in.varlong();
                    entries.add(new ChosenEntry(slot, readValue(in)));
                }
                return new CatchupReply(from, to, Collections.unmodifiableList(entries), in.varlong());
            }
            case PRE_VOTE:
                return new PreVote(from, to, readBallot(in));
            case PRE_VOTE_REPLY: {
                Ballot ballot = readBallot(in);
                return new PreVoteReply(from, to, ballot, flag(in, "granted"));
            }
            case STATE_PROBE:
                return new StateProbe(from, to, in.varlong());
            case STATE_REPORT: {
                long token = in.varlong();
                long reporterToken = in.varlong();
                Ballot promised = readBallot(in);
                long highestSlot = in.varlong();
                int flags = in.u8();
                if ((flags & ~3) != 0) {
                    throw in.fail("unknown state report flags " + flags);
                }
                int n = in.count("bootstrap token count", 2);
                java.util.Map<String, Long> bootstrap = new java.util.HashMap<>();
                for (int i = 0; i < n; i++) {
                    bootstrap.put(in.string(), in.varlong());
                }
                return new StateReport(from, to, token, reporterToken, promised, highestSlot, (flags & 1) != 0,
                        (flags & 2) != 0, bootstrap);
            }
            case FILL_REQUEST:
                return new FillRequest(from, to, in.varlong());
            case FORWARD_ACK: {
                Ballot ballot = readBallot(in);
                long incarnation = in.varlong();
                List<Long> taken = readLongs(in);
                return new ForwardAck(from, to, ballot, incarnation, taken, readLongs(in));
            }
            default:
                throw in.fail("unknown message kind " + kind);
        }
    }

    private static Ballot readBallot(WireIn in) {
        long round = in.varlong();
        return new Ballot(round, in.string());
    }

    private static Value readValue(WireIn in) {
        int flags = in.u8();
        if ((flags & ~FLAG_NOOP) != 0) {
            throw in.fail("unknown value flags " + flags);
        }
        long timestamp = in.varlong();
        long logClock = in.version >= 2 ? in.varlong() : 0;
        List<Command> commands = readCommands(in);
        if ((flags & FLAG_NOOP) != 0 && !commands.isEmpty()) {
            throw in.fail("a no-op value with " + commands.size() + " commands");
        }
        return new Value(timestamp, logClock, commands, (flags & FLAG_NOOP) != 0);
    }

    /** A fresh mutable list: {@link Value} copies it anyway. */
    private static List<Command> readCommands(WireIn in) {
        int n = in.count("command count", MIN_COMMAND);
        List<Command> commands = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            if (in.version < 2) {
                in.string(); // a free-form id of the old format
                commands.add(new Command(CommandId.LEGACY, 0, in.bytes()));
                continue;
            }
            String origin = in.string();
            long incarnation = in.varlong();
            long counter = in.varlong();
            long floor = in.varlong();
            commands.add(new Command(new CommandId(origin, incarnation, counter), floor, in.bytes()));
        }
        return commands;
    }

    private static boolean flag(WireIn in, String what) {
        int b = in.u8();
        if (b > 1) {
            throw in.fail("flag " + what + " is " + b);
        }
        return b == 1;
    }

    private static SlotEntry readSlotEntry(WireIn in) {
        long slot = in.varlong();
        int flags = in.u8();
        if ((flags & ~FLAG_CHOSEN) != 0) {
            throw in.fail("unknown slot entry flags " + flags);
        }
        Ballot ballot = readBallot(in);
        return new SlotEntry(slot, ballot, readValue(in), (flags & FLAG_CHOSEN) != 0);
    }
}
