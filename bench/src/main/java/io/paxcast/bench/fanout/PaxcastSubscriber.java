package io.paxcast.bench.fanout;

import io.paxcast.bench.peer.Payload;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;

/**
 * One WebSocket {@code /v1/subscribe?channels=<channel>} on one node (docs/API.md). It is subscribed
 * once the {@code subscribed} frame came (its {@code head} is the commit seq at that moment); from
 * then on every {@code message} frame must carry the next seq: head + 1, head + 2, ... The
 * benchmark's channel is the only one the fresh cluster ever sees, so the global seq of its
 * messages has no holes; anything else is an order violation, counted and described. An
 * {@code error} frame ({@code slow_consumer}, ...) or a close ends the subscription early.
 */
final class PaxcastSubscriber extends FanoutSubscriber {
    private static final long SUBSCRIBED_TIMEOUT_MILLIS = 30_000;
    private static final String MESSAGE = "{\"type\":\"message\"";
    private static final String SUBSCRIBED = "{\"type\":\"subscribed\"";
    private static final String ERROR = "{\"type\":\"error\"";

    private final String node;
    private final Promise<FanoutSubscriber> subscribed = Promise.promise();
    private WebSocket socket;
    private long expected = -1;

    private PaxcastSubscriber(int index, String node, SubscriberTally tally) {
        super(index, tally);
        this.node = node;
    }

    static Future<FanoutSubscriber> connect(Vertx vertx, WebSocketClient client, int port, String node, String channel,
                                            int index, SubscriberTally tally) {
        PaxcastSubscriber s = new PaxcastSubscriber(index, node, tally);
        WebSocketConnectOptions options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port)
                .setURI("/v1/subscribe?channels=" + channel).setTimeout(SUBSCRIBED_TIMEOUT_MILLIS);
        client.connect(options).onComplete(ar -> {
            if (ar.failed()) {
                s.subscribed.tryFail(ar.cause());
                return;
            }
            s.socket = ar.result();
            s.socket.textMessageHandler(s::onText);
            s.socket.exceptionHandler(e -> s.ended("WebSocket error on " + node + ": " + e));
            s.socket.closeHandler(v -> {
                s.subscribed.tryFail("closed on " + node + " before the subscribed frame");
                s.ended("closed by " + node + " (" + s.socket.closeStatusCode() + " " + s.socket.closeReason() + ")");
            });
        });
        vertx.setTimer(SUBSCRIBED_TIMEOUT_MILLIS, id -> s.subscribed.tryFail("no subscribed frame from " + node
                + " within " + SUBSCRIBED_TIMEOUT_MILLIS + " ms"));
        return s.subscribed.future();
    }

    private void onText(String frame) {
        if (frame.startsWith(MESSAGE)) {
            long seq = number(frame, "\"seq\":");
            if (expected >= 0 && seq != expected) {
                tally.violation("subscriber " + index + " on " + node + ": expected seq " + expected + ", got " + seq
                        + (seq < expected ? " (repeated or out of order)" : " (" + (seq - expected) + " skipped)"));
            }
            expected = seq + 1;
            delivered(Payload.sentIn(frame));
        } else if (frame.startsWith(SUBSCRIBED)) {
            expected = number(frame, "\"head\":") + 1;
            subscribed.tryComplete(this);
        } else if (frame.startsWith(ERROR)) {
            subscribed.tryFail("error frame from " + node + ": " + frame);
            ended("error frame from " + node + ": " + frame);
        }
    }

    /** The non-negative integer after {@code key} in {@code frame}; -1 if there is none. */
    private static long number(String frame, String key) {
        int at = frame.indexOf(key);
        if (at < 0) {
            return -1;
        }
        long v = 0;
        for (int i = at + key.length(); i < frame.length(); i++) {
            char c = frame.charAt(i);
            if (c < '0' || c > '9') {
                break;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    @Override
    void close() {
        closing = true;
        if (socket != null) {
            socket.close();
        }
    }
}
