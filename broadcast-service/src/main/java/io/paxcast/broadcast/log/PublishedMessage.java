package io.paxcast.broadcast.log;

import io.vertx.core.json.Json;

/**
 * A message in the total order: its global {@code seq}, its {@code offset} in its channel, the log's
 * {@code ts}, and its {@link ChainHash} {@code hash} = h(seq).
 */
public record PublishedMessage(long seq, String channel, long offset, long ts, String dataJson, String key,
                               ChainHash hash) {

    /** The history form: {@code {"seq":..,"channel":..,"offset":..,"ts":..,"data":..,"hash":..}} (+ "key"). */
    public String toJson() {
        return appendFields(new StringBuilder(64 + dataJson.length()).append('{')).append('}').toString();
    }

    /** The WebSocket frame: the history form with {@code "type":"message"} first. */
    public String toFrame() {
        return appendFields(new StringBuilder(80 + dataJson.length()).append("{\"type\":\"message\",")).append('}')
                .toString();
    }

    private StringBuilder appendFields(StringBuilder sb) {
        // channel names are [A-Za-z0-9._-]: no escaping needed; the key may hold anything printable
        sb.append("\"seq\":").append(seq)
                .append(",\"channel\":\"").append(channel).append('"')
                .append(",\"offset\":").append(offset)
                .append(",\"ts\":").append(ts)
                .append(",\"data\":").append(dataJson)
                .append(",\"hash\":\"").append(hash.hex()).append('"');
        if (key != null) {
            sb.append(",\"key\":").append(Json.encode(key));
        }
        return sb;
    }
}
