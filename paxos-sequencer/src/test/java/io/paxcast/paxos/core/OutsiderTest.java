package io.paxcast.paxos.core;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A node refuses Paxos messages from an id outside the membership it knows ({@link SenderCheck},
 * DESIGN.md P19): a stray "x9" cannot raise a promise, have a value accepted, get a command ordered or
 * be served the log; a pre-vote is still answered (it changes nothing). A sender that shows it learned
 * more of the log than the node applied is heard: the configuration that names it may be in what the
 * node has not applied yet (the membership simulation checks that no lagging member is stranded).
 */
class OutsiderTest {
    private static final Ballot HIGH = new Ballot(1_000, "x9");

    private static Value strayValue() {
        Command stray = new Command(new CommandId("x9", 1, 1), 1, new byte[] {'x'});
        return Value.batch(1, 1, List.of(stray));
    }

    /** Three nodes, n1 leading, "a" ordered and applied everywhere. */
    private static TestCluster clusterWithOneCommand() {
        TestCluster c = TestCluster.builder(3).build();
        c.elect("n1");
        c.submit("n1", "a");
        c.flush("n1");
        c.runUntilQuiet();
        return c;
    }

    @Test
    void aStrayIdIsRefusedOnEveryPathThatChangesStateOrServesTheLog() {
        TestCluster c = clusterWithOneCommand();
        Ballot promisedBefore = c.status("n2").promised();
        long refusedBefore = c.node("n2").refusedFromOutsiders();
        long leaderRefusedBefore = c.node("n1").refusedFromOutsiders();
        int n2Mark = c.sent("n2").size();
        int n1Mark = c.sent("n1").size();

        c.inject(new Message.Prepare("x9", "n2", HIGH, 1));
        c.inject(new Message.Accept("x9", "n2", HIGH, 2, strayValue(), 1));
        c.inject(new Message.CatchupRequest("x9", "n2", 1));
        c.inject(new Message.Forward("x9", "n1", List.of(new Command(new CommandId("x9", 1, 2), 1, new byte[] {'y'}))));
        c.inject(new Message.PreVote("x9", "n2", HIGH));
        c.runUntilQuiet();
        c.flush("n1");
        c.runUntilQuiet();

        assertEquals(promisedBefore, c.status("n2").promised(), "no promise to the stray's ballot");
        List<Message> toStray = c.sentSince("n2", n2Mark).stream().filter(m -> m.to().equals("x9")).toList();
        assertEquals(1, toStray.size(), "only the pre-vote is answered: " + toStray);
        assertTrue(toStray.get(0) instanceof Message.PreVoteReply reply && !reply.granted(),
                "and not granted while n2 hears its leader: " + toStray);
        assertTrue(c.sentSince("n1", n1Mark).stream().noneMatch(m -> m.to().equals("x9")), "nothing goes to x9 from n1");
        assertEquals(List.of("a"), TestCluster.appliedIds(c.delivered("n2")), "the stray's commands are not ordered");
        assertEquals(List.of("a"), TestCluster.appliedIds(c.delivered("n1")));
        assertEquals(3, c.node("n2").refusedFromOutsiders() - refusedBefore, "prepare, accept, catch-up request");
        assertEquals(1, c.node("n1").refusedFromOutsiders() - leaderRefusedBefore, "the forward");
    }

    @Test
    void aStrayThatKnowsMoreOfTheLogIsAskedForItButNotObeyed() {
        TestCluster c = clusterWithOneCommand();
        long applied = c.status("n2").deliveredUpTo();
        Ballot promisedBefore = c.status("n2").promised();
        int mark = c.sent("n2").size();
        // a Prepare whose sender learned more of the log than n2 applied: the change that added it could
        // be in the slots n2 has not applied, so n2 asks it for them, and promises nothing meanwhile
        c.inject(new Message.Prepare("x9", "n2", HIGH, applied + 10));
        assertEquals(promisedBefore, c.status("n2").promised(), "no promise to a sender it does not know");
        List<Message> toStray = c.sentSince("n2", mark).stream().filter(m -> m.to().equals("x9")).toList();
        assertTrue(toStray.stream().anyMatch(m -> m instanceof Message.CatchupRequest r && r.fromSlot() == applied + 1),
                "it asks the stray for the log it claims to know: " + toStray);
        assertTrue(toStray.stream().noneMatch(m -> m instanceof Message.Promise), toStray.toString());
    }
}
