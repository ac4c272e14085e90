package io.paxcast.bench;

import io.paxcast.paxos.storage.FsyncPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StorageBenchSmokeTest {

    @TempDir
    Path dir;

    @Test
    void smokeModeMeasuresEveryCell() throws Exception {
        StorageBench.Options options = StorageBench.Options.defaults(dir).smoke();
        List<StorageBench.Cell> cells = StorageBench.run(options, new PrintStream(OutputStream.nullOutputStream()));
        assertEquals(9, cells.size());
        for (StorageBench.Cell cell : cells) {
            for (StorageBench.Measurement m : List.of(cell.paxcast(), cell.baseline())) {
                String name = cell.policy() + "/" + cell.batch();
                assertTrue(m.batches() > 0 && m.batchesPerSecond() > 0, name);
                assertTrue(m.messagesPerSecond() > 0 && m.megabytesPerSecond() > 0, name);
                assertTrue(m.latencyNanos().getTotalCount() == m.batches(), name);
            }
        }
        assertEquals(List.of(FsyncPolicy.ALWAYS, FsyncPolicy.INTERVAL, FsyncPolicy.NONE),
                cells.stream().map(StorageBench.Cell::policy).distinct().toList());
        String table = StorageBench.table(cells);
        assertEquals(2 + 9, table.lines().count(), table);
        try (var left = Files.list(dir)) {
            assertEquals(0, left.count(), "every cell deletes its store");
        }
    }
}
