package io.paxcast.paxos.core.script;

import io.paxcast.paxos.core.Message;

import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Which messages a {@code deliver}, {@code drop}, {@code hold} or {@code expect sent/queued} line means:
 * {@code [FROM->TO] [Type[|Type...]] [slot N | slot A..B]}, each part optional, {@code *} for any node,
 * a lone {@code *} for every message. Examples: {@code n1->n2 Accept slot 3}, {@code *->n1},
 * {@code Forward}, {@code n3->* Prepare|Accept}.
 */
record MessageFilter(String from, String to, Set<String> types, long slotLow, long slotHigh, String text)
        implements Predicate<Message> {

    /** The simple names of every message type of the core ({@code Prepare}, {@code Promise}, ...). */
    static final Set<String> TYPES = Arrays.stream(Message.class.getPermittedSubclasses())
            .map(Class::getSimpleName).collect(Collectors.toUnmodifiableSet());

    static final MessageFilter ANY = new MessageFilter(null, null, Set.of(), 0, Long.MAX_VALUE, "*");

    @Override
    public boolean test(Message m) {
        if (from != null && !from.equals(m.from()) || to != null && !to.equals(m.to())) {
            return false;
        }
        if (!types.isEmpty() && !types.contains(m.getClass().getSimpleName())) {
            return false;
        }
        if (slotLow == 0 && slotHigh == Long.MAX_VALUE) {
            return true;
        }
        long slot = m instanceof Message.Accept a ? a.slot() : m instanceof Message.Accepted a ? a.slot() : -1;
        return slot >= slotLow && slot <= slotHigh;
    }

    /** Parses the whole of {@code tokens} as a filter. */
    static MessageFilter parse(List<Token> tokens) {
        String text = tokens.stream().map(Token::toString).collect(Collectors.joining(" "));
        if (tokens.isEmpty()) {
            throw new IllegalArgumentException("which messages? e.g. 'n1->n2 Accept slot 3', or '*' for all");
        }
        if (tokens.size() == 1 && tokens.get(0).text().equals("*") && !tokens.get(0).quoted()) {
            return ANY;
        }
        String from = null;
        String to = null;
        Set<String> types = Set.of();
        long low = 0;
        long high = Long.MAX_VALUE;
        int i = 0;
        if (tokens.get(i).text().contains("->")) {
            String[] route = tokens.get(i).text().split("->", -1);
            if (route.length != 2 || route[0].isEmpty() || route[1].isEmpty()) {
                throw new IllegalArgumentException("a route is FROM->TO (either may be *): " + tokens.get(i));
            }
            from = route[0].equals("*") ? null : route[0];
            to = route[1].equals("*") ? null : route[1];
            i++;
        }
        if (i < tokens.size() && !tokens.get(i).text().equals("slot")) {
            types = Set.of(tokens.get(i).text().split("\\|"));
            for (String type : types) {
                if (!TYPES.contains(type)) {
                    throw new IllegalArgumentException("no message type '" + type + "'; the types are "
                            + TYPES.stream().sorted().toList());
                }
            }
            i++;
        }
        if (i < tokens.size() && tokens.get(i).text().equals("slot")) {
            if (i + 1 >= tokens.size()) {
                throw new IllegalArgumentException("slot N or slot A..B");
            }
            long[] range = Syntax.slotRange(tokens.get(i + 1).text());
            low = range[0];
            high = range[1];
            i += 2;
        }
        if (i != tokens.size()) {
            throw new IllegalArgumentException("unexpected '" + tokens.get(i) + "' in message filter '" + text
                    + "' (FROM->TO Type slot N)");
        }
        return new MessageFilter(from, to, types, low, high, text);
    }

    @Override
    public String toString() {
        return text;
    }
}
