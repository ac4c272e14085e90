package io.paxcast.paxos.core.script;

import java.util.List;

/**
 * A parsed scenario: its name (the file, as failures cite it) and its steps in file order.
 *
 * @param steps each with the 1-based line it came from and that line's text
 */
record Script(String name, List<Step> steps) {

    record Step(int line, String source, ScriptCommand command) {}
}
