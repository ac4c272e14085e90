package io.paxcast.paxos.core.script;

import org.opentest4j.AssertionFailedError;

import java.util.List;

/**
 * A scenario that did not go as written, always naming the file and line: a syntax error, a step that
 * could not run (no such message, a node that is down, a broken invariant), or an expectation that did
 * not hold, with the expected and actual text (also as the {@link AssertionFailedError} values, so an
 * IDE shows the diff).
 */
public final class ScriptFailure extends AssertionFailedError {

    private final String file;
    private final int line;

    private ScriptFailure(String file, int line, String message, Object expected, Object actual, Throwable cause) {
        super(message, expected, actual, cause);
        this.file = file;
        this.line = line;
    }

    /** The script's name, as its runner was given it (e.g. {@code scenarios/hold-back.txt}). */
    public String file() {
        return file;
    }

    /** The 1-based line of the step that failed. */
    public int line() {
        return line;
    }

    private static String where(String file, int line, String source) {
        return file + ":" + line + ": " + source.strip();
    }

    static ScriptFailure syntax(String file, int line, String source, String problem) {
        return new ScriptFailure(file, line, where(file, line, source) + "\n  syntax: " + problem, null, null, null);
    }

    static ScriptFailure error(String file, int line, String source, Throwable cause) {
        String problem = cause.getMessage() == null ? cause.toString() : cause.getMessage();
        return new ScriptFailure(file, line, where(file, line, source) + "\n  failed: " + problem, null, null, cause);
    }

    static ScriptFailure mismatch(String file, int line, String source, String expected, String actual) {
        return new ScriptFailure(file, line, where(file, line, source)
                + "\n  expected: " + expected
                + "\n  actual:   " + actual, expected, actual, null);
    }

    /** A dump that differs from the block: both in full, and the first line where they part. */
    static ScriptFailure dump(String file, int line, String source, int blockLine, List<String> expected,
                              List<String> actual) {
        int first = 0;
        while (first < expected.size() && first < actual.size() && expected.get(first).equals(actual.get(first))) {
            first++;
        }
        StringBuilder b = new StringBuilder(where(file, line, source));
        b.append("\n  expected:");
        appendBlock(b, expected);
        b.append("\n  actual:");
        appendBlock(b, actual);
        b.append("\n  first difference: block line ").append(first + 1);
        if (first < expected.size()) {
            b.append(" (").append(file).append(':').append(blockLine + first).append(")");
        }
        b.append(": expected ").append(first < expected.size() ? "'" + expected.get(first) + "'" : "nothing more")
                .append(", actual ").append(first < actual.size() ? "'" + actual.get(first) + "'" : "nothing more");
        return new ScriptFailure(file, line, b.toString(), String.join("\n", expected), String.join("\n", actual), null);
    }

    private static void appendBlock(StringBuilder b, List<String> lines) {
        if (lines.isEmpty()) {
            b.append(" none");
        }
        for (String l : lines) {
            b.append("\n    ").append(l);
        }
    }
}
