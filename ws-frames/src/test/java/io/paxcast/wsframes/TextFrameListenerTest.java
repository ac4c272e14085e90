package io.paxcast.wsframes;

import org.junit.jupiter.api.Test;

import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;

class TextFrameListenerTest {
    /** Counts what the listener asks of the socket; nothing is ever sent. */
    static final class CountingSocket implements WebSocket {
        final List<Long> requests = new ArrayList<>();

        @Override public CompletableFuture<WebSocket> sendText(CharSequence data, boolean last) { return CompletableFuture.completedFuture(this); }
        @Override public CompletableFuture<WebSocket> sendBinary(ByteBuffer data, boolean last) { return CompletableFuture.completedFuture(this); }
        @Override public CompletableFuture<WebSocket> sendPing(ByteBuffer message) { return CompletableFuture.completedFuture(this); }
        @Override public CompletableFuture<WebSocket> sendPong(ByteBuffer message) { return CompletableFuture.completedFuture(this); }
        @Override public CompletableFuture<WebSocket> sendClose(int statusCode, String reason) { return CompletableFuture.completedFuture(this); }
        @Override public void request(long n) { requests.add(n); }
        @Override public String getSubprotocol() { return ""; }
        @Override public boolean isOutputClosed() { return false; }
        @Override public boolean isInputClosed() { return false; }
        @Override public void abort() { }
    }

    @Test
    void partsOfOneMessageReachTheHandlerAsOneText() {
        List<String> texts = new ArrayList<>();
        CountingSocket ws = new CountingSocket();
        TextFrameListener l = TextFrameListener.unbounded((socket, text) -> texts.add(text));
        l.onOpen(ws);
        l.onText(ws, "{\"type\":", false);
        l.onText(ws, "\"message\"", false);
        l.onText(ws, "}", true);
        l.onText(ws, "{}", true);
        assertEquals(List.of("{\"type\":\"message\"}", "{}"), texts);
        assertEquals(List.of(Long.MAX_VALUE), ws.requests, "unbounded: one request when opened, none after");
    }

    @Test
    void oneAtATimeAsksOnlyForTheRestOfAMessageItHasBegun() {
        List<String> texts = new ArrayList<>();
        CountingSocket ws = new CountingSocket();
        TextFrameListener l = new TextFrameListener(TextFrameListener.Demand.ONE_AT_A_TIME, (socket, text) -> texts.add(text));
        l.onOpen(ws);
        l.onText(ws, "ab", false);
        l.onText(ws, "c", true);
        assertEquals(List.of("abc"), texts);
        assertEquals(List.of(1L, 1L), ws.requests, "one when opened, one for the second part, none for the next message");
    }
}
