package io.paxcast.broadcast.http;

import io.paxcast.broadcast.api.ApiException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;

/**
 * Request bodies are buffered whole before a publish is parsed; this bounds how many bytes of them the
 * node holds at once ({@code http.maxBufferedBodyBytes}). Before a body is read, its route reserves
 * its Content-Length (or, without one, the endpoint's limit); past the budget the request gets
 * {@code 429 overloaded} with Retry-After at once, its body unread, and a declared length over the
 * endpoint's limit gets {@code 413} at once. The reservation is released when the response ends.
 * WebSocket messages that clients send in fragments are reassembled under the same budget
 * ({@link #tryReserve}), so the node's buffered client input has one bound, whatever the number of
 * connections. Runs on the node's context (the HTTP server's connections are served there).
 */
public final class BodyBudget {
    private final long budget;
    private long reserved;

    public BodyBudget(long budget) {
        this.budget = budget;
    }

    /** A route handler placed before the body handler of an endpoint whose bodies may reach {@code limit}. */
    public io.vertx.core.Handler<RoutingContext> before(int limit) {
        return ctx -> {
            String declared = ctx.request().getHeader(HttpHeaders.CONTENT_LENGTH);
            long length = limit;
            if (declared != null) {
                try {
                    length = Long.parseLong(declared.trim());
                } catch (NumberFormatException e) {
                    throw ApiException.badRequest("bad_request", "Content-Length is not a number: " + declared);
                }
                if (length > limit) {
                    ctx.response().putHeader(HttpHeaders.CONNECTION, "close");
                    throw new ApiException(413, "payload_too_large",
                            "the body is " + length + " bytes; this endpoint takes at most " + limit);
                }
            }
            if (reserved + length > budget) {
                ctx.response().putHeader(HttpHeaders.CONNECTION, "close");
                throw new ApiException(429, "overloaded", "this node is reading " + reserved
                        + " bytes of request bodies, its limit; retry later", 1);
            }
            long held = length;
            reserved += held;
            ctx.addEndHandler(v -> reserved -= held);
            ctx.next();
        };
    }

    /**
     * Reserves {@code bytes} of the budget for input buffered outside a request body (a WebSocket
     * message reassembled from its fragments), if there is room.
     *
     * @return false if the budget has no room for it (nothing is reserved)
     */
    public boolean tryReserve(long bytes) {
        if (reserved + bytes > budget) {
            return false;
        }
        reserved += bytes;
        return true;
    }

    /** Gives back what {@link #tryReserve} took. */
    public void release(long bytes) {
        reserved -= bytes;
    }

    public long reserved() {
        return reserved;
    }
}
