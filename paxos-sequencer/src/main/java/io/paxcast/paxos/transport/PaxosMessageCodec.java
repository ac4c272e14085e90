package io.paxcast.paxos.transport;

import io.paxcast.paxos.codec.PaxosCodec;
import io.paxcast.paxos.core.Message;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;

/**
 * The event-bus codec for Paxos messages: the compact binary form of {@link PaxosCodec}, prefixed by
 * its length, on the clustered wire; the object itself (immutable records) for local delivery.
 */
public final class PaxosMessageCodec implements MessageCodec<Message, Message> {
    public static final String NAME = "paxcast-paxos";

    @Override
    public void encodeToWire(Buffer buffer, Message message) {
        byte[] bytes = PaxosCodec.encode(message);
        buffer.appendInt(bytes.length);
        buffer.appendBytes(bytes);
    }

    @Override
    public Message decodeFromWire(int pos, Buffer buffer) {
        int length = buffer.getInt(pos);
        return PaxosCodec.decode(buffer.getBytes(pos + 4, pos + 4 + length));
    }

    @Override
    public Message transform(Message message) {
        return message;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public byte systemCodecID() {
        return -1;
    }
}
