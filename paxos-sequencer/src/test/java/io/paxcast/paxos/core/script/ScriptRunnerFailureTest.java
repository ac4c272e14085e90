package io.paxcast.paxos.core.script;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The runner can fail, and says where: a wrong expectation, a wrong dump, a step that cannot run and a
 * syntax error each stop the script with a {@link ScriptFailure} naming the file and line, with the
 * expected and actual text.
 */
class ScriptRunnerFailureTest {

    private static final String ELECTED = """
            # n1 leads and gets "a" chosen
            cluster 3
            elect n1
            propose n1 "a"
            stabilize
            """;

    private static ScriptFailure failure(String text) {
        return assertThrows(ScriptFailure.class, () -> ScriptInterpreter.run("wrong.txt", text));
    }

    @Test
    void aRightScriptPasses() {
        ScriptInterpreter.run("right.txt", ELECTED + """
                expect delivered n2 "a"
                expect log n3:
                  1 "a"
                """);
    }

    @Test
    void aWrongExpectationIsReportedWithFileLineExpectedAndActual() {
        ScriptFailure f = failure(ELECTED + """
                expect leader n1 ballot 1.n1
                expect delivered n2 "a" "b"
                expect delivered n3 "a"
                """);

        assertEquals("wrong.txt", f.file());
        assertEquals(7, f.line());
        assertEquals("wrong.txt:7: expect delivered n2 \"a\" \"b\"\n"
                + "  expected: \"a\" \"b\"\n"
                + "  actual:   \"a\"", f.getMessage());
        assertEquals("\"a\" \"b\"", f.getExpected().getValue());
        assertEquals("\"a\"", f.getActual().getValue());
    }

    @Test
    void aWrongDumpNamesTheFirstLineOfTheBlockThatDiffers() {
        ScriptFailure f = failure(ELECTED + """
                propose n1 "b"
                stabilize
                expect log n2:
                  1 "a"
                  2 "c"
                """);

        assertEquals(8, f.line());
        String message = f.getMessage();
        assertTrue(message.startsWith("wrong.txt:8: expect log n2:"), message);
        assertTrue(message.contains("first difference: block line 2 (wrong.txt:10): expected '2 \"c\"', actual '2 \"b\"'"),
                message);
        assertEquals("1 \"a\"\n2 \"c\"", f.getExpected().getValue());
        assertEquals("1 \"a\"\n2 \"b\"", f.getActual().getValue());
    }

    @Test
    void aStepThatCannotRunIsReportedAtItsLine() {
        ScriptFailure f = failure(ELECTED + """
                crash n2
                deliver n1->n3 Accept slot 7
                """);

        assertEquals(7, f.line());
        assertTrue(f.getMessage().startsWith("wrong.txt:7: deliver n1->n3 Accept slot 7\n  failed: no message matching"),
                f.getMessage());
    }

    @Test
    void aSyntaxErrorIsReportedBeforeAnythingRuns() {
        ScriptFailure f = failure(ELECTED + "expect delivered n2 a\n");

        assertEquals(6, f.line());
        assertTrue(f.getMessage().contains("syntax: expected quoted command labels"), f.getMessage());
        assertEquals(3, failure("cluster 3\nelect n1\nfrobnicate n2\n").line());
    }

    /** The example in scenarios/README.md runs as written, and fails as the README says when wrong. */
    @Test
    void theReadmesExampleRunsAndItsFailureLooksAsTheReadmeShows() throws Exception {
        Path readme = ScenarioFilesTest.scenarioFiles().get(0).resolveSibling("README.md");
        String text = Files.readString(readme);
        String example = text.substring(text.indexOf("## Example")).lines().skip(1)
                .filter(l -> l.startsWith("    ") || l.isBlank()).map(l -> l.isBlank() ? l : l.substring(4))
                .reduce("", (a, b) -> a + b + "\n");
        ScriptInterpreter.run("README.md example", example);

        ScriptFailure f = failure(example.replace("expect delivered n1 none", "expect delivered n1 \"a\""));
        assertTrue(f.getMessage().contains("expected: \"a\"\n  actual:   none"), f.getMessage());
    }

    /**
     * A real scenario file has teeth: the acceptor-promise script, run against an acceptor with an
     * injected bug that votes below its promise, fails at the first expectation that checks the Nack.
     */
    @Test
    void theAcceptorPromiseScenarioCatchesAnAcceptorThatIgnoresItsPromise() throws Exception {
        Path file = ScenarioFilesTest.scenarioFiles().stream()
                .filter(p -> p.getFileName().toString().equals("acceptor-promise.txt")).findFirst().orElseThrow();
        String text = Files.readString(file);
        ScriptInterpreter.run("acceptor-promise.txt", text); // as written, it passes

        String buggy = text.replaceFirst("(?m)^cluster 3$", "cluster 3 bugs ACCEPTOR_IGNORES_PROMISE");
        ScriptFailure f = failure(buggy);

        assertTrue(f.getMessage().contains("Nack") || f.getMessage().contains("Accepted"), f.getMessage());
        assertTrue(f.line() > 1, f.getMessage());
    }
}
