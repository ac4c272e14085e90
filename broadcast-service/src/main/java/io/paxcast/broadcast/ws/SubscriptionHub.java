package io.paxcast.broadcast.ws;

import io.paxcast.broadcast.log.PublishedMessage;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The local end of the total-order multicast: every message this node applies goes, in {@code seq}
 * order, to each live subscriber whose channels match. Runs on the node's context, so a subscriber
 * switching from history to live can never miss or repeat a message: applying a slot and that
 * switch never interleave.
 */
public final class SubscriptionHub {
    private final Set<Subscriber> subscribers = new LinkedHashSet<>();

    void add(Subscriber subscriber) {
        subscribers.add(subscriber);
    }

    void remove(Subscriber subscriber) {
        subscribers.remove(subscriber);
    }

    public int size() {
        return subscribers.size();
    }

    public void onApplied(List<PublishedMessage> messages) {
        if (messages.isEmpty() || subscribers.isEmpty()) {
            return;
        }
        for (Subscriber subscriber : List.copyOf(subscribers)) {
            subscriber.onLive(messages);
        }
    }
}
