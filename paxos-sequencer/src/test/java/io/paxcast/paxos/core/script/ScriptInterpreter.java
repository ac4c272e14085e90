package io.paxcast.paxos.core.script;

import io.paxcast.paxos.core.Ballot;
import io.paxcast.paxos.core.Delivery;
import io.paxcast.paxos.core.Message;
import io.paxcast.paxos.core.NodeStatus;
import io.paxcast.paxos.core.ScriptedCluster;
import io.paxcast.paxos.core.Value;
import io.paxcast.paxos.core.script.ScriptCommand.Dump;

import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Runs a {@link Script} against a {@link ScriptedCluster}, step by step, and stops at the first step that
 * fails, with a {@link ScriptFailure} naming its file and line. Synchronous and deterministic: nothing
 * happens between two steps, and the cluster's randomness is seeded ({@code cluster ... seed S}).
 *
 * <p>A partition is kept here, on top of the cluster's holds: messages across it are held while a
 * step runs (so {@code stabilize} never delivers them) and dropped before and after every step, which
 * is exactly "lost".
 */
final class ScriptInterpreter {

    private final Script script;
    private final Invariants invariants = new Invariants();
    private final Map<String, Integer> marks = new HashMap<>();
    private ScriptedCluster cluster;
    private List<Set<String>> partition = List.of();
    private final Predicate<Message> acrossPartition = m -> !partition.isEmpty() && side(m.from()) != side(m.to());

    private ScriptInterpreter(Script script) {
        this.script = script;
    }

    /** Parses and runs {@code text}; {@code name} is how failures cite the file. */
    static void run(String name, String text) {
        run(ScriptParser.parse(name, text));
    }

    static void run(Script script) {
        new ScriptInterpreter(script).runAll();
    }

    private void runAll() {
        for (Script.Step step : script.steps()) {
            try {
                if (cluster != null) {
                    cluster.drop(acrossPartition);
                }
                execute(step);
                if (cluster != null) {
                    cluster.drop(acrossPartition);
                }
            } catch (ScriptFailure f) {
                throw f;
            } catch (RuntimeException | AssertionError e) {
                throw ScriptFailure.error(script.name(), step.line(), step.source(), e);
            }
            List<String> broken = invariants.check(cluster);
            if (!broken.isEmpty()) {
                throw ScriptFailure.error(script.name(), step.line(), step.source(),
                        new AssertionError("an invariant broke in this step: " + String.join("; ", broken)));
            }
        }
    }

    private int side(String node) {
        for (int i = 0; i < partition.size(); i++) {
            if (partition.get(i).contains(node)) {
                return i;
            }
        }
        return -1; // the nodes no side names form one more side
    }

    // ---------------------------------------------------------------- steps

    private void execute(Script.Step step) {
        ScriptCommand command = step.command();
        if (command instanceof ScriptCommand.Cluster c) {
            if (cluster != null) {
                throw new IllegalStateException("one 'cluster' line per scenario");
            }
            cluster = ScriptedCluster.create(c.options());
            invariants.watch(cluster);
            cluster.hold(acrossPartition);
        } else if (command instanceof ScriptCommand.Submit s) {
            for (String label : s.labels()) {
                if (cluster.submit(s.node(), label) == null) {
                    throw new IllegalStateException(s.node() + " refused \"" + label + "\" (back-pressure)");
                }
            }
            if (s.flush()) {
                cluster.flush(s.node());
            }
        } else if (command instanceof ScriptCommand.Flush f) {
            cluster.flush(f.node());
        } else if (command instanceof ScriptCommand.Tick t) {
            cluster.tick(t.node(), t.times());
        } else if (command instanceof ScriptCommand.Campaign c) {
            cluster.campaign(c.node());
        } else if (command instanceof ScriptCommand.Elect e) {
            cluster.elect(e.node());
        } else if (command instanceof ScriptCommand.Deliver d) {
            if (cluster.queued(d.filter()).isEmpty()) {
                throw new IllegalStateException("no message matching '" + d.filter() + "' in the network; queued: "
                        + queuedText());
            }
            if (d.all()) {
                cluster.deliver(d.filter());
            } else {
                cluster.deliverFirst(d.filter());
            }
        } else if (command instanceof ScriptCommand.Drop d) {
            cluster.drop(d.filter());
        } else if (command instanceof ScriptCommand.Hold h) {
            cluster.hold(h.filter());
        } else if (command instanceof ScriptCommand.Release) {
            cluster.releaseHolds();
            cluster.hold(acrossPartition);
        } else if (command instanceof ScriptCommand.Lifecycle l) {
            switch (l.verb()) {
                case "crash" -> cluster.crash(l.node());
                case "wipe" -> cluster.wipe(l.node());
                default -> cluster.restart(l.node());
            }
        } else if (command instanceof ScriptCommand.Partition p) {
            List<Set<String>> sides = p.isolated() != null ? List.of(Set.of(p.isolated())) : p.groups();
            for (Set<String> side : sides) {
                for (String node : side) {
                    if (!cluster.ids().contains(node)) {
                        throw new IllegalArgumentException("no node " + node + " in " + cluster.ids());
                    }
                }
            }
            partition = sides;
        } else if (command instanceof ScriptCommand.Heal) {
            partition = List.of();
        } else if (command instanceof ScriptCommand.Stabilize) {
            cluster.runUntilQuiet();
        } else if (command instanceof ScriptCommand.Inject i) {
            cluster.inject(i.message().apply(cluster));
        } else if (command instanceof ScriptCommand.Mark) {
            for (String id : cluster.ids()) {
                marks.put(id, cluster.sent(id).size());
            }
        } else {
            expect(step, command);
        }
    }

    private String queuedText() {
        List<Message> queued = cluster.queued(m -> true);
        return queued.isEmpty() ? "nothing" : queued.stream().map(Render::message).collect(Collectors.joining("; "));
    }

    // ---------------------------------------------------------------- expectations

    private void expect(Script.Step step, ScriptCommand command) {
        if (command instanceof ScriptCommand.ExpectLeader l) {
            NodeStatus s = cluster.status(l.node());
            String expected = "leader" + (l.ballot() == null ? "" : " at " + Render.ballot(l.ballot()));
            String actual = s.role() + (l.ballot() == null && "leader".equals(s.role()) ? ""
                    : " at " + Render.ballot(s.ballot())) + ("leader".equals(s.role()) ? "" : " (leader " + s.leaderId() + ")");
            check(step, expected, actual);
        } else if (command instanceof ScriptCommand.ExpectRole r) {
            check(step, r.role(), cluster.status(r.node()).role());
        } else if (command instanceof ScriptCommand.ExpectStatus s) {
            NodeStatus status = cluster.status(s.node());
            List<String> expected = new ArrayList<>();
            List<String> actual = new ArrayList<>();
            s.fields().forEach((field, value) -> {
                expected.add(field + "=" + value);
                actual.add(field + "=" + statusField(status, field));
            });
            check(step, String.join(" ", expected), String.join(" ", actual));
        } else if (command instanceof ScriptCommand.ExpectPromised p) {
            Ballot promised = cluster.isUp(p.node()) ? cluster.status(p.node()).promised()
                    : cluster.durable(p.node()).promised();
            check(step, Render.ballot(p.ballot()), Render.ballot(promised));
        } else if (command instanceof ScriptCommand.ExpectChosen c) {
            long prefix = cluster.isUp(c.node()) ? cluster.status(c.node()).chosenPrefix()
                    : cluster.durable(c.node()).chosenPrefix();
            check(step, prefixText(c.prefix()), prefixText(prefix));
        } else if (command instanceof ScriptCommand.ExpectDelivered d) {
            List<String> applied = new ArrayList<>();
            for (Delivery delivery : cluster.delivered(d.node())) {
                delivery.commands().forEach(cmd -> applied.add(ScriptedCluster.label(cmd)));
            }
            check(step, Render.quoted(d.labels()), Render.quoted(applied));
        } else if (command instanceof ScriptCommand.ExpectAgree a) {
            String first = a.nodes().get(0);
            for (String other : a.nodes().subList(1, a.nodes().size())) {
                List<Delivery> mine = cluster.delivered(first);
                List<Delivery> theirs = cluster.delivered(other);
                if (!mine.equals(theirs)) {
                    List<String> expected = log(first);
                    List<String> actual = log(other);
                    if (expected.equals(actual)) { // the same labels, yet different commands or stamps
                        expected = mine.stream().map(Delivery::toString).toList();
                        actual = theirs.stream().map(Delivery::toString).toList();
                    }
                    throw ScriptFailure.dump(script.name(), step.line(), step.source() + "   (" + first + " vs "
                            + other + ")", step.line(), expected, actual);
                }
            }
        } else if (command instanceof ScriptCommand.ExpectUp u) {
            check(step, u.up() ? "up" : "down", cluster.isUp(u.node()) ? "up" : "down");
        } else if (command instanceof ScriptCommand.ExpectDump d) {
            List<String> actual = dump(d.dump()).stream().map(ScriptParser::normalize).toList();
            if (!actual.equals(d.expected())) {
                throw ScriptFailure.dump(script.name(), step.line(), step.source(), d.blockLine(), d.expected(), actual);
            }
        } else {
            throw new IllegalStateException("no interpretation for " + command);
        }
    }

    private void check(Script.Step step, String expected, String actual) {
        if (!expected.equals(actual)) {
            throw ScriptFailure.mismatch(script.name(), step.line(), step.source(), expected, actual);
        }
    }

    private static String prefixText(long prefix) {
        return prefix == 0 ? "none" : "1.." + prefix;
    }

    private static String statusField(NodeStatus status, String field) {
        for (RecordComponent c : NodeStatus.class.getRecordComponents()) {
            if (c.getName().equals(field)) {
                try {
                    Object v = c.getAccessor().invoke(status);
                    return v == null ? "none" : v instanceof Ballot b ? Render.ballot(b) : String.valueOf(v);
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        throw new IllegalArgumentException("NodeStatus has no field '" + field + "'; it has "
                + Arrays.stream(NodeStatus.class.getRecordComponents()).map(RecordComponent::getName).toList());
    }

    private List<String> log(String node) {
        return cluster.delivered(node).stream().map(Render::delivery).toList();
    }

    private List<String> dump(Dump dump) {
        if (dump instanceof Dump.Log l) {
            return log(l.node());
        }
        if (dump instanceof Dump.Stored s) {
            return Render.durable(cluster.durable(s.node()));
        }
        if (dump instanceof Dump.Queued q) {
            return cluster.queued(q.filter()).stream().map(Render::message).toList();
        }
        if (dump instanceof Dump.Sent s) {
            List<String> lines = new ArrayList<>();
            for (String id : cluster.ids()) {
                List<Message> sent = cluster.sent(id);
                for (Message m : sent.subList(Math.min(marks.getOrDefault(id, 0), sent.size()), sent.size())) {
                    if (s.filter().test(m)) {
                        lines.add(Render.message(m));
                    }
                }
            }
            return lines;
        }
        Dump.Proposed p = (Dump.Proposed) dump;
        Ballot ballot = p.ballot() != null ? p.ballot() : cluster.status(p.node()).ballot();
        Map<Long, Value> bySlot = new TreeMap<>();
        for (Message m : cluster.sent(p.node())) {
            if (m instanceof Message.Accept a && a.ballot().equals(ballot) && (p.to() == null || a.to().equals(p.to()))) {
                Value previous = bySlot.put(a.slot(), a.value());
                if (previous != null && !previous.equals(a.value())) {
                    throw new AssertionError(p.node() + " proposed two values in slot " + a.slot() + " at " + ballot
                            + ": " + Render.value(previous) + " and " + Render.value(a.value()));
                }
            }
        }
        return bySlot.entrySet().stream().map(e -> e.getKey() + " " + Render.value(e.getValue())).toList();
    }
}
