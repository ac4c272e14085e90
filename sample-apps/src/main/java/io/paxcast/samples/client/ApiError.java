package io.paxcast.samples.client;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import java.net.URI;

/**
 * The node answered with an error: {@code {"error": {"code": .., "message": ..}}} over HTTP, or an
 * {@code {"type": "error"}} frame on a WebSocket (docs/API.md). {@link #status} is the HTTP status, 0 for
 * a frame.
 */
public final class ApiError extends RuntimeException {
    public final URI node;
    public final int status;
    public final String code;
    public final long retryAfterSeconds;

    public ApiError(URI node, int status, String code, String message, long retryAfterSeconds) {
        super(message);
        this.node = node;
        this.status = status;
        this.code = code;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** Parses an HTTP error body; a body that is not the documented shape becomes {@code http_<status>}. */
    public static ApiError fromHttp(URI node, int status, String body, long retryAfterSeconds) {
        try {
            JsonObject error = new JsonObject(body).getJsonObject("error");
            if (error != null && error.getValue("code") instanceof String code) {
                return new ApiError(node, status, code, String.valueOf(error.getValue("message")), retryAfterSeconds);
            }
        } catch (DecodeException | ClassCastException notTheShape) {
            // reported below with the raw body
        }
        String shown = body == null ? "" : body.strip();
        if (shown.length() > 200) {
            shown = shown.substring(0, 200) + "...";
        }
        return new ApiError(node, status, "http_" + status, shown.isEmpty() ? "(empty body)" : shown, retryAfterSeconds);
    }

    /** An {@code error} frame received on a subscription. */
    public static ApiError fromFrame(URI node, JsonObject frame) {
        return new ApiError(node, 0, String.valueOf(frame.getValue("code")), String.valueOf(frame.getValue("message")), 0);
    }

    /** Worth retrying (elsewhere or later) with the same idempotency key: no quorum, not ready, overloaded. */
    public boolean isTransient() {
        return status == 503 || status == 429 || status == 502 || status == 504;
    }

    /** {@code error <code> (HTTP 503 from http://..): <message>}: the CLI's one-line report. */
    public String describe() {
        String where = status > 0 ? "HTTP " + status + " from " + node : "frame from " + node;
        return "error " + code + " (" + where + "): " + getMessage();
    }
}
