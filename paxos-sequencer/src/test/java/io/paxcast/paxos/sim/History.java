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
 * Everything clients did and nodes delivered in one run, checked as it happens.
 *
 * <ul>
 *   <li><b>agreement</b>: every node delivers the same thing for a slot (same commands, same skipped
 *       duplicates, same log time: the dedupe is a function of the log alone);</li>
 *   <li><b>validity</b>: only submitted commands are delivered, with their payload;</li>
 *   <li><b>integrity</b>: a node delivers slots contiguously from 1, and never a command id twice;</li>
 *   <li><b>durability</b>: a slot once delivered anywhere (acknowledged) keeps its content on every
 *       node, through crashes, and at the end every node holds every acknowledged command;</li>
 *   <li><b>real-time order</b>: a command submitted after another was acknowledged gets a later slot.</li>
 * </ul>
 */
final class History {
    private final Map<String, byte[]> submitted = new HashMap<>();
    private final Map<String, Long> firstSubmitted = new HashMap<>();
    private final Map<Long, Delivery> decided = new HashMap<>();
    private final Map<String, Long> ackedSlot = new HashMap<>();
    /** tick -> highest slot acknowledged up to that tick. */
    private final TreeMap<Long, Long> ackedSlotByTime = new TreeMap<>();
    private long highestAckedSlot;
    private final List<String> violations = new ArrayList<>();

    void onSubmit(Command command, long now) {
        byte[] previous = submitted.putIfAbsent(command.id(), command.payload());
        if (previous == null) {
            firstSubmitted.put(command.id(), now);
        }
    }

    Map<String, byte[]> submitted() {
        return submitted;
    }

    boolean isAcked(String id) {
        return ackedSlot.containsKey(id);
    }

    int ackedCount() {
        return ackedSlot.size();
    }

    void onDelivery(SimNode node, Delivery delivery, long now) {
        long expected = node.lastApplied() + 1;
        if (delivery.slot() != expected) {
            fail("integrity: node " + node.id + " delivered slot " + delivery.slot() + ", expected " + expected);
        }
        Delivery first = decided.putIfAbsent(delivery.slot(), delivery);
        if (first != null && !first.equals(delivery)) {
            fail("agreement: slot " + delivery.slot() + " delivered as " + describe(first) + " and on node "
                    + node.id + " as " + describe(delivery));
        }
        for (Command command : delivery.commands()) {
            byte[] payload = submitted.get(command.id());
            if (payload == null || !Arrays.equals(payload, command.payload())) {
                fail("validity: node " + node.id + " delivered " + command.id() + " which no client submitted");
            }
            if (node.appliedIds.contains(command.id())) {
                fail("integrity: node " + node.id + " delivered " + command.id() + " twice (slot " + delivery.slot() + ")");
            }
            if (!ackedSlot.containsKey(command.id())) {
                ackedSlot.put(command.id(), delivery.slot());
                Long sentAt = firstSubmitted.get(command.id());
                if (sentAt != null) {
                    var before = ackedSlotByTime.lowerEntry(sentAt);
                    if (before != null && before.getValue() >= delivery.slot()) {
                        fail("real-time order: " + command.id() + " submitted at tick " + sentAt + " got slot "
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

    /** At the end: every acknowledged command is in every node's applied log. */
    void checkAllHold(List<SimNode> nodes) {
        for (SimNode node : nodes) {
            for (var acked : ackedSlot.entrySet()) {
                if (!node.appliedIds.contains(acked.getKey())) {
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
            ids.add(c.id());
        }
        return "{ts=" + d.timestampMillis() + ", commands=" + ids + ", duplicates=" + d.duplicateIds() + "}";
    }
}
