package io.paxcast.paxos.core.script;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Runs every scenario script under {@code src/test/resources/scenarios/} (the language:
 * {@code scenarios/README.md}), one dynamic test per file. A failure names the file and line.
 */
class ScenarioFilesTest {

    private static final String DIR = "scenarios";
    private static final Path SOURCES = Path.of("src", "test", "resources", DIR);

    @TestFactory
    Stream<DynamicTest> everyScenarioFile() throws IOException, URISyntaxException {
        List<Path> files = scenarioFiles();
        assertFalse(files.isEmpty(), "no scenario files under " + DIR + "/");
        return files.stream().map(file -> {
            String name = file.getFileName().toString();
            Path source = SOURCES.resolve(name);
            URI uri = Files.exists(source) ? source.toAbsolutePath().toUri() : file.toUri();
            return DynamicTest.dynamicTest(name, uri,
                    () -> ScriptInterpreter.run(DIR + "/" + name, Files.readString(file)));
        });
    }

    /** The {@code *.txt} files of the scenarios directory on the test class path, by name. */
    static List<Path> scenarioFiles() throws IOException, URISyntaxException {
        URL dir = ScenarioFilesTest.class.getClassLoader().getResource(DIR);
        assertNotNull(dir, DIR + "/ is not on the test class path");
        try (Stream<Path> files = Files.list(Path.of(dir.toURI()))) {
            return files.filter(p -> p.getFileName().toString().endsWith(".txt")).sorted().toList();
        }
    }
}
