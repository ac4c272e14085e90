package io.paxcast.paxos.core.script;

import io.paxcast.paxos.core.Ballot;

/** The small literals of the language: ballots ({@code 2.n3}, {@code 0}), slots and slot ranges. */
final class Syntax {

    private Syntax() {
    }

    /** {@code <round>.<node>} as {@code Ballot.toString()} prints it; {@code 0} for the zero ballot. */
    static Ballot ballot(String text) {
        if (text.equals("0")) {
            return Ballot.ZERO;
        }
        int dot = text.indexOf('.');
        if (dot <= 0 || dot == text.length() - 1) {
            throw new IllegalArgumentException("a ballot is ROUND.NODE, e.g. 2.n3 (or 0): '" + text + "'");
        }
        return new Ballot(number(text.substring(0, dot)), text.substring(dot + 1));
    }

    static long number(String text) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a number: '" + text + "'");
        }
    }

    /** {@code N} or {@code A..B}, as [low, high]. */
    static long[] slotRange(String text) {
        int dots = text.indexOf("..");
        if (dots < 0) {
            long slot = number(text);
            return new long[] {slot, slot};
        }
        long low = number(text.substring(0, dots));
        long high = number(text.substring(dots + 2));
        if (low < 1 || high < low) {
            throw new IllegalArgumentException("a slot range is A..B with 1 <= A <= B: '" + text + "'");
        }
        return new long[] {low, high};
    }
}
