package io.paxcast.paxos.sim;

import io.paxcast.paxos.core.Message;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * A best-effort network in simulated time: it drops, duplicates, delays and reorders messages, and
 * cuts links (both ways for a partition, one way for an asymmetric fault). Deterministic for a seed.
 */
final class SimNetwork {
    private record InFlight(long deliverAt, long order, Message message) {}

    private final RandomGenerator random;
    private final PriorityQueue<InFlight> queue = new PriorityQueue<>((a, b) ->
            a.deliverAt != b.deliverAt ? Long.compare(a.deliverAt, b.deliverAt) : Long.compare(a.order, b.order));
    private final Set<String> cutLinks = new HashSet<>();
    double dropRate;
    double duplicateRate;
    int maxDelay;
    long sent;
    long dropped;

    SimNetwork(RandomGenerator random, double dropRate, double duplicateRate, int maxDelay) {
        this.random = random;
        this.dropRate = dropRate;
        this.duplicateRate = duplicateRate;
        this.maxDelay = maxDelay;
    }

    void send(Message message, long now) {
        sent++;
        if (cutLinks.contains(link(message.from(), message.to())) || random.nextDouble() < dropRate) {
            dropped++;
            return;
        }
        int copies = random.nextDouble() < duplicateRate ? 2 : 1;
        for (int i = 0; i < copies; i++) {
            long delay = 1 + random.nextInt(maxDelay);
            // a random order key among messages due at the same tick: they arrive shuffled
            queue.add(new InFlight(now + delay, random.nextLong(), message));
        }
    }

    /** Messages due at or before {@code now}, in arrival order; links cut meanwhile drop them. */
    List<Message> due(long now) {
        List<Message> due = new ArrayList<>();
        while (!queue.isEmpty() && queue.peek().deliverAt <= now) {
            Message m = queue.poll().message;
            if (!cutLinks.contains(link(m.from(), m.to()))) {
                due.add(m);
            }
        }
        return due;
    }

    void cut(String from, String to) {
        cutLinks.add(link(from, to));
    }

    void partition(Set<String> side, List<String> all) {
        for (String a : side) {
            for (String b : all) {
                if (!side.contains(b)) {
                    cut(a, b);
                    cut(b, a);
                }
            }
        }
    }

    void heal() {
        cutLinks.clear();
    }

    boolean hasCuts() {
        return !cutLinks.isEmpty();
    }

    String describeCuts() {
        return cutLinks.toString();
    }

    private static String link(String from, String to) {
        return from + "->" + to;
    }
}
