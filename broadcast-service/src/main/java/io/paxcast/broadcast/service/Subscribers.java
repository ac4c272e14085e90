package io.paxcast.broadcast.service;

import io.paxcast.broadcast.log.PublishedMessage;

import java.util.List;

/**
 * Where {@link BroadcastService} multicasts what this node applies: its live subscribers (the
 * WebSocket hub implements it). The service owns this interface so that it names no edge: the edges
 * depend on the service, never the other way.
 *
 * <p>Threading: called on the node's context, in {@code seq} order, in the same turn as the apply.
 */
public interface Subscribers {

    /** The messages one slot appended, in {@code seq} order (possibly none). */
    void onApplied(List<PublishedMessage> messages);

    /** Sends every subscriber an error frame {@code code} and closes it (the node stops serving). */
    void closeAll(String code, String message);
}
