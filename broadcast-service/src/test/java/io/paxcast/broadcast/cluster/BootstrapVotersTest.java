package io.paxcast.broadcast.cluster;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** cluster.voters is recorded at the first start and a later start with other voters is refused. */
class BootstrapVotersTest {

    @Test
    void theFirstStartRecordsTheVotersAndALaterStartWithOthersIsRefused(@TempDir Path dir) throws Exception {
        BootstrapVoters.check(dir, List.of("n1", "n2", "n3"));
        assertEquals("n1,n2,n3", Files.readString(dir.resolve(BootstrapVoters.FILE)).trim());
        assertDoesNotThrow(() -> BootstrapVoters.check(dir, List.of("n1", "n2", "n3")), "the same voters start");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> BootstrapVoters.check(dir, List.of("n1", "n2", "n4")));
        assertTrue(e.getMessage().contains("cluster.voters is n1,n2,n4") && e.getMessage().contains("created with n1,n2,n3"),
                e.getMessage());
        assertEquals("n1,n2,n3", Files.readString(dir.resolve(BootstrapVoters.FILE)).trim(), "the record is unchanged");
    }
}
