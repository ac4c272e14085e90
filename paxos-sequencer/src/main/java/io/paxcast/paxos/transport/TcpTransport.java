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
 * {@link #SILENCE_MILLIS} (no bytes, not even the pong to its pings) is closed and dialled again, so a
 * healed network cut is used at once instead of after TCP's retransmission back-off.
 *
 * <p>Frames: a 4-byte length, then a kind byte: {@code H} hello (the sender's node id, the first frame
 * on every connection), {@code M} a {@link PaxosCodec} message, {@code P} ping, {@code Q} pong.
 * Connections are symmetric: a peer whose address this node does not know (a member added later) is
 * reached over the connection it opened. A connection speaks for the node that said hello on it: a frame
 * before the hello or longer than the bound closes it (nothing of it is buffered), a message whose
 * sender or addressee is another node is dropped; all are counted ({@link #refused}). That keeps a
 * confused or stale peer from speaking for another; it is not authentication (a private network, or
 * TLS, is).
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
    /** The frame bound when none is given: far above what the default configuration sends. */
    static final int DEFAULT_MAX_FRAME_BYTES = 16 << 20;
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
    private final AtomicLong refused = new AtomicLong();
    private final int maxFrameBytes;
    private final java.util.List<String> peers;
    private String selfId;
    private Consumer<Message> handler;
    private io.vertx.core.Context context;
    private NetServer server;
    private NetClient client;
    private long timer = -1;
    private Future<Void> listening = Future.succeededFuture();
    private boolean closed;
    private io.vertx.core.net.KeyCertOptions tlsKeyCert;
    private io.vertx.core.net.TrustOptions tlsTrust;
    /** With TLS: a peer's certificate must name the member id it speaks for ({@link #certificateNames}). */
    private boolean bindMemberIds;

    /**
     * @param peers the peers it dials at once (the others' addresses known from configuration), so
     *              that a peer that does not know this node's address can answer over the connection
     */
    public TcpTransport(Vertx vertx, String host, int port, Function<String, SocketAddress> addressOf,
                        java.util.Collection<String> peers) {
        this(vertx, host, port, addressOf, peers, DEFAULT_MAX_FRAME_BYTES);
    }

    /**
     * @param maxFrameBytes the largest frame read; a peer announcing a larger one is cut off before any
     *                      of it is buffered ({@link #frameBound} for what a configuration can send)
     */
    public TcpTransport(Vertx vertx, String host, int port, Function<String, SocketAddress> addressOf,
                        java.util.Collection<String> peers, int maxFrameBytes) {
        if (maxFrameBytes < 1024) {
            throw new IllegalArgumentException("maxFrameBytes must be at least 1024, was " + maxFrameBytes);
        }
        this.maxFrameBytes = maxFrameBytes;
        this.vertx = vertx;
        this.host = host;
        this.port = port;
        this.addressOf = addressOf;
        this.peers = java.util.List.copyOf(peers);
    }

    /**
     * A frame bound no message of {@code config} reaches: the largest Accept (a batch, or one command of
     * {@code maxCommandBytes} alone), catch-up reply, promise page and forward window, twice over for the
     * encoding, and never below {@link #DEFAULT_MAX_FRAME_BYTES}.
     */
    public static int frameBound(io.paxcast.paxos.core.PaxosConfig config, long maxCommandBytes) {
        long largest = Math.max(Math.max(config.maxBatchBytes(), maxCommandBytes),
                Math.max(Math.max(config.catchupReplyBytes() + maxCommandBytes, config.maxPromiseBytes() + maxCommandBytes),
                        config.forwardWindowBytes() + maxCommandBytes));
        return (int) Math.min(Integer.MAX_VALUE - 8, Math.max(DEFAULT_MAX_FRAME_BYTES, 2 * largest + 4096));
    }

    /**
     * Mutual TLS on every Paxos connection: this node presents {@code keyCert}, and accepts (and dials)
     * only peers whose certificate {@code trust} vouches for. Peers are addressed by IP, so no host name
     * is checked: the trust store is the cluster's own. Call before {@link #receive}.
     */
    public TcpTransport withTls(io.vertx.core.net.KeyCertOptions keyCert, io.vertx.core.net.TrustOptions trust) {
        return withTls(keyCert, trust, false);
    }

    /**
     * As {@link #withTls(io.vertx.core.net.KeyCertOptions, io.vertx.core.net.TrustOptions)}; with
     * {@code bindMemberIds}, a certificate speaks only for the member it names (its subject's CN or a
     * DNS name among its subject alternative names): a hello as another id on an inbound connection is
     * refused, and a dialled peer whose certificate does not name the member dialled is hung up on. So a
     * holder of one member's certificate (an edge node's, say) cannot pose as a voter.
     */
    public TcpTransport withTls(io.vertx.core.net.KeyCertOptions keyCert, io.vertx.core.net.TrustOptions trust,
                                boolean bindMemberIds) {
        this.tlsKeyCert = keyCert;
        this.tlsTrust = trust;
        this.bindMemberIds = bindMemberIds;
        return this;
    }

    /**
     * The member ids the peer's certificate on {@code socket} names: its subject's CN and the DNS names
     * among its subject alternative names; empty without TLS or a readable certificate.
     */
    static java.util.Set<String> certificateNames(NetSocket socket) {
        java.util.Set<String> names = new java.util.LinkedHashSet<>();
        try {
            java.util.List<java.security.cert.Certificate> chain = socket.peerCertificates();
            if (chain == null || chain.isEmpty() || !(chain.get(0) instanceof java.security.cert.X509Certificate x509)) {
                return names;
            }
            for (javax.naming.ldap.Rdn rdn : new javax.naming.ldap.LdapName(x509.getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    names.add(String.valueOf(rdn.getValue()));
                }
            }
            java.util.Collection<java.util.List<?>> alternatives = x509.getSubjectAlternativeNames();
            if (alternatives != null) {
                for (java.util.List<?> alternative : alternatives) {
                    if (alternative.size() == 2 && Integer.valueOf(2).equals(alternative.get(0))) { // dNSName
                        names.add(String.valueOf(alternative.get(1)));
                    }
                }
            }
        } catch (javax.net.ssl.SSLPeerUnverifiedException | javax.naming.InvalidNameException
                 | java.security.cert.CertificateParsingException e) {
            return java.util.Set.of();
        }
        return names;
    }

    /** Frames refused: too long, of an unknown kind, before the hello, or a message not from the peer that said hello. */
    public long refused() {
        return refused.get();
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
        NetClientOptions clientOptions = new NetClientOptions().setConnectTimeout(CONNECT_TIMEOUT_MILLIS)
                .setTcpNoDelay(true).setReconnectAttempts(0);
        NetServerOptions serverOptions = new NetServerOptions().setHost(host).setPort(port).setTcpNoDelay(true);
        if (tlsKeyCert != null) {
            clientOptions.setSsl(true).setKeyCertOptions(tlsKeyCert).setTrustOptions(tlsTrust)
                    .setHostnameVerificationAlgorithm("");
            serverOptions.setSsl(true).setKeyCertOptions(tlsKeyCert).setTrustOptions(tlsTrust)
                    .setClientAuth(io.vertx.core.http.ClientAuth.REQUIRED);
        }
        client = vertx.createNetClient(clientOptions);
        server = vertx.createNetServer(serverOptions);
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
                if (length < 1 || length > maxFrameBytes) {
                    refuse(socket, "length " + length + " (bound " + maxFrameBytes + ")", from[0]);
                    return;
                }
                header[0] = false;
                parser.fixedSizeMode(length);
                return;
            }
            header[0] = true;
            parser.fixedSizeMode(4);
            byte kind = buffer.getByte(0);
            if (kind != HELLO && from[0] == null) {
                refuse(socket, "kind " + (char) kind + " before the hello", null);
                return;
            }
            switch (kind) {
                case HELLO -> {
                    String said = buffer.getString(1, buffer.length(), StandardCharsets.UTF_8.name());
                    if (from[0] != null && !from[0].equals(said)) {
                        refuse(socket, "a second hello as " + said, from[0]);
                        return;
                    }
                    if (bindMemberIds && peer == null && !certificateNames(socket).contains(said)) {
                        refuse(socket, "a hello as " + said + " from a certificate for " + certificateNames(socket), null);
                        return;
                    }
                    from[0] = said;
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
                    if (!m.from().equals(from[0]) || !m.to().equals(selfId)) {
                        // a connection speaks for the node that said hello on it, to this node only
                        refused.incrementAndGet();
                        log.warn("event=paxos_message_refused peer={} from={} to={}", from[0], m.from(), m.to());
                        return;
                    }
                    if (!closed && handler != null) {
                        handler.accept(m);
                    }
                }
                default -> refuse(socket, "kind " + kind, from[0]);
            }
        });
        socket.handler(bytes -> {
            // any bytes prove the peer alive: a frame longer than the silence limit must not cut the link
            heardAt.put(socket, System.currentTimeMillis());
            parser.handle(bytes);
        });
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

    private void refuse(NetSocket socket, String what, String peer) {
        refused.incrementAndGet();
        log.warn("event=paxos_bad_frame frame=\"{}\" peer={}", what, peer);
        socket.close();
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
                if (ar.succeeded() && bindMemberIds && !certificateNames(ar.result()).contains(peer)) {
                    refused.incrementAndGet();
                    log.warn("event=paxos_peer_refused peer={} address={} error=\"its certificate names {}, not {}\"",
                            peer, address, certificateNames(ar.result()), peer);
                    ar.result().close();
                    redial();
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
