package io.paxcast.paxos.core.script;

import java.util.ArrayList;
import java.util.List;

/**
 * One word of a script line: a bare word ({@code propose}, {@code n1}, {@code n1->n2}, {@code 2.n3}) or a
 * quoted command label ({@code "a"}). Quotes keep a label apart from the words of the language.
 */
record Token(String text, boolean quoted) {

    @Override
    public String toString() {
        return quoted ? '"' + text + '"' : text;
    }

    /**
     * The tokens of one line; a {@code #} outside quotes starts a comment to the end of the line.
     *
     * @throws IllegalArgumentException on an unterminated quote
     */
    static List<Token> split(String line) {
        List<Token> tokens = new ArrayList<>();
        int i = 0;
        int n = line.length();
        while (i < n) {
            char ch = line.charAt(i);
            if (Character.isWhitespace(ch)) {
                i++;
            } else if (ch == '#') {
                break;
            } else if (ch == '"') {
                int end = line.indexOf('"', i + 1);
                if (end < 0) {
                    throw new IllegalArgumentException("unterminated quote at column " + (i + 1));
                }
                tokens.add(new Token(line.substring(i + 1, end), true));
                i = end + 1;
            } else {
                int start = i;
                while (i < n && !Character.isWhitespace(line.charAt(i)) && line.charAt(i) != '"'
                        && line.charAt(i) != '#') {
                    i++;
                }
                tokens.add(new Token(line.substring(start, i), false));
            }
        }
        return tokens;
    }
}
