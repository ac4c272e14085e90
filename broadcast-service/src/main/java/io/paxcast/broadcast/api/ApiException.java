package io.paxcast.broadcast.api;

import io.vertx.core.json.JsonObject;

/**
 * An error the API reports as {@code {"error": {"code": .., "message": ..}}} with {@link #status}.
 * {@link #retryAfterSeconds} > 0 adds a {@code Retry-After} header. {@link #withDetail} adds a field to
 * the error object (an extension of the contract's shape: for example {@code "earliest"} beside
 * {@code offset_expired}).
 */
public final class ApiException extends RuntimeException {
    public final int status;
    public final String code;
    public final int retryAfterSeconds;
    private final JsonObject details = new JsonObject();

    public ApiException(int status, String code, String message) {
        this(status, code, message, 0);
    }

    public ApiException(int status, String code, String message, int retryAfterSeconds) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** The same error with {@code field} in its error object (and in its WebSocket frame). */
    public ApiException withDetail(String field, long value) {
        details.put(field, value);
        return this;
    }

    /** {@code offset_expired} (410): retention removed what was asked for; {@code earliest} is still there. */
    public static ApiException offsetExpired(String message, long earliest) {
        return new ApiException(410, "offset_expired", message).withDetail("earliest", earliest);
    }

    public static ApiException badRequest(String code, String message) {
        return new ApiException(400, code, message);
    }

    public static ApiException noQuorum(String message) {
        return new ApiException(503, "no_quorum", message, 1);
    }

    public JsonObject body() {
        JsonObject error = new JsonObject().put("code", code).put("message", getMessage());
        details.forEach(e -> error.put(e.getKey(), e.getValue()));
        return new JsonObject().put("error", error);
    }

    /** The WebSocket form: {@code {"type":"error","code":..,"message":..}} (+ the client's id). */
    public JsonObject frame(String id) {
        JsonObject frame = new JsonObject().put("type", "error").put("code", code).put("message", getMessage());
        details.forEach(e -> frame.put(e.getKey(), e.getValue()));
        if (id != null) {
            frame.put("id", id);
        }
        return frame;
    }
}
