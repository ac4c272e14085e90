package io.paxcast.paxos.core.script;

import io.paxcast.paxos.core.Ballot;
import io.paxcast.paxos.core.Command;
import io.paxcast.paxos.core.Delivery;
import io.paxcast.paxos.core.DurableState;
import io.paxcast.paxos.core.Message;
import io.paxcast.paxos.core.Message.SlotEntry;
import io.paxcast.paxos.core.ScriptedCluster;
import io.paxcast.paxos.core.Value;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The text the dumps print, in the words a script uses, so an expected block reads like the script
 * and a failure's "actual" can be pasted back into the file. Commands appear as their quoted labels.
 */
final class Render {

    private Render() {
    }

    static String ballot(Ballot b) {
        return b == null ? "none" : b.isZero() ? "0" : b.toString();
    }

    static String labels(List<Command> commands) {
        return commands.stream().map(c -> '"' + ScriptedCluster.label(c) + '"').collect(Collectors.joining(" "));
    }

    static String quoted(List<String> labels) {
        return labels.isEmpty() ? "none" : labels.stream().map(l -> '"' + l + '"').collect(Collectors.joining(" "));
    }

    static String value(Value v) {
        return v.noop() ? "noop" : labels(v.commands());
    }

    /** {@code 3 "c"}; {@code 1 noop}; a value partly applied before: {@code 2 "x" applies nothing}. */
    static String delivery(Delivery d) {
        String line = d.slot() + " " + value(d.value());
        if (d.complete()) {
            return line;
        }
        return line + " applies " + (d.commands().isEmpty() ? "nothing" : labels(d.commands()));
    }

    /** {@code 1 at 5.n2 "x"} (accepted) or {@code 3 chosen "c"}. */
    static String entry(SlotEntry e) {
        return e.slot() + (e.chosen() ? " chosen " : " at " + ballot(e.ballot()) + " ") + value(e.value());
    }

    static List<String> durable(DurableState s) {
        List<String> lines = new ArrayList<>();
        lines.add("promised " + ballot(s.promised()));
        lines.add("chosen prefix " + s.chosenPrefix());
        for (SlotEntry e : s.slots()) {
            lines.add("slot " + entry(e));
        }
        return lines;
    }

    /** {@code n1->n2 Accept 1.n1 slot 3 "c" commit 2}, and so on for each type. */
    static String message(Message m) {
        return m.from() + "->" + m.to() + " " + m.getClass().getSimpleName() + " " + body(m);
    }

    private static String body(Message m) {
        if (m instanceof Message.Prepare p) {
            return ballot(p.ballot()) + " from " + p.fromSlot();
        }
        if (m instanceof Message.Promise p) {
            return ballot(p.ballot()) + " prefix " + p.chosenPrefix()
                    + (p.accepted().isEmpty() ? "" : " accepted ["
                    + p.accepted().stream().map(Render::entry).collect(Collectors.joining("; ")) + "]")
                    + (p.nextSlot() > 0 ? " next " + p.nextSlot() : "");
        }
        if (m instanceof Message.Accept a) {
            return ballot(a.ballot()) + " slot " + a.slot() + " " + value(a.value()) + " commit " + a.commitUpTo();
        }
        if (m instanceof Message.Accepted a) {
            return ballot(a.ballot()) + " slot " + a.slot();
        }
        if (m instanceof Message.Nack n) {
            return ballot(n.rejected()) + " promised " + ballot(n.promised());
        }
        if (m instanceof Message.Heartbeat h) {
            return ballot(h.ballot()) + " commit " + h.commitUpTo();
        }
        if (m instanceof Message.HeartbeatAck h) {
            return ballot(h.ballot()) + " prefix " + h.chosenPrefix() + (h.voting() ? "" : " non-voting");
        }
        if (m instanceof Message.Forward f) {
            return labels(f.commands());
        }
        if (m instanceof Message.ForwardAck f) {
            return ballot(f.ballot()) + " taken " + f.taken() + " refused " + f.refused();
        }
        if (m instanceof Message.CatchupRequest c) {
            return "from " + c.fromSlot();
        }
        if (m instanceof Message.CatchupReply c) {
            return "[" + c.chosen().stream().map(e -> e.slot() + " " + value(e.value()))
                    .collect(Collectors.joining("; ")) + "] prefix " + c.senderChosenPrefix();
        }
        return m.toString();
    }
}
