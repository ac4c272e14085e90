package io.paxcast.broadcast.ws;

import io.paxcast.broadcast.log.PublishResult;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The hand-written ack frame is exactly the one a JsonObject would encode, whatever the client's id. */
class AckFrameTest {

    @Test
    void theAckFrameEncodesLikeAJsonObject() {
        PublishResult result = new PublishResult(12_345_678_901L, "chat.room-1", 42, 1_796_246_195_768L, false);
        for (String id : new String[] {null, "", "7", "a \"quoted\" id", "back\\slash", "line\nbreak", "é ✓ \u0001"}) {
            String expected = new JsonObject().put("type", "ack").put("id", id).put("seq", result.seq())
                    .put("offset", result.offset()).put("channel", result.channel()).put("ts", result.ts()).encode();
            assertEquals(expected, SubscriptionGateway.ackFrame(id, result.channel(), result));
            assertEquals(new JsonObject(expected), new JsonObject(SubscriptionGateway.ackFrame(id, result.channel(), result)));
        }
    }
}
