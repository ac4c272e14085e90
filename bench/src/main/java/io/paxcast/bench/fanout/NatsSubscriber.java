package io.paxcast.bench.fanout;

import io.paxcast.bench.peer.Payload;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.core.parsetools.RecordParser;

import java.nio.charset.StandardCharsets;

/**
 * One NATS core subscription on its own TCP connection, spoken over a Vert.x {@link NetClient} in
 * the NATS client protocol (CONNECT, SUB, PING/PONG, MSG): the same non-blocking client model as
 * the Paxcast WebSocket subscribers. (jnats runs a reader and a writer thread per connection, plus
 * a dispatcher: 5,000 subscribers would be 15,000 threads in the client JVM on 2 cores, measuring
 * the client rather than the servers.) It is subscribed once the server answered the PING after
 * the SUB. Core NATS keeps the order of each publishing connection: message n comes from publisher
 * n % publishers, so from each publisher the numbers must follow one another (p, p + P, p + 2P, ...);
 * a missing or repeated one is an order violation. Probes (negative numbers, -(p + 1) from
 * publisher p) only mark that the interest reached publisher p's server through the routes.
 */
final class NatsSubscriber extends FanoutSubscriber {
    private static final long SUBSCRIBED_TIMEOUT_MILLIS = 30_000;

    private final NetSocket socket;
    private final int server;
    private final int publishers;
    private final long[] next;
    private final RecordParser parser;
    private final Promise<FanoutSubscriber> subscribed = Promise.promise();
    private volatile int probes;
    private int payloadBytes = -1;

    private NatsSubscriber(NetSocket socket, int server, int publishers, int index, SubscriberTally tally) {
        super(index, tally);
        this.socket = socket;
        this.server = server;
        this.publishers = publishers;
        this.next = new long[publishers];
        for (int p = 0; p < publishers; p++) {
            next[p] = p;
        }
        this.parser = RecordParser.newDelimited("\r\n", this::onRecord);
    }

    static Future<FanoutSubscriber> connect(Vertx vertx, NetClient client, int port, int server, String subject,
                                            int publishers, int index, SubscriberTally tally) {
        return client.connect(port, "127.0.0.1").compose(socket -> {
            NatsSubscriber s = new NatsSubscriber(socket, server, publishers, index, tally);
            socket.handler(s.parser);
            socket.exceptionHandler(e -> s.ended("error on nats-server n" + server + ": " + e));
            socket.closeHandler(v -> {
                s.subscribed.tryFail("closed by nats-server n" + server + " before the subscription was confirmed");
                s.ended("closed by nats-server n" + server);
            });
            socket.write("CONNECT {\"verbose\":false,\"pedantic\":false,\"lang\":\"java\",\"version\":\"0\",\"protocol\":1,"
                    + "\"name\":\"fanout-" + index + "\"}\r\nSUB " + subject + " 1\r\nPING\r\n");
            vertx.setTimer(SUBSCRIBED_TIMEOUT_MILLIS, id -> s.subscribed.tryFail("no PONG from nats-server n" + server
                    + " within " + SUBSCRIBED_TIMEOUT_MILLIS + " ms"));
            return s.subscribed.future();
        });
    }

    private void onRecord(Buffer record) {
        if (payloadBytes >= 0) { // the payload of a MSG and its CRLF
            byte[] payload = record.getBytes(0, payloadBytes);
            payloadBytes = -1;
            parser.delimitedMode("\r\n");
            onMessage(payload);
            return;
        }
        String line = record.toString(StandardCharsets.US_ASCII);
        if (line.startsWith("MSG ")) { // MSG <subject> <sid> [reply-to] <#bytes>
            payloadBytes = Integer.parseInt(line.substring(line.lastIndexOf(' ') + 1));
            parser.fixedSizeMode(payloadBytes + 2);
        } else if (line.equals("PING")) {
            socket.write("PONG\r\n");
        } else if (line.equals("PONG")) {
            subscribed.tryComplete(this);
        } else if (line.startsWith("-ERR")) {
            subscribed.tryFail("nats-server n" + server + ": " + line);
            ended("nats-server n" + server + ": " + line);
        } // INFO, +OK: nothing to do
    }

    private void onMessage(byte[] payload) {
        long n = Payload.numberOf(payload);
        if (n < 0) {
            if (n != Long.MIN_VALUE) {
                probes |= 1 << (int) (-n - 1);
            }
            return;
        }
        int p = (int) (n % publishers);
        if (n != next[p]) {
            tally.violation("subscriber " + index + " on nats-server n" + server + ": from publisher " + p + " expected n="
                    + next[p] + ", got n=" + n + (n < next[p] ? " (repeated or out of order)"
                    : " (" + (n - next[p]) / publishers + " missing)"));
        }
        next[p] = n + publishers;
        delivered(Payload.sentOf(payload));
    }

    /** True once a probe from every publisher arrived: the subscription's interest reached every server. */
    boolean probedByAll() {
        return probes == (1 << publishers) - 1;
    }

    @Override
    void close() {
        closing = true;
        socket.close();
    }
}
