package io.paxcast.paxos.transport;

import io.paxcast.paxos.codec.CodecException;
import io.paxcast.paxos.codec.PaxosCodec;
import io.paxcast.paxos.core.Message;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.parsetools.RecordParser;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Paxos messages on connections of their own, one TCP connection per peer, beside the clustered event
 * bus (which keeps what it is good at: gossip, snapshot transfer, admin relays).
 *
 * <p>Why: the event bus resolves every send through the cluster manager's subscription map, and while
 * a node is dead, paused or cut off but still a Hazelcast member, lookups whose partition it owned
 * wait for Hazelcast to remove it (seconds). The fault suite's failover maxima (3-7.5 s against
 * medians of 0.4-0.7 s) came from there. Here a send to a live peer depends on that peer alone.
 *
 * <p>Best-effort, as the {@link Transport} contract allows (DESIGN.md P14): a message to a peer that
 * is not connected, or whose socket's write queue is full (a paused peer), is dropped and counted; the
 * core retransmits. {@link #send} never blocks. A link that hears nothing from its peer for
 * {@link #SILENCE_MILLIS} (no frame, not even the pong to its pings) is closed and dialled again, so a
 * healed network cut is used at once instead of after TCP's retransmission back-off.
 *
 * <p>Frames: a 4-byte length, then a kind byte: {@code H} hello (the sender's node id, the first frame
 * on every connection), {@code M} a {@link PaxosCodec} message, {@code P} ping, {@code Q} pong.
 * Connections are symmetric: a peer whose address this node does not know (a member added later) is
 * reached over the connection it opened.
 *
 * <p>Threading: everything runs on the context {@link #receive} was called on (the sequencer's).
 */
public final class TcpTransport implements Transport {
    private static final Logger log = LoggerFactory.getLogger(TcpTransport.class);
    static final long SILENCE_MILLIS = 1500;
    private static final long PING_MILLIS = 250;
    private static final int CONNECT_TIMEOUT_MILLIS = 1000;
    private static final long MAX_REDIAL_MILLIS = 1000;
    private static final int WRITE_QUEUE_BYTES = 8 << 20;
    private static final int MAX_FRAME_BYTES = 256 << 20;
    private static final byte HELLO = 'H';
    private static final byte MESSAGE = 'M';
    private static final byte PING = 'P';
    private static final byte PONG = 'Q';

    private final Vertx vertx;
    private final String host;
    private final int port;
    /** A peer's listening address, or null if unknown (it is reached over the connection it opens). */
    private final Function<String, SocketAddress> addressOf;
    private final Map<String, Link> outbound = new HashMap<>();
    private final Map<String, NetSocket> inbound = new HashMap<>();
    private final Map<NetSocket, Long> heardAt = new HashMap<>();
    private final AtomicLong dropped = new AtomicLong();
    private final java.util.List<String> peers;
    private String selfId;
    private Consumer<Message> handler;
    private io.vertx.core.Context context;
    private NetServer server;
    private NetClient client;
    private long timer = -1;
    private Future<Void> listening = Future.succeededFuture();
    private boolean closed;

    /**
     * @param peers the peers it dials at once (the others' addresses known from configuration), so
     *              that a peer that does not know this node's address can answer over the connection
     */
    public TcpTransport(Vertx vertx, String host, int port, Function<String, SocketAddress> addressOf,
                        java.util.Collection<String> peers) {
        this.vertx = vertx;
        this.host = host;
        this.port = port;
        this.addressOf = addressOf;
        this.peers = java.util.List.copyOf(peers);
    }

    /** Messages dropped because their peer was not connected or not reading. */
    public long dropped() {
        return dropped.get();
    }

    @Override
    public void receive(String nodeId, Consumer<Message> handler) {
        this.selfId = nodeId;
        this.handler = handler;
        this.context = vertx.getOrCreateContext();
        client = vertx.createNetClient(new NetClientOptions().setConnectTimeout(CONNECT_TIMEOUT_MILLIS)
                .setTcpNoDelay(true).setReconnectAttempts(0));
        server = vertx.createNetServer(new NetServerOptions().setHost(host).setPort(port).setTcpNoDelay(true));
        server.connectHandler(socket -> accept(socket, null));
        listening = server.listen().mapEmpty();
        listening.onFailure(e -> log.error("event=paxos_listen_failed port={} error=\"{}\"", port, e.getMessage()));
        timer = vertx.setPeriodic(PING_MILLIS, t -> pingAndCheck());
        listening.onSuccess(v -> peers.forEach(this::socketTo)); // dials each
    }

    /** Completes once the node listens for its peers. */
    public Future<Void> ready() {
        return listening;
    }

    @Override
    public void send(Message message) {
        if (closed) {
            return;
        }
        String to = message.to();
        if (to.equals(selfId)) {
            // to itself (the core sends its own Accept/Accepted through the transport): later, on this context
            context.runOnContext(v -> {
                if (!closed && handler != null) {
                    handler.accept(message);
                }
            });
            return;
        }
        NetSocket socket = socketTo(to);
        if (socket == null || socket.writeQueueFull()) {
            dropped.incrementAndGet();
            return;
        }
        byte[] bytes;
        try {
            bytes = PaxosCodec.encode(message);
        } catch (RuntimeException e) {
            log.warn("event=paxos_encode_failed to={} error=\"{}\"", to, e.toString());
            return;
        }
        write(socket, MESSAGE, bytes);
    }

    /** The connected socket to {@code to}: this node's own link, else the one the peer opened. */
    private NetSocket socketTo(String to) {
        Link link = outbound.get(to);
        if (link == null && addressOf.apply(to) != null) {
            link = new Link(to);
            outbound.put(to, link);
            link.dial();
        }
        if (link != null && link.socket != null) {
            return link.socket;
        }
        return inbound.get(to);
    }

    private static void write(NetSocket socket, byte kind, byte[] body) {
        Buffer frame = Buffer.buffer(5 + body.length).appendInt(1 + body.length).appendByte(kind).appendBytes(body);
        socket.write(frame);
    }

    /** Reads frames from {@code socket}; {@code peer} is known for a link this node dialled. */
    private void accept(NetSocket socket, String peer) {
        socket.setWriteQueueMaxSize(WRITE_QUEUE_BYTES);
        heardAt.put(socket, System.currentTimeMillis());
        String[] from = {peer};
        RecordParser parser = RecordParser.newFixed(4);
        boolean[] header = {true};
        parser.handler(buffer -> {
            if (header[0]) {
                int length = buffer.getInt(0);
                if (length < 1 || length > MAX_FRAME_BYTES) {
                    log.warn("event=paxos_bad_frame length={} peer={}", length, from[0]);
                    socket.close();
                    return;
                }
                header[0] = false;
                parser.fixedSizeMode(length);
                return;
            }
            header[0] = true;
            parser.fixedSizeMode(4);
            heardAt.put(socket, System.currentTimeMillis());
            byte kind = buffer.getByte(0);
            switch (kind) {
                case HELLO -> {
                    from[0] = buffer.getString(1, buffer.length(), StandardCharsets.UTF_8.name());
                    if (peer == null) {
                        NetSocket previous = inbound.put(from[0], socket);
                        if (previous != null && previous != socket) {
                            previous.close();
                        }
                    }
                }
                case PING -> write(socket, PONG, new byte[0]);
                case PONG -> { }
                case MESSAGE -> {
                    Message m;
                    try {
                        m = PaxosCodec.decode(buffer.getBytes(1, buffer.length()));
                    } catch (CodecException e) {
                        log.warn("event=paxos_decode_failed peer={} error=\"{}\"", from[0], e.getMessage());
                        return;
                    }
                    if (!closed && handler != null) {
                        handler.accept(m);
                    }
                }
                default -> {
                    log.warn("event=paxos_bad_frame kind={} peer={}", kind, from[0]);
                    socket.close();
                }
            }
        });
        socket.handler(parser);
        socket.closeHandler(v -> {
            heardAt.remove(socket);
            if (peer == null && from[0] != null) {
                inbound.remove(from[0], socket);
            }
            if (peer != null) {
                Link link = outbound.get(peer);
                if (link != null && link.socket == socket) {
                    link.lost();
                }
            }
        });
        socket.exceptionHandler(e -> log.debug("event=paxos_socket_error peer={} error=\"{}\"", from[0], e.toString()));
    }

    /** Pings every connection; closes those silent for too long (a cut or a dead peer that sent no FIN). */
    private void pingAndCheck() {
        long now = System.currentTimeMillis();
        for (var e : Map.copyOf(heardAt).entrySet()) {
            NetSocket socket = e.getKey();
            if (now - e.getValue() > SILENCE_MILLIS) {
                heardAt.remove(socket);
                socket.close();
            } else if (!socket.writeQueueFull()) {
                write(socket, PING, new byte[0]);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
        outbound.values().forEach(Link::close);
        inbound.values().forEach(NetSocket::close);
        if (server != null) {
            server.close();
        }
        if (client != null) {
            client.close();
        }
    }

    /** This node's connection to one peer: dialled on first use, dialled again (with back-off) when lost. */
    private final class Link {
        final String peer;
        NetSocket socket;
        boolean dialling;
        long backoff = 50;
        long redialTimer = -1;

        Link(String peer) {
            this.peer = peer;
        }

        void dial() {
            SocketAddress address = addressOf.apply(peer);
            if (closed || dialling || socket != null || address == null) {
                return;
            }
            dialling = true;
            client.connect(address).onComplete(ar -> {
                dialling = false;
                if (closed) {
                    if (ar.succeeded()) {
                        ar.result().close();
                    }
                    return;
                }
                if (ar.succeeded()) {
                    socket = ar.result();
                    backoff = 50;
                    accept(socket, peer);
                    write(socket, HELLO, selfId.getBytes(StandardCharsets.UTF_8));
                    log.debug("event=paxos_link_up peer={} address={}", peer, address);
                } else {
                    redial();
                }
            });
        }

        void lost() {
            socket = null;
            redial();
        }

        private void redial() {
            if (closed || redialTimer >= 0) {
                return;
            }
            long delay = backoff;
            backoff = Math.min(MAX_REDIAL_MILLIS, backoff * 2);
            redialTimer = vertx.setTimer(delay, t -> {
                redialTimer = -1;
                dial();
            });
        }

        void close() {
            if (redialTimer >= 0) {
                vertx.cancelTimer(redialTimer);
            }
            if (socket != null) {
                socket.close();
            }
        }
    }
}
