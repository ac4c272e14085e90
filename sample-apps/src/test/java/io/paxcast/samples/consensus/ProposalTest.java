package io.paxcast.samples.consensus;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The filter every contender applies to what it is delivered. */
class ProposalTest {

    @Test
    void aProposalRoundTrips() {
        Proposal p = new Proposal(3, "c2", "leader=c2");
        assertEquals(Optional.of(p), Proposal.parse(3, new JsonObject(p.toJson().encode())));
    }

    @Test
    void anythingElseIsSkipped() {
        assertTrue(Proposal.parse(1, "hello").isEmpty());
        assertTrue(Proposal.parse(1, new JsonObject().put("round", 1).put("candidate", "c1")).isEmpty());
        assertTrue(Proposal.parse(1, new JsonObject().put("round", 2).put("candidate", "c1").put("value", "v")).isEmpty());
        assertTrue(Proposal.parse(1, new JsonObject().put("round", 1.5).put("candidate", "c1").put("value", "v")).isEmpty());
        assertTrue(Proposal.parse(1, new JsonObject().put("round", 1).put("candidate", 7).put("value", "v")).isEmpty());
    }
}
