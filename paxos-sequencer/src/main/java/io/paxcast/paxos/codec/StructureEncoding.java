package io.paxcast.paxos.codec;

import io.paxcast.paxos.core.Ballot;
import io.paxcast.paxos.core.Command;
import io.paxcast.paxos.core.CommandId;
import io.paxcast.paxos.core.Membership;
import io.paxcast.paxos.core.Message.SlotEntry;
import io.paxcast.paxos.core.Value;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The structures inside {@link PaxosCodec}'s encodings, shared by the messages and the standalone
 * encodings: {@code Ballot} = round, nodeId; {@code Command} = origin, incarnation, counter, floor,
 * payload; {@code Value} = flags (bit 0: no-op), timestampMillis, logClockMillis, commands;
 * {@code SlotEntry} = slot, flags (bit 0: chosen), ballot, value. Readers honour the version the frame
 * header set on the {@link WireIn} (version 1: legacy command ids, no log clock).
 *
 * <p>Stateless and thread-safe.
 */
final class StructureEncoding {

    private static final int FLAG_NOOP = 1;
    private static final int FLAG_MEMBERSHIP = 2; // version 4
    private static final int FLAG_CHOSEN = 1;

    // The fewest bytes an element can take; a count larger than remaining/min is garbage.
    static final int MIN_COMMAND = 2;      // id length, payload length (version 1; version 2 takes more)
    static final int MIN_BALLOT = 2;       // round, nodeId length
    static final int MIN_VALUE = 3;        // flags, timestamp, count (version 2: + log clock)
    static final int MIN_CHOSEN_ENTRY = 1 + MIN_VALUE;
    static final int MIN_SLOT_ENTRY = 2 + MIN_BALLOT + MIN_VALUE;

    private StructureEncoding() {
    }

    // ---------------------------------------------------------------- writing

    static void writeBallot(WireOut out, Ballot ballot) {
        out.varlong(ballot.round());
        out.string(ballot.nodeId());
    }

    static void writeValue(WireOut out, Value value) {
        out.u8((value.noop() ? FLAG_NOOP : 0) | (value.membership() != null ? FLAG_MEMBERSHIP : 0));
        out.varlong(value.timestampMillis());
        out.varlong(value.logClockMillis());
        writeCommands(out, value.commands());
        if (value.membership() != null) {
            writeMembership(out, value.membership());
        }
    }

    /** epoch, voters, learners, then per voter that has one (in voters' order): id, join token. */
    static void writeMembership(WireOut out, Membership m) {
        out.varlong(m.epoch());
        out.varlong(m.voters().size());
        m.voters().forEach(out::string);
        out.varlong(m.learners().size());
        m.learners().forEach(out::string);
        out.varlong(m.joinTokens().size());
        for (String voter : m.voters()) {
            Long token = m.joinTokens().get(voter);
            if (token != null) {
                out.string(voter);
                out.varlong(token);
            }
        }
    }

    static void writeCommands(WireOut out, List<Command> commands) {
        out.varlong(commands.size());
        for (Command command : commands) {
            out.string(command.id().origin());
            out.varlong(command.id().incarnation());
            out.varlong(command.id().counter());
            out.varlong(command.floor());
            out.bytes(command.payload());
        }
    }

    static void writeSlotEntry(WireOut out, SlotEntry entry) {
        out.varlong(entry.slot());
        out.u8(entry.chosen() ? FLAG_CHOSEN : 0);
        writeBallot(out, entry.ballot());
        writeValue(out, entry.value());
    }

    // ---------------------------------------------------------------- reading

    static Ballot readBallot(WireIn in) {
        long round = in.varlong();
        return new Ballot(round, in.string());
    }

    static Value readValue(WireIn in) {
        int flags = in.u8();
        int known = in.version >= 4 ? FLAG_NOOP | FLAG_MEMBERSHIP : FLAG_NOOP;
        if ((flags & ~known) != 0 || flags == (FLAG_NOOP | FLAG_MEMBERSHIP)) {
            throw in.fail("unknown value flags " + flags);
        }
        long timestamp = in.varlong();
        long logClock = in.version >= 2 ? in.varlong() : 0;
        List<Command> commands = readCommands(in);
        if ((flags & FLAG_NOOP) != 0 && !commands.isEmpty()) {
            throw in.fail("a no-op value with " + commands.size() + " commands");
        }
        if ((flags & FLAG_MEMBERSHIP) != 0) {
            if (!commands.isEmpty()) {
                throw in.fail("a membership change with " + commands.size() + " commands");
            }
            return Value.membership(timestamp, logClock, readMembership(in));
        }
        return new Value(timestamp, logClock, commands, (flags & FLAG_NOOP) != 0);
    }

    static Membership readMembership(WireIn in) {
        long epoch = in.varlong();
        List<String> voters = readIds(in);
        List<String> learners = readIds(in);
        int n = in.count("join token count", 2);
        Map<String, Long> tokens = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            String id = in.string();
            tokens.put(id, in.varlong());
        }
        try {
            return new Membership(epoch, voters, learners, tokens);
        } catch (IllegalArgumentException e) {
            throw in.fail("an invalid membership: " + e.getMessage());
        }
    }

    private static List<String> readIds(WireIn in) {
        int n = in.count("member count", 1);
        List<String> ids = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ids.add(in.string());
        }
        return ids;
    }

    /** A fresh mutable list: {@link Value} copies it anyway. */
    static List<Command> readCommands(WireIn in) {
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

    static boolean flag(WireIn in, String what) {
        int b = in.u8();
        if (b > 1) {
            throw in.fail("flag " + what + " is " + b);
        }
        return b == 1;
    }

    static SlotEntry readSlotEntry(WireIn in) {
        long slot = in.varlong();
        int flags = in.u8();
        if ((flags & ~FLAG_CHOSEN) != 0) {
            throw in.fail("unknown slot entry flags " + flags);
        }
        Ballot ballot = readBallot(in);
        return new SlotEntry(slot, ballot, readValue(in), (flags & FLAG_CHOSEN) != 0);
    }
}
