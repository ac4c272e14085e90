package io.paxcast.bench.peer;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Publishes with {@code POST /v1/messages} (docs/API.md: a batch ordered atomically): messages are
 * gathered until {@code batchItems} are held or the driver flushes (it does before it waits for a
 * permit or for the next send time), then posted asynchronously. So window W means W messages
 * unacknowledged in about W / batchItems concurrent requests; each message's ack is the 201.
 */
final class PaxcastBatchPublisher implements Publisher {
    private final HttpClient http;
    private final URI uri;
    private final String itemPrefix;
    private final int batchItems;
    private List<Ack> acks = new ArrayList<>();
    private StringBuilder body = new StringBuilder();

    PaxcastBatchPublisher(HttpClient http, URI uri, String channel, int batchItems) {
        this.http = http;
        this.uri = uri;
        this.itemPrefix = "{\"channel\":\"" + channel + "\",\"data\":";
        this.batchItems = batchItems;
    }

    @Override
    public void publish(byte[] payload, Ack ack) {
        body.append(acks.isEmpty() ? '[' : ',').append(itemPrefix).append(new String(payload, StandardCharsets.US_ASCII)).append('}');
        acks.add(ack);
        if (acks.size() >= batchItems) {
            flush();
        }
    }

    @Override
    public void flush() {
        if (acks.isEmpty()) {
            return;
        }
        List<Ack> batch = acks;
        String json = body.append(']').toString();
        acks = new ArrayList<>();
        body = new StringBuilder();
        HttpRequest request = HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build();
        http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).whenComplete((response, error) -> {
            Throwable failure = error != null ? error : response.statusCode() == 201 ? null
                    : new IllegalStateException("POST /v1/messages answered " + response.statusCode() + " " + response.body());
            batch.forEach(a -> a.done(failure));
        });
    }
}
