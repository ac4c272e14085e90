package io.paxcast.faults;

import io.paxcast.faults.history.Frame;
import io.paxcast.faults.history.PublishOp;
import io.paxcast.faults.history.Subscription;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Thread-safe collection of what the clients observed, turned into a history at the end. */
final class Recorder {
    final List<PublishOp> publishes = Collections.synchronizedList(new ArrayList<>());
    final List<Subscription> subscriptions = Collections.synchronizedList(new ArrayList<>());
    final List<Frame> frames = Collections.synchronizedList(new ArrayList<>());

    void publish(PublishOp op) {
        publishes.add(op);
    }

    void subscription(Subscription s) {
        subscriptions.add(s);
    }

    void frame(Frame f) {
        frames.add(f);
    }
}
