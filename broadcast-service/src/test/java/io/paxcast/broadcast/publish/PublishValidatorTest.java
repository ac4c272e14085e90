package io.paxcast.broadcast.publish;

import io.paxcast.broadcast.api.ApiException;
import io.paxcast.broadcast.log.PublishItem;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The rules every entrance applies, with the contract's error for each. */
class PublishValidatorTest {
    private final PublishValidator validator = new PublishValidator(16);

    @Test
    void aValidMessagePasses() {
        PublishItem item = validator.clientItem("chat.room-1", "k1", () -> "{\"a\":1}", c -> true);
        assertEquals(new PublishItem("chat.room-1", "k1", "{\"a\":1}"), item);
    }

    @Test
    void eachRuleFailsWithItsError() {
        assertEquals("invalid_channel", code(() -> validator.clientItem("bad channel", null, () -> "1", c -> true)));
        assertEquals("forbidden", code(() -> validator.clientItem("secret", null, () -> "1", c -> !c.equals("secret"))));
        assertEquals("invalid_idempotency_key", code(() -> validator.clientItem("ok", "", () -> "1", c -> true)));
        assertEquals("payload_too_large", code(() -> validator.clientItem("ok", null, () -> "\"" + "x".repeat(15) + "\"", c -> true)));
        assertEquals(413, assertThrows(ApiException.class, () -> validator.checkSize("x".repeat(17))).status);
    }

    @Test
    void theDataIsNotAskedForWhenTheChannelIsRefused() {
        AtomicBoolean parsed = new AtomicBoolean();
        assertThrows(ApiException.class, () -> validator.clientItem("no way", null, () -> {
            parsed.set(true);
            return "1";
        }, c -> true));
        assertFalse(parsed.get());
    }

    @Test
    void theSizeIsCountedInUtf8Bytes() {
        for (String s : new String[] {"", "abc", "é", "✓", "😀", "a\uD800b", "\uDC00", "x😀é✓"}) {
            assertEquals(s.getBytes(StandardCharsets.UTF_8).length, PublishValidator.utf8Length(s), s);
        }
        validator.checkSize("é".repeat(8)); // 16 bytes: at the limit
        assertThrows(ApiException.class, () -> validator.checkSize("é".repeat(8) + "x"));
    }

    private static String code(Runnable r) {
        return assertThrows(ApiException.class, r::run).code;
    }
}
