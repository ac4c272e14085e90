package io.paxcast.paxos.core.script;

import io.paxcast.paxos.core.Ballot;
import io.paxcast.paxos.core.Message;
import io.paxcast.paxos.core.ScriptedCluster;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Every line a scenario script can hold, parsed: the actions (what happens to the cluster) and the
 * expectations (what must then hold). The words of each are in {@code scenarios/README.md}.
 */
sealed interface ScriptCommand {

    // ------------------------------------------------------------ actions

    /** {@code cluster 5 [pipeline W B] [catchup N] [seed S] [stickiness] [prevote] [bugs A,B]}: the first line. */
    record Cluster(ScriptedCluster.Options options) implements ScriptCommand {}

    /** {@code submit n2 "a" "b"}: clients hand commands to n2. {@code propose}: the same, then {@code flush}. */
    record Submit(String node, List<String> labels, boolean flush) implements ScriptCommand {}

    /** {@code flush n1}: a leader closes a batch from its queue now and sends the Accepts. */
    record Flush(String node) implements ScriptCommand {}

    /** {@code tick n1 [N | heartbeat | election | retransmit | resubmit]}: logical time for one node. */
    record Tick(String node, int times) implements ScriptCommand {}

    /** {@code campaign n3}: ticks n3 alone until it sends its Prepares; nothing is delivered. */
    record Campaign(String node) implements ScriptCommand {}

    /** {@code elect n1}: campaign, then stabilize; fails unless n1 ends up leader. */
    record Elect(String node) implements ScriptCommand {}

    /** {@code deliver FILTER}: the oldest matching message arrives; {@code deliver all FILTER}: each queued one. */
    record Deliver(MessageFilter filter, boolean all) implements ScriptCommand {}

    /** {@code drop FILTER}: every matching message now in the network is lost. */
    record Drop(MessageFilter filter) implements ScriptCommand {}

    /** {@code hold FILTER}: matching messages stay queued through stabilize until {@code release}. */
    record Hold(MessageFilter filter) implements ScriptCommand {}

    record Release() implements ScriptCommand {}

    /** {@code crash n2}, {@code restart n2}, {@code wipe n2} (crash and lose the disk). */
    record Lifecycle(String verb, String node) implements ScriptCommand {}

    /** {@code partition n1 | n2 n3}: messages between groups are lost; {@code isolate n3}: n3 alone. */
    record Partition(List<Set<String>> groups, String isolated) implements ScriptCommand {}

    record Heal() implements ScriptCommand {}

    /** {@code stabilize}: deliver queued messages, oldest first, until only held ones remain. */
    record Stabilize() implements ScriptCommand {}

    /** {@code inject n3->n1 Prepare 4.n3}: a message the script wrote arrives at its addressee. */
    record Inject(Function<ScriptedCluster, Message> message) implements ScriptCommand {}

    /** {@code mark}: {@code expect sent} looks only at messages sent after this line. */
    record Mark() implements ScriptCommand {}

    // ------------------------------------------------------------ expectations

    /** {@code expect leader n3 [ballot 2.n3]}. */
    record ExpectLeader(String node, Ballot ballot) implements ScriptCommand {}

    /** {@code expect role n1 follower}. */
    record ExpectRole(String node, String role) implements ScriptCommand {}

    /** {@code expect status n1 leaderId=n2 inFlightSlots=0}: fields of {@code NodeStatus}. */
    record ExpectStatus(String node, Map<String, String> fields) implements ScriptCommand {}

    /** {@code expect promised n2 1.n1}. */
    record ExpectPromised(String node, Ballot ballot) implements ScriptCommand {}

    /** {@code expect chosen n1 1..3} (the chosen prefix is 3) or {@code expect chosen n1 none}. */
    record ExpectChosen(String node, long prefix) implements ScriptCommand {}

    /** {@code expect delivered n2 "a" "b"} or {@code none}: the labels its application applied. */
    record ExpectDelivered(String node, List<String> labels) implements ScriptCommand {}

    /** {@code expect agree n1 n2 n3}: identical deliveries, slot by slot, value by value. */
    record ExpectAgree(List<String> nodes) implements ScriptCommand {}

    /** {@code expect up n1} / {@code expect down n1}. */
    record ExpectUp(String node, boolean up) implements ScriptCommand {}

    /**
     * {@code expect log n2:}, {@code expect proposed n3 [to n4] [ballot B]:}, {@code expect sent FILTER:},
     * {@code expect queued FILTER:}, {@code expect stored n1:}, each followed by an indented block (or
     * {@code none} instead of the colon): the printed dump must equal the block, line by line.
     */
    record ExpectDump(Dump dump, List<String> expected, int blockLine) implements ScriptCommand {}

    /** What an {@link ExpectDump} prints. */
    sealed interface Dump {
        /** The deliveries of the node's application: {@code <slot> <value> [applies ...]}. */
        record Log(String node) implements Dump {}

        /** The Accepts the node sent at a ballot (default: its current one), by slot: {@code <slot> <value>}. */
        record Proposed(String node, String to, Ballot ballot) implements Dump {}

        /** Messages sent since the last {@code mark} (or the start), in order. */
        record Sent(MessageFilter filter) implements Dump {}

        /** Messages in the network now, oldest first. */
        record Queued(MessageFilter filter) implements Dump {}

        /** The node's disk: promise, chosen prefix, slot records above it. */
        record Stored(String node) implements Dump {}
    }
}
