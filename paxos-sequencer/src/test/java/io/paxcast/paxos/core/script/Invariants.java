package io.paxcast.paxos.core.script;

import io.paxcast.paxos.core.Ballot;
import io.paxcast.paxos.core.Delivery;
import io.paxcast.paxos.core.Message;
import io.paxcast.paxos.core.Message.SlotEntry;
import io.paxcast.paxos.core.ScriptedCluster;
import io.paxcast.paxos.core.ScriptedCluster.ReadyEvent;
import io.paxcast.paxos.core.StorageWrite;
import io.paxcast.paxos.core.Value;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What every scenario checks after every step, without a line saying so:
 * <ul>
 *   <li><b>persist before you answer</b> (DESIGN.md P1): every Promise, Prepare and Accepted left in a
 *       Ready whose writes (or the store before it) hold the promise or vote it depends on;</li>
 *   <li><b>agreement</b>: no two nodes delivered different values in one slot.</li>
 * </ul>
 * (Hold-back, slot n only after n-1, TestCluster itself checks on every delivery.)
 */
final class Invariants {

    private final List<String> violations = new ArrayList<>();

    void watch(ScriptedCluster cluster) {
        cluster.onEveryReady(this::onReady);
    }

    private void onReady(ReadyEvent e) {
        for (Message m : e.ready().messages()) {
            if (m instanceof Message.Promise p && !promiseDurable(e, p.ballot())) {
                violations.add("P1: " + e.nodeId() + " sent '" + Render.message(m) + "' before persisting the promise");
            } else if (m instanceof Message.Prepare p && !promiseDurable(e, p.ballot())) {
                violations.add("P1: " + e.nodeId() + " sent '" + Render.message(m) + "' before persisting its round");
            } else if (m instanceof Message.Accepted a && !voteDurable(e, a)) {
                violations.add("P1: " + e.nodeId() + " sent '" + Render.message(m) + "' before persisting the vote");
            }
        }
    }

    private static boolean promiseDurable(ReadyEvent e, Ballot ballot) {
        return !e.promisedBefore().lessThan(ballot) || e.ready().writes().stream()
                .anyMatch(w -> w instanceof StorageWrite.Promised p && !p.ballot().lessThan(ballot));
    }

    private static boolean voteDurable(ReadyEvent e, Message.Accepted a) {
        SlotEntry before = e.slotsBefore().get(a.slot());
        if (before != null && !before.chosen() && before.ballot().equals(a.ballot())) {
            return true;
        }
        return e.ready().writes().stream().anyMatch(w -> w instanceof StorageWrite.Accepted sw
                && sw.slot() == a.slot() && sw.ballot().equals(a.ballot()));
    }

    /** The violations since the last call (persist-before-answer, then agreement), and forgets them. */
    List<String> check(ScriptedCluster cluster) {
        Map<Long, String> firstBy = new HashMap<>();
        Map<Long, Value> first = new HashMap<>();
        for (String id : cluster.ids()) {
            for (Delivery d : cluster.delivered(id)) {
                Value seen = first.putIfAbsent(d.slot(), d.value());
                if (seen == null) {
                    firstBy.put(d.slot(), id);
                } else if (!seen.equals(d.value())) {
                    violations.add("agreement: slot " + d.slot() + " is " + Render.value(seen) + " at "
                            + firstBy.get(d.slot()) + " but " + Render.value(d.value()) + " at " + id);
                }
            }
        }
        List<String> out = List.copyOf(violations);
        violations.clear();
        return out;
    }
}
