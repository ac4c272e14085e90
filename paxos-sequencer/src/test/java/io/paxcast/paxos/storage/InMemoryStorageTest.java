package io.paxcast.paxos.storage;

import io.paxcast.paxos.core.Ballot;
import io.paxcast.paxos.core.DurableState;
import io.paxcast.paxos.core.StorageWrite.Accepted;
import io.paxcast.paxos.core.StorageWrite.Promised;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class InMemoryStorageTest extends PaxosStorageContractTest {

    private InMemoryStorage memory;

    @Override
    PaxosStorage create() {
        memory = new InMemoryStorage();
        return memory;
    }

    /** The simulator's restart: the same object, closed (as a crash would leave it) and loaded again. */
    @Override
    PaxosStorage restart() {
        memory.close();
        return memory;
    }

    @Test
    void countsGroupsAndForgetsEverythingWhenWiped() {
        write(new Promised(B1), new Accepted(1, B1, value("a")));
        write(new Accepted(2, B1, value("b")));
        assertEquals(2, memory.groupsWritten());
        assertEquals(B1, memory.promised());
        memory.wipe();
        DurableState state = memory.load();
        assertEquals(Ballot.ZERO, state.promised());
        assertEquals(List.of(), state.slots());
    }
}
