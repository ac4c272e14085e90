package io.paxcast.paxos.core;

import io.paxcast.paxos.core.Message.Accept;
import io.paxcast.paxos.core.Message.Accepted;
import io.paxcast.paxos.core.Message.Heartbeat;
import io.paxcast.paxos.core.Message.Nack;
import io.paxcast.paxos.core.Message.Prepare;
import io.paxcast.paxos.core.Message.Promise;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

import static io.paxcast.paxos.core.TestCluster.batch;
import static io.paxcast.paxos.core.TestCluster.labels;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Paxos Made Simple, P1a: "an acceptor can accept a proposal numbered n iff it has not responded to
 * a prepare request having a number greater than n", and DESIGN.md P2: the promise only grows, also
 * across restarts, and a rejection names the higher ballot so the proposer can step up.
 */
class AcceptorPromiseTest {

    private static final Ballot PROMISED = new Ballot(5, "n2");
    private static final Value V = batch(1_000, "x");

    static Stream<Ballot> ballotsBelowThePromise() {
        return Stream.of(Ballot.ZERO, new Ballot(1, "n3"), new Ballot(4, "n3"), new Ballot(5, "n1"));
    }

    /** The one message {@code in}'s addressee sends back to its sender. */
    private static Message answer(TestCluster c, Message in) {
        int mark = c.sent(in.to()).size();
        c.inject(in);
        List<Message> back = c.sentSince(in.to(), mark).stream().filter(m -> m.to().equals(in.from())).toList();
        assertEquals(1, back.size(), "exactly one answer to " + in + ", got " + back);
        return back.get(0);
    }

    private static TestCluster promisedTo(Ballot ballot, Set<InjectedBug> bugs) {
        TestCluster c = TestCluster.builder(3).bugs(bugs).build();
        Message reply = answer(c, new Prepare(ballot.nodeId(), "n1", ballot, 1));
        assertEquals(new Promise("n1", ballot.nodeId(), ballot, 0, List.of(), 0), reply);
        return c;
    }

    @ParameterizedTest
    @MethodSource("ballotsBelowThePromise")
    void anAcceptorNacksAPrepareBelowItsPromiseAndNamesThePromise(Ballot lower) {
        TestCluster c = promisedTo(PROMISED, Set.of());

        Message reply = answer(c, new Prepare("n3", "n1", lower, 1));

        assertEquals(new Nack("n1", "n3", lower, PROMISED), reply);
        assertEquals(PROMISED, c.status("n1").promised());
    }

    @ParameterizedTest
    @MethodSource("ballotsBelowThePromise")
    void anAcceptorNacksAnAcceptBelowItsPromiseAndDoesNotVote(Ballot lower) {
        TestCluster c = promisedTo(PROMISED, Set.of());
        int readies = c.drained("n1").size();

        Message reply = answer(c, new Accept("n3", "n1", lower, 1, V, 0));

        assertEquals(new Nack("n1", "n3", lower, PROMISED), reply);
        List<TestCluster.Drained> after = c.drained("n1").subList(readies, c.drained("n1").size());
        assertTrue(after.stream().allMatch(d -> d.ready().writes().isEmpty()), "a rejected Accept writes nothing");
        assertTrue(c.storage("n1").load().slots().isEmpty(), "no vote recorded for slot 1");
    }

    @Test
    void anAcceptorAnswersAPrepareAtOrAboveItsPromise() {
        TestCluster c = promisedTo(PROMISED, Set.of());

        assertInstanceOf(Promise.class, answer(c, new Prepare("n2", "n1", PROMISED, 1)), "the same ballot again");
        Ballot higher = new Ballot(5, "n3");
        assertInstanceOf(Promise.class, answer(c, new Prepare("n3", "n1", higher, 1)));
        assertEquals(higher, c.storage("n1").promised());
    }

    @Test
    void anAcceptAtAHigherBallotRaisesThePromiseDurably() {
        TestCluster c = promisedTo(PROMISED, Set.of());
        Ballot higher = new Ballot(6, "n3");

        assertEquals(new Accepted("n1", "n3", higher, 1), answer(c, new Accept("n3", "n1", higher, 1, V, 0)));
        assertEquals(higher, c.storage("n1").promised());

        assertEquals(new Nack("n1", "n2", PROMISED, higher), answer(c, new Prepare("n2", "n1", PROMISED, 1)));
    }

    @Test
    void aPromiseSurvivesARestartFromStorage() {
        TestCluster c = promisedTo(PROMISED, Set.of());
        c.crash("n1");
        c.restart("n1");

        assertEquals(PROMISED, c.status("n1").promised());
        Ballot lower = new Ballot(4, "n3");
        assertEquals(new Nack("n1", "n3", lower, PROMISED), answer(c, new Prepare("n3", "n1", lower, 1)));
        assertEquals(new Nack("n1", "n3", lower, PROMISED), answer(c, new Accept("n3", "n1", lower, 1, V, 0)));
        assertEquals(new Nack("n1", "n3", lower, PROMISED), answer(c, new Heartbeat("n3", "n1", lower, 0, 0)));
        assertEquals(Optional.empty(), c.storage("n1").chosen(1));
        assertTrue(c.storage("n1").load().slots().isEmpty());
    }

    @Test
    void anAcceptedVoteSurvivesARestartAndIsReportedToTheNextLeader() {
        TestCluster c = promisedTo(PROMISED, Set.of());
        answer(c, new Accept("n2", "n1", PROMISED, 1, V, 0));
        c.crash("n1");
        c.restart("n1");

        Ballot next = new Ballot(6, "n3");
        Message reply = answer(c, new Prepare("n3", "n1", next, 1));

        assertEquals(new Promise("n1", "n3", next, 0, List.of(new Message.SlotEntry(1, PROMISED, V, false)), 0), reply);
    }

    // ------------------------------------------------------------ the checks above can fail

    @Test
    void anAcceptorThatIgnoresItsPromiseIsCaughtByTheseChecks() {
        TestCluster c = promisedTo(PROMISED, Set.of(InjectedBug.ACCEPTOR_IGNORES_PROMISE));
        Ballot lower = new Ballot(4, "n3");

        Message reply = answer(c, new Accept("n3", "n1", lower, 1, V, 0));

        assertInstanceOf(Accepted.class, reply, "the injected bug votes below the promise: the Nack check would fail");
    }

    @Test
    void anAcceptorThatForgetsItsPromiseIsCaughtByTheRestartCheck() {
        TestCluster c = promisedTo(PROMISED, Set.of(InjectedBug.ACCEPTOR_FORGETS_PROMISE));
        c.crash("n1");
        c.restart("n1");
        Ballot lower = new Ballot(4, "n3");

        Message reply = answer(c, new Prepare("n3", "n1", lower, 1));

        assertInstanceOf(Promise.class, reply, "the injected bug promises below its old promise after a restart");
    }
}
