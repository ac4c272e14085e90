package io.paxcast.broadcast.http;

import io.paxcast.broadcast.api.ApiException;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The token buckets on a clock the test moves. */
class PublishRateLimiterTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void aBurstIsAdmittedThenTheRateAndABatchLeavesDebt() {
        AtomicLong now = new AtomicLong(5 * SECOND);
        PublishRateLimiter rates = new PublishRateLimiter(10, 0, 2, now::get);
        for (int i = 0; i < 20; i++) {
            assertNull(rates.admit("1.2.3.4", null, 1), "the burst: 2 s of 10/s, message " + i);
        }
        ApiException refused = rates.admit("1.2.3.4", null, 1);
        assertNotNull(refused);
        assertEquals(429, refused.status);
        assertEquals("rate_limited", refused.code);
        assertEquals(1, refused.retryAfterSeconds);
        assertNull(rates.admit("5.6.7.8", null, 1), "another address has its own bucket");

        now.addAndGet(SECOND / 10); // one token back
        assertNull(rates.admit("1.2.3.4", null, 1));
        assertNotNull(rates.admit("1.2.3.4", null, 1));

        now.addAndGet(SECOND); // 10 back
        assertNull(rates.admit("1.2.3.4", null, 1));
        rates.take("1.2.3.4", null, 39); // a batch of 40: 30 into debt
        ApiException debt = rates.admit("1.2.3.4", null, 1);
        assertNotNull(debt);
        assertEquals(4, debt.retryAfterSeconds, "31 tokens short at 10/s");
        assertEquals(3, rates.refused());
    }

    @Test
    void aTokenIsLimitedWhereverItComesFromAndOffMeansOff() {
        AtomicLong now = new AtomicLong();
        PublishRateLimiter rates = new PublishRateLimiter(0, 1, 3, now::get);
        assertTrue(rates.enabled());
        for (int i = 0; i < 3; i++) {
            assertNull(rates.admit("10.0.0." + i, "token-a", 1));
        }
        assertNotNull(rates.admit("10.0.0.9", "token-a", 1), "a token's bucket follows it across addresses");
        assertNull(rates.admit("10.0.0.9", "token-b", 1));
        assertNull(rates.admit("10.0.0.9", null, 1000), "no token, no per-token limit");

        PublishRateLimiter off = new PublishRateLimiter(0, 0, 2, now::get);
        assertFalse(off.enabled());
        for (int i = 0; i < 10_000; i++) {
            assertNull(off.admit("1.1.1.1", "t", 1));
        }
    }

    @Test
    void theBucketsAreBoundedWhateverTheNumberOfClients() {
        AtomicLong now = new AtomicLong();
        PublishRateLimiter rates = new PublishRateLimiter(1, 0, 1, now::get);
        assertNull(rates.admit("client-0", null, 1));
        assertNotNull(rates.admit("client-0", null, 1));
        for (int i = 1; i <= PublishRateLimiter.MAX_CLIENTS; i++) {
            rates.admit("client-" + i, null, 1);
        }
        assertNull(rates.admit("client-0", null, 1), "evicted as least recently used: a full bucket again");
    }
}
