package io.paxcast.broadcast.ws;

import io.paxcast.broadcast.log.PublishedMessage;
import io.paxcast.broadcast.service.Subscribers;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The local end of the total-order multicast: every message this node applies goes, in {@code seq}
 * order, to each live subscriber whose channels match. Runs on the node's context, so a subscriber
 * switching from history to live can never miss or repeat a message: applying a slot and that
 * switch never interleave. Each message is encoded to its frame once, whatever the number of
 * subscribers.
 */
public final class SubscriptionHub implements Subscribers {
    private final Set<Subscriber> subscribers = new LinkedHashSet<>();
    private long slowConsumersClosed;

    void add(Subscriber subscriber) {
        subscribers.add(subscriber);
    }

    void remove(Subscriber subscriber) {
        subscribers.remove(subscriber);
    }

    public int size() {
        return subscribers.size();
    }

    public long slowConsumersClosed() {
        return slowConsumersClosed;
    }

    void onSlowConsumer() {
        slowConsumersClosed++;
    }

    @Override
    public void onApplied(List<PublishedMessage> messages) {
        if (messages.isEmpty() || subscribers.isEmpty()) {
            return;
        }
        List<String> frames = new ArrayList<>(messages.size());
        for (PublishedMessage message : messages) {
            frames.add(message.toFrame());
        }
        for (Subscriber subscriber : List.copyOf(subscribers)) {
            subscriber.onLive(messages, frames);
        }
    }

    /** Pings every subscriber: keeps quiet connections open through the idle timeout, finds dead ones. */
    public void pingAll() {
        for (Subscriber subscriber : List.copyOf(subscribers)) {
            subscriber.ping();
        }
    }

    /** Sends every subscriber an error frame {@code code} and closes it (the node stops serving). */
    @Override
    public void closeAll(String code, String message) {
        for (Subscriber subscriber : List.copyOf(subscribers)) {
            subscriber.closeWithError(code, message, (short) 1011);
        }
    }
}
