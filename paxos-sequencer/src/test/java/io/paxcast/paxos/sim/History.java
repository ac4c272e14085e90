package io.paxcast.paxos.sim;

import io.paxcast.paxos.core.Command;
import io.paxcast.paxos.core.Delivery;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything clients did and nodes applied in one run, checked as it happens.
 *
 * <ul>
 *   <li><b>agreement</b>: every node delivers the same thing for a slot (same commands, same stamps,
 *       the same learner checkpoint: the de-duplication is a function of the log alone, also in a run
 *       resumed from a snapshot), and its application decides the same
 *       (appends and recognised retries), on every node and in every replay after a restart;</li>
 *   <li><b>validity</b>: only submitted commands are applied, with their payload;</li>
 *   <li><b>integrity</b>: a node applies slots contiguously in each run, from 1 or from the slot after its snapshot, and never the same command
 *       twice; a key appended twice is appended a window apart, in log time;</li>
 *   <li><b>the log clock never runs ahead of real time</b>: a slot's log clock is at most the time
 *       (in ms: one tick) at which it was first delivered; so a window measured in it lasts at least
 *       as long in real time, whatever the leaders' wall clocks do;</li>
 *   <li><b>durability</b>: a slot once applied anywhere (acknowledged) keeps its content on every node,
 *       through crashes and lost disks, and at the end every node holds every acknowledged key;</li>
 *   <li><b>real-time order</b>: a key submitted after another was acknowledged gets a later slot.</li>
 * </ul>
 */
final class History {
    private final long windowMillis;
    private final Map<String, byte[]> submitted = new HashMap<>();
    private final Map<String, Long> firstSubmitted = new HashMap<>();
    private final Map<Long, Delivery> decided = new HashMap<>();
    private final Map<Long, SimApp.Outcome> outcomes = new HashMap<>();
    private final Map<String, Long> ackedSlot = new HashMap<>();
    /** key -> log clock of its latest append, as first decided. */
    private final Map<String, long[]> lastAppend = new HashMap<>();
    /** tick -> highest slot acknowledged up to that tick. */
    private final TreeMap<Long, Long> ackedSlotByTime = new TreeMap<>();
    private long highestAckedSlot;
    private final List<String> violations = new ArrayList<>();

    History(long windowMillis) {
        this.windowMillis = windowMillis;
    }

    void onSubmit(String key, byte[] body, long now) {
        byte[] previous = submitted.putIfAbsent(key, body);
        if (previous == null) {
            firstSubmitted.put(key, now);
        }
    }

    Map<String, byte[]> submitted() {
        return submitted;
    }

    boolean isAcked(String key) {
        return ackedSlot.containsKey(key);
    }

    int ackedCount() {
        return ackedSlot.size();
    }

    void onApply(SimNode node, Delivery delivery, SimApp.Outcome outcome, long now) {
        long expected = node.lastApplied + 1;
        if (delivery.slot() != expected) {
            fail("integrity: node " + node.id + " applied slot " + delivery.slot() + ", expected " + expected);
        }
        Delivery first = decided.putIfAbsent(delivery.slot(), delivery);
        if (first != null && !first.equals(delivery)) {
            fail("agreement: slot " + delivery.slot() + " delivered as " + describe(first) + " and on node "
                    + node.id + " as " + describe(delivery));
        }
        SimApp.Outcome firstOutcome = outcomes.putIfAbsent(delivery.slot(), outcome);
        if (firstOutcome != null && !firstOutcome.equals(outcome)) {
            fail("agreement: the application decided slot " + delivery.slot() + " as " + firstOutcome + " and on node "
                    + node.id + " as " + outcome);
        }
        if (first == null && !delivery.value().noop() && delivery.value().logClockMillis() > now) {
            fail("log clock: slot " + delivery.slot() + " carries log clock " + delivery.value().logClockMillis()
                    + " ms, ahead of real time (" + now + " ms) when it was first delivered");
        }
        for (Command command : delivery.commands()) {
            String key = SimApp.keyOf(command);
            byte[] body = submitted.get(key);
            if (body == null || !Arrays.equals(SimApp.payload(key, body), command.payload())) {
                fail("validity: node " + node.id + " applied " + command.id() + " (key " + key
                        + ") which no client submitted");
            }
            if (node.appliedIds.contains(command.id())) {
                fail("integrity: node " + node.id + " applied command " + command.id() + " twice (slot "
                        + delivery.slot() + ")");
            }
        }
        if (firstOutcome != null) {
            return; // the rest was checked when the slot was first applied
        }
        for (String key : outcome.appended()) {
            long[] previous = lastAppend.put(key, new long[] {delivery.slot(), delivery.logClockMillis()});
            if (previous != null && delivery.logClockMillis() - previous[1] < windowMillis) {
                fail("integrity: key " + key + " appended in slot " + previous[0] + " and again in slot "
                        + delivery.slot() + ", " + (delivery.logClockMillis() - previous[1]) + " ms of log time later"
                        + " (window " + windowMillis + " ms)");
            }
            if (!ackedSlot.containsKey(key)) {
                ackedSlot.put(key, delivery.slot());
                Long sentAt = firstSubmitted.get(key);
                if (sentAt != null) {
                    var before = ackedSlotByTime.lowerEntry(sentAt);
                    if (before != null && before.getValue() >= delivery.slot()) {
                        fail("real-time order: " + key + " submitted at tick " + sentAt + " got slot "
                                + delivery.slot() + ", but slot " + before.getValue() + " was acknowledged before");
                    }
                }
                if (delivery.slot() > highestAckedSlot) {
                    highestAckedSlot = delivery.slot();
                    ackedSlotByTime.put(now, highestAckedSlot);
                }
            }
        }
    }

    /** At the end: every acknowledged key is in every node's application, and every node votes again. */
    void checkAllHold(List<SimNode> nodes) {
        for (SimNode node : nodes) {
            for (var acked : ackedSlot.entrySet()) {
                if (!node.appliedKeys.contains(acked.getKey())) {
                    fail("durability: node " + node.id + " lacks acknowledged " + acked.getKey() + " (slot "
                            + acked.getValue() + ")");
                    return;
                }
            }
        }
    }

    void fail(String violation) {
        violations.add(violation);
    }

    List<String> violations() {
        return violations;
    }

    private static String describe(Delivery d) {
        List<String> ids = new ArrayList<>();
        for (Command c : d.commands()) {
            ids.add(c.id() + "(" + SimApp.keyOf(c) + ")");
        }
        return "{ts=" + d.timestampMillis() + ", clock=" + d.logClockMillis() + ", value=" + d.value()
                + ", applied=" + ids + (d.checkpoint() == null ? "" : ", checkpoint=" + d.checkpoint() + " #"
                + Integer.toHexString(d.checkpoint().hashCode())) + "}";
    }
}
