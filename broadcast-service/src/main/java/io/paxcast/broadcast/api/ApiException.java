package io.paxcast.broadcast.api;

import io.vertx.core.json.JsonObject;

/**
 * An error the API reports as {@code {"error": {"code": .., "message": ..}}} with {@link #status}.
 * {@link #retryAfterSeconds} > 0 adds a {@code Retry-After} header.
 */
public final class ApiException extends RuntimeException {
    public final int status;
    public final String code;
    public final int retryAfterSeconds;

    public ApiException(int status, String code, String message) {
        this(status, code, message, 0);
    }

    public ApiException(int status, String code, String message, int retryAfterSeconds) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public static ApiException badRequest(String code, String message) {
        return new ApiException(400, code, message);
    }

    public static ApiException noQuorum(String message) {
        return new ApiException(503, "no_quorum", message, 1);
    }

    public JsonObject body() {
        return new JsonObject().put("error", new JsonObject().put("code", code).put("message", getMessage()));
    }

    /** The WebSocket form: {@code {"type":"error","code":..,"message":..}} (+ the client's id). */
    public JsonObject frame(String id) {
        JsonObject frame = new JsonObject().put("type", "error").put("code", code).put("message", getMessage());
        if (id != null) {
            frame.put("id", id);
        }
        return frame;
    }
}
