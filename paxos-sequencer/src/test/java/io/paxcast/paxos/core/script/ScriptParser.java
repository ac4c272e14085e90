package io.paxcast.paxos.core.script;

import io.paxcast.paxos.core.Ballot;
import io.paxcast.paxos.core.InjectedBug;
import io.paxcast.paxos.core.Message;
import io.paxcast.paxos.core.ScriptedCluster;
import io.paxcast.paxos.core.Value;
import io.paxcast.paxos.core.script.ScriptCommand.Dump;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Text to {@link Script}. One step per line; {@code #} starts a comment; a line ending in {@code :} opens
 * a block of the indented lines below it (the expected dump), which ends at a blank or unindented line.
 * Any mistake is reported with the file and line ({@link ScriptFailure}), before anything runs.
 */
final class ScriptParser {

    private static final Pattern NODE = Pattern.compile("n[0-9]+");
    /** The timestamp of the batches a script writes itself ({@code inject ... Accept}). */
    private static final long INJECTED_BATCH_MILLIS = 1_000;

    private final String name;
    private final String[] lines;
    private int index;

    private ScriptParser(String name, String text) {
        this.name = name;
        this.lines = text.split("\r?\n", -1);
    }

    static Script parse(String name, String text) {
        return new ScriptParser(name, text).parse();
    }

    private Script parse() {
        List<Script.Step> steps = new ArrayList<>();
        while (index < lines.length) {
            int lineNo = index + 1;
            String source = lines[index++];
            List<Token> tokens;
            try {
                tokens = Token.split(source);
            } catch (IllegalArgumentException e) {
                throw ScriptFailure.syntax(name, lineNo, source, e.getMessage());
            }
            if (tokens.isEmpty()) {
                continue;
            }
            if (Character.isWhitespace(source.charAt(0))) {
                throw ScriptFailure.syntax(name, lineNo, source,
                        "an indented line belongs to a block, which only a line ending in ':' opens");
            }
            List<String> block = null;
            Token last = tokens.get(tokens.size() - 1);
            if (!last.quoted() && last.text().endsWith(":")) {
                tokens = new ArrayList<>(tokens.subList(0, tokens.size() - 1));
                String stripped = last.text().substring(0, last.text().length() - 1);
                if (!stripped.isEmpty()) {
                    tokens.add(new Token(stripped, false));
                }
                block = readBlock();
            }
            try {
                steps.add(new Script.Step(lineNo, source.strip(), command(new Args(tokens), block, lineNo + 1)));
            } catch (IllegalArgumentException e) {
                throw ScriptFailure.syntax(name, lineNo, source, e.getMessage());
            }
        }
        if (steps.isEmpty() || !(steps.get(0).command() instanceof ScriptCommand.Cluster)) {
            int line = steps.isEmpty() ? 1 : steps.get(0).line();
            throw ScriptFailure.syntax(name, line, steps.isEmpty() ? "" : steps.get(0).source(),
                    "a scenario starts with 'cluster N' (after its comment block)");
        }
        return new Script(name, List.copyOf(steps));
    }

    /** The indented lines after a block-opening line, trimmed, whitespace runs collapsed; comment lines skipped. */
    private List<String> readBlock() {
        List<String> block = new ArrayList<>();
        while (index < lines.length) {
            String line = lines[index];
            if (line.isBlank() || !Character.isWhitespace(line.charAt(0))) {
                break;
            }
            index++;
            String text = normalize(line);
            if (!text.startsWith("#")) {
                block.add(text);
            }
        }
        return block;
    }

    static String normalize(String line) {
        return line.strip().replaceAll("\\s+", " ");
    }

    // ---------------------------------------------------------------- one line

    private ScriptCommand command(Args a, List<String> block, int blockLine) {
        String verb = a.word("a command");
        ScriptCommand c = switch (verb) {
            case "cluster" -> cluster(a);
            case "submit", "propose" -> new ScriptCommand.Submit(a.node(), a.labels(1), verb.equals("propose"));
            case "flush" -> new ScriptCommand.Flush(a.node());
            case "tick" -> new ScriptCommand.Tick(a.node(), a.done() ? 1 : ticks(a.word("a tick count")));
            case "campaign" -> new ScriptCommand.Campaign(a.node());
            case "elect" -> new ScriptCommand.Elect(a.node());
            case "deliver" -> {
                boolean all = a.accept("all");
                yield new ScriptCommand.Deliver(a.filter(), all);
            }
            case "drop" -> new ScriptCommand.Drop(a.filter());
            case "hold" -> new ScriptCommand.Hold(a.filter());
            case "release" -> new ScriptCommand.Release();
            case "crash", "restart", "wipe" -> new ScriptCommand.Lifecycle(verb, a.node());
            case "partition" -> partition(a);
            case "isolate" -> new ScriptCommand.Partition(List.of(), a.node());
            case "heal" -> new ScriptCommand.Heal();
            case "stabilize" -> new ScriptCommand.Stabilize();
            case "inject" -> inject(a);
            case "mark" -> new ScriptCommand.Mark();
            case "expect" -> expect(a, block, blockLine);
            default -> throw new IllegalArgumentException("unknown command '" + verb + "' (see scenarios/README.md)");
        };
        if (!(c instanceof ScriptCommand.ExpectDump) && block != null) {
            throw new IllegalArgumentException("only 'expect log|proposed|sent|queued|stored' take a block");
        }
        if (!(c instanceof ScriptCommand.ExpectDump) && !(c instanceof ScriptCommand.Deliver)
                && !(c instanceof ScriptCommand.Drop) && !(c instanceof ScriptCommand.Hold)) {
            a.end();
        }
        return c;
    }

    private static ScriptCommand cluster(Args a) {
        int size = (int) Syntax.number(a.word("the number of nodes"));
        Integer window = null;
        Integer batch = null;
        Integer catchup = null;
        long seed = 0;
        Set<InjectedBug> bugs = Set.of();
        boolean stickiness = false;
        boolean preVote = false;
        while (!a.done()) {
            String option = a.word("an option");
            switch (option) {
                case "pipeline" -> {
                    window = (int) Syntax.number(a.word("the pipeline window"));
                    batch = (int) Syntax.number(a.word("the commands per batch"));
                }
                case "catchup" -> catchup = (int) Syntax.number(a.word("the slots per catch-up page"));
                case "seed" -> seed = Syntax.number(a.word("a seed"));
                case "stickiness" -> stickiness = true;
                case "prevote" -> preVote = true;
                case "bugs" -> {
                    EnumSet<InjectedBug> set = EnumSet.noneOf(InjectedBug.class);
                    for (String bug : a.word("injected bugs").split(",")) {
                        set.add(InjectedBug.valueOf(bug));
                    }
                    bugs = set;
                }
                default -> throw new IllegalArgumentException("unknown cluster option '" + option
                        + "' (pipeline W B, catchup N, seed S, stickiness, prevote, bugs A,B)");
            }
        }
        return new ScriptCommand.Cluster(new ScriptedCluster.Options(size, window, batch, catchup, seed, bugs,
                stickiness, preVote));
    }

    private static int ticks(String word) {
        return switch (word) {
            case "heartbeat" -> ScriptedCluster.HEARTBEAT_TICKS;
            case "election" -> ScriptedCluster.ELECTION_TICKS;
            case "retransmit" -> ScriptedCluster.RETRANSMIT_TICKS;
            case "resubmit" -> ScriptedCluster.RESUBMIT_TICKS;
            default -> (int) Syntax.number(word);
        };
    }

    private static ScriptCommand partition(Args a) {
        List<Set<String>> groups = new ArrayList<>();
        Set<String> group = new LinkedHashSet<>();
        while (!a.done()) {
            if (a.accept("|")) {
                if (group.isEmpty()) {
                    throw new IllegalArgumentException("an empty side of the partition");
                }
                groups.add(group);
                group = new LinkedHashSet<>();
            } else {
                group.add(a.node());
            }
        }
        if (group.isEmpty() || groups.isEmpty()) {
            throw new IllegalArgumentException("partition A B | C D (at least two sides)");
        }
        groups.add(group);
        return new ScriptCommand.Partition(List.copyOf(groups), null);
    }

    private static ScriptCommand inject(Args a) {
        String[] route = a.word("FROM->TO").split("->", -1);
        if (route.length != 2 || !NODE.matcher(route[0]).matches() || !NODE.matcher(route[1]).matches()) {
            throw new IllegalArgumentException("inject FROM->TO Type ..., e.g. inject n3->n1 Prepare 4.n3");
        }
        String from = route[0];
        String to = route[1];
        String type = a.word("a message type");
        Function<ScriptedCluster, Message> build = switch (type) {
            case "Prepare" -> {
                Ballot b = a.ballot();
                long fromSlot = a.accept("from") ? a.number() : 1;
                yield c -> new Message.Prepare(from, to, b, fromSlot);
            }
            case "Accept" -> {
                Ballot b = a.ballot();
                a.expectWord("slot");
                long slot = a.number();
                Value v;
                if (a.accept("noop")) {
                    v = Value.NOOP;
                } else {
                    v = ScriptedCluster.batch(INJECTED_BATCH_MILLIS, a.labels(1));
                }
                long commit = a.accept("commit") ? a.number() : 0;
                yield c -> new Message.Accept(from, to, b, slot, v, commit);
            }
            case "Accepted" -> {
                Ballot b = a.ballot();
                a.expectWord("slot");
                long slot = a.number();
                yield c -> new Message.Accepted(from, to, b, slot);
            }
            case "Heartbeat" -> {
                Ballot b = a.ballot();
                long commit = a.accept("commit") ? a.number() : 0;
                yield c -> new Message.Heartbeat(from, to, b, commit, 0);
            }
            case "Nack" -> {
                Ballot rejected = a.ballot();
                a.expectWord("promised");
                Ballot promised = a.ballot();
                yield c -> new Message.Nack(from, to, rejected, promised);
            }
            case "CatchupRequest" -> {
                a.expectWord("from");
                long fromSlot = a.number();
                yield c -> new Message.CatchupRequest(from, to, fromSlot);
            }
            case "CatchupReply" -> {
                List<Long> slots = new ArrayList<>();
                while (!a.done()) {
                    slots.add(a.number());
                }
                if (slots.isEmpty()) {
                    throw new IllegalArgumentException("inject A->B CatchupReply SLOT... (values from A's disk)");
                }
                yield c -> {
                    List<Message.ChosenEntry> entries = new ArrayList<>();
                    for (long slot : slots) {
                        Value v = c.chosenOnDisk(from, slot).orElseThrow(() -> new IllegalStateException(
                                from + " has no chosen value for slot " + slot + " to send"));
                        entries.add(new Message.ChosenEntry(slot, v));
                    }
                    return new Message.CatchupReply(from, to, entries, c.durable(from).chosenPrefix());
                };
            }
            default -> throw new IllegalArgumentException("inject takes Prepare, Accept, Accepted, Heartbeat, Nack, "
                    + "CatchupRequest or CatchupReply, not '" + type + "'");
        };
        return new ScriptCommand.Inject(build);
    }

    // ---------------------------------------------------------------- expectations

    private ScriptCommand expect(Args a, List<String> block, int blockLine) {
        String what = a.word("what to expect");
        switch (what) {
            case "leader": {
                String node = a.node();
                Ballot ballot = a.accept("ballot") ? a.ballot() : null;
                return new ScriptCommand.ExpectLeader(node, ballot);
            }
            case "role":
                return new ScriptCommand.ExpectRole(a.node(), a.word("follower, candidate, leader or learner"));
            case "status": {
                String node = a.node();
                Map<String, String> fields = new LinkedHashMap<>();
                while (!a.done()) {
                    String pair = a.word("FIELD=VALUE");
                    int eq = pair.indexOf('=');
                    if (eq <= 0) {
                        throw new IllegalArgumentException("expect status NODE FIELD=VALUE..., not '" + pair + "'");
                    }
                    fields.put(pair.substring(0, eq), pair.substring(eq + 1));
                }
                if (fields.isEmpty()) {
                    throw new IllegalArgumentException("expect status NODE FIELD=VALUE...");
                }
                return new ScriptCommand.ExpectStatus(node, fields);
            }
            case "promised":
                return new ScriptCommand.ExpectPromised(a.node(), a.ballot());
            case "chosen": {
                String node = a.node();
                if (a.accept("none")) {
                    return new ScriptCommand.ExpectChosen(node, 0);
                }
                long[] range = Syntax.slotRange(a.word("1..N or none"));
                if (range[0] != 1) {
                    throw new IllegalArgumentException("the chosen slots a node knows in order are 1..N (or none);"
                            + " for slots learned out of order use 'expect stored'");
                }
                return new ScriptCommand.ExpectChosen(node, range[1]);
            }
            case "delivered": {
                String node = a.node();
                return new ScriptCommand.ExpectDelivered(node, a.accept("none") ? List.of() : a.labels(1));
            }
            case "agree": {
                List<String> nodes = new ArrayList<>();
                while (!a.done()) {
                    nodes.add(a.node());
                }
                if (nodes.size() < 2) {
                    throw new IllegalArgumentException("expect agree A B [C...]");
                }
                return new ScriptCommand.ExpectAgree(nodes);
            }
            case "up":
                return new ScriptCommand.ExpectUp(a.node(), true);
            case "down":
                return new ScriptCommand.ExpectUp(a.node(), false);
            case "log", "proposed", "sent", "queued", "stored":
                return dump(what, a, block, blockLine);
            default:
                throw new IllegalArgumentException("unknown expectation '" + what + "' (leader, role, status, "
                        + "promised, chosen, delivered, agree, up, down, log, proposed, sent, queued, stored)");
        }
    }

    private static ScriptCommand dump(String what, Args a, List<String> block, int blockLine) {
        Dump dump;
        boolean none;
        switch (what) {
            case "log", "stored" -> {
                String node = a.node();
                none = a.accept("none");
                dump = what.equals("log") ? new Dump.Log(node) : new Dump.Stored(node);
            }
            case "proposed" -> {
                String node = a.node();
                String to = a.accept("to") ? a.node() : null;
                Ballot ballot = a.accept("ballot") ? a.ballot() : null;
                none = a.accept("none");
                dump = new Dump.Proposed(node, to, ballot);
            }
            default -> {
                none = a.removeLast("none");
                MessageFilter filter = a.filter();
                dump = what.equals("sent") ? new Dump.Sent(filter) : new Dump.Queued(filter);
            }
        }
        a.end();
        if (none == (block != null)) {
            throw new IllegalArgumentException("expect " + what + " ends either in ':' and an indented block, "
                    + "or in 'none'");
        }
        return new ScriptCommand.ExpectDump(dump, none ? List.of() : List.copyOf(block), blockLine);
    }

    // ---------------------------------------------------------------- reading words

    /** The tokens of one line, read left to right. */
    private static final class Args {
        private final List<Token> tokens;
        private int i;

        Args(List<Token> tokens) {
            this.tokens = new ArrayList<>(tokens);
        }

        boolean done() {
            return i >= tokens.size();
        }

        String word(String what) {
            if (done()) {
                throw new IllegalArgumentException("missing " + what);
            }
            Token t = tokens.get(i++);
            if (t.quoted()) {
                throw new IllegalArgumentException("expected " + what + ", found the label " + t);
            }
            return t.text();
        }

        boolean accept(String word) {
            if (!done() && !tokens.get(i).quoted() && tokens.get(i).text().equals(word)) {
                i++;
                return true;
            }
            return false;
        }

        boolean removeLast(String word) {
            int last = tokens.size() - 1;
            if (last >= i && !tokens.get(last).quoted() && tokens.get(last).text().equals(word)) {
                tokens.remove(last);
                return true;
            }
            return false;
        }

        void expectWord(String word) {
            if (!accept(word)) {
                throw new IllegalArgumentException("expected '" + word + "'"
                        + (done() ? "" : ", found '" + tokens.get(i) + "'"));
            }
        }

        String node() {
            String node = word("a node (n1, n2, ...)");
            if (!NODE.matcher(node).matches()) {
                throw new IllegalArgumentException("a node is n1, n2, ...: '" + node + "'");
            }
            return node;
        }

        long number() {
            return Syntax.number(word("a number"));
        }

        Ballot ballot() {
            return Syntax.ballot(word("a ballot (ROUND.NODE)"));
        }

        /** Quoted labels up to the next bare word, at least {@code min} of them. */
        List<String> labels(int min) {
            List<String> labels = new ArrayList<>();
            while (!done() && tokens.get(i).quoted()) {
                labels.add(tokens.get(i++).text());
            }
            if (labels.size() < min) {
                throw new IllegalArgumentException("expected quoted command labels, e.g. \"a\" \"b\"");
            }
            return labels;
        }

        /** The rest of the line as a message filter. */
        MessageFilter filter() {
            MessageFilter f = MessageFilter.parse(tokens.subList(i, tokens.size()));
            i = tokens.size();
            return f;
        }

        void end() {
            if (!done()) {
                throw new IllegalArgumentException("unexpected '" + tokens.get(i) + "'");
            }
        }
    }
}
