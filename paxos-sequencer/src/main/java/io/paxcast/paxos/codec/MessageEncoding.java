package io.paxcast.paxos.codec;

import io.paxcast.paxos.core.Ballot;
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

import static io.paxcast.paxos.codec.PaxosCodec.ACCEPT;
import static io.paxcast.paxos.codec.PaxosCodec.ACCEPTED;
import static io.paxcast.paxos.codec.PaxosCodec.CATCHUP_REPLY;
import static io.paxcast.paxos.codec.PaxosCodec.CATCHUP_REQUEST;
import static io.paxcast.paxos.codec.PaxosCodec.FILL_REQUEST;
import static io.paxcast.paxos.codec.PaxosCodec.FORWARD;
import static io.paxcast.paxos.codec.PaxosCodec.FORWARD_ACK;
import static io.paxcast.paxos.codec.PaxosCodec.HEARTBEAT;
import static io.paxcast.paxos.codec.PaxosCodec.HEARTBEAT_ACK;
import static io.paxcast.paxos.codec.PaxosCodec.NACK;
import static io.paxcast.paxos.codec.PaxosCodec.PREPARE;
import static io.paxcast.paxos.codec.PaxosCodec.PRE_VOTE;
import static io.paxcast.paxos.codec.PaxosCodec.PRE_VOTE_REPLY;
import static io.paxcast.paxos.codec.PaxosCodec.PROMISE;
import static io.paxcast.paxos.codec.PaxosCodec.STATE_PROBE;
import static io.paxcast.paxos.codec.PaxosCodec.STATE_REPORT;
import static io.paxcast.paxos.codec.StructureEncoding.MIN_CHOSEN_ENTRY;
import static io.paxcast.paxos.codec.StructureEncoding.MIN_SLOT_ENTRY;
import static io.paxcast.paxos.codec.StructureEncoding.flag;
import static io.paxcast.paxos.codec.StructureEncoding.readBallot;
import static io.paxcast.paxos.codec.StructureEncoding.readCommands;
import static io.paxcast.paxos.codec.StructureEncoding.readSlotEntry;
import static io.paxcast.paxos.codec.StructureEncoding.readValue;
import static io.paxcast.paxos.codec.StructureEncoding.writeBallot;
import static io.paxcast.paxos.codec.StructureEncoding.writeCommands;
import static io.paxcast.paxos.codec.StructureEncoding.writeSlotEntry;
import static io.paxcast.paxos.codec.StructureEncoding.writeValue;

/**
 * The bodies of the protocol messages in {@link PaxosCodec}'s format: after the frame's version and
 * kind, a message is from, to, then its fields in declaration order (the structures inside it written
 * by {@link StructureEncoding}). One kind per message type, listed in {@link PaxosCodec}.
 *
 * <p>Stateless and thread-safe.
 */
final class MessageEncoding {

    private MessageEncoding() {
    }

    // ---------------------------------------------------------------- writing

    /** From, to and the fields of {@code m}: everything after the frame's version and kind. */
    static void write(WireOut out, Message m) {
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
            out.varlong(h.storeToken());
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
            out.varlong(c.senderLogStart());
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
            // flag 4: an epoch follows (a format-4 reader refuses the flag: only a blank node reads reports)
            out.u8((r.empty() ? 1 : 0) | (r.blank() ? 2 : 0) | (r.epoch() > 0 ? 4 : 0));
            out.varlong(r.bootstrap().size());
            for (var e : new java.util.TreeMap<>(r.bootstrap()).entrySet()) {
                out.string(e.getKey());
                out.varlong(e.getValue());
            }
            if (r.epoch() > 0) {
                out.varlong(r.epoch());
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

    static int kindOf(Message m) {
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

    private static void writeLongs(WireOut out, List<Long> values) {
        out.varlong(values.size());
        for (long v : values) {
            out.varlong(v);
        }
    }

    // ---------------------------------------------------------------- reading

    /** The message of {@code kind} whose frame header {@code in} has just read. */
    static Message read(WireIn in, int kind) {
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
                long storeToken = in.version >= 4 ? in.varlong() : 0;
                return new HeartbeatAck(from, to, ballot, prefix, probe, voting, storeToken);
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
                long senderPrefix = in.varlong();
                long senderLogStart = in.version >= 3 ? in.varlong() : 1;
                return new CatchupReply(from, to, Collections.unmodifiableList(entries), senderPrefix, senderLogStart);
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
                if ((flags & ~7) != 0) {
                    throw in.fail("unknown state report flags " + flags);
                }
                int n = in.count("bootstrap token count", 2);
                java.util.Map<String, Long> bootstrap = new java.util.HashMap<>();
                for (int i = 0; i < n; i++) {
                    bootstrap.put(in.string(), in.varlong());
                }
                long epoch = (flags & 4) != 0 ? in.varlong() : 0;
                return new StateReport(from, to, token, reporterToken, promised, highestSlot, (flags & 1) != 0,
                        (flags & 2) != 0, bootstrap, epoch);
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

    private static List<Long> readLongs(WireIn in) {
        int n = in.count("number count", 1);
        List<Long> values = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            values.add(in.varlong());
        }
        return Collections.unmodifiableList(values);
    }
}
