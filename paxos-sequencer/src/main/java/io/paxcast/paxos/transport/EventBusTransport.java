package io.paxcast.paxos.transport;

import io.paxcast.paxos.core.Message;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Consumer;

/**
 * Paxos over the (clustered) Vert.x event bus: node {@code k} listens on {@code paxcast.paxos.<k>}.
 * The cluster manager only carries messages; who votes is Paxos configuration, never its view.
 */
public final class EventBusTransport implements Transport {
    private static final Logger log = LoggerFactory.getLogger(EventBusTransport.class);
    public static final String ADDRESS_PREFIX = "paxcast.paxos.";

    private final EventBus bus;
    private final DeliveryOptions options = new DeliveryOptions().setCodecName(PaxosMessageCodec.NAME);
    private MessageConsumer<Message> consumer;

    public EventBusTransport(Vertx vertx) {
        this.bus = vertx.eventBus();
        try {
            bus.registerCodec(new PaxosMessageCodec());
        } catch (IllegalStateException alreadyRegistered) {
            // several nodes in one Vert.x instance (tests) share the codec
        }
    }

    public static String address(String nodeId) {
        return ADDRESS_PREFIX + nodeId;
    }

    @Override
    public void send(Message message) {
        try {
            bus.send(address(message.to()), message, options);
        } catch (RuntimeException e) {
            log.debug("event=send_failed to={} error={}", message.to(), e.toString());
        }
    }

    @Override
    public void receive(String nodeId, Consumer<Message> handler) {
        consumer = bus.<Message>consumer(address(nodeId), m -> handler.accept(m.body()));
    }

    /** Completes when the consumer's registration reached the cluster. */
    public io.vertx.core.Future<Void> ready() {
        return consumer == null ? io.vertx.core.Future.succeededFuture() : consumer.completion();
    }

    @Override
    public void close() {
        if (consumer != null) {
            consumer.unregister();
        }
    }
}
