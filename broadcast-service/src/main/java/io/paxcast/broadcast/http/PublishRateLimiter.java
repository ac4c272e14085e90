package io.paxcast.broadcast.http;

import io.paxcast.broadcast.api.ApiException;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Per-client publish rates: a token bucket per client address and one per bearer token, refilled at
 * {@code publish.ratePerIp} / {@code publish.ratePerToken} messages a second up to a burst of
 * {@code publish.rateBurstSeconds} of that rate. A publish is admitted while its buckets hold at least
 * one token and then takes one per message (a batch may leave a bucket in debt: the client waits that
 * much longer); otherwise {@code 429 rate_limited} with {@code Retry-After}, the seconds until one token
 * is back, and nothing is read or ordered.
 *
 * <p>Bounded: at most {@link #MAX_CLIENTS} buckets of each kind, least recently used evicted (an evicted
 * client starts again with a full bucket). Threading: the node's context only.
 */
public final class PublishRateLimiter {
    /** Buckets kept per kind: about 100 bytes each, so 6.5 MiB at most for both. */
    static final int MAX_CLIENTS = 32_768;

    private final Buckets perAddress;
    private final Buckets perToken;
    private long refused;

    /** @param ratePerIp, ratePerToken messages a second, 0 for no limit; {@code nanos} the clock */
    public PublishRateLimiter(double ratePerIp, double ratePerToken, double burstSeconds, LongSupplier nanos) {
        this.perAddress = ratePerIp > 0 ? new Buckets("address", ratePerIp, burstSeconds, nanos) : null;
        this.perToken = ratePerToken > 0 ? new Buckets("token", ratePerToken, burstSeconds, nanos) : null;
    }

    public boolean enabled() {
        return perAddress != null || perToken != null;
    }

    /**
     * Admits a publish of {@code messages} from {@code address} with bearer {@code token} (null: none,
     * or auth off): null if admitted (the tokens are taken), else the {@code 429} to answer.
     */
    public ApiException admit(String address, String token, int messages) {
        ApiException refusal = perAddress == null ? null : perAddress.check(address);
        if (refusal == null && perToken != null && token != null) {
            refusal = perToken.check(token);
        }
        if (refusal != null) {
            refused++;
            return refusal;
        }
        take(address, token, messages);
        return null;
    }

    /** Takes {@code messages} more tokens (the items of a batch beyond the one {@link #admit} took). */
    public void take(String address, String token, int messages) {
        if (perAddress != null) {
            perAddress.take(address, messages);
        }
        if (perToken != null && token != null) {
            perToken.take(token, messages);
        }
    }

    public long refused() {
        return refused;
    }

    private static final class Buckets {
        private final String kind;
        private final double ratePerNano;
        private final double capacity;
        private final LongSupplier nanos;
        /** key -> {tokens, last refill in nanos}; access order, so the eldest is the least recently used. */
        private final LinkedHashMap<String, double[]> buckets = new LinkedHashMap<>(1024, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, double[]> eldest) {
                return size() > MAX_CLIENTS;
            }
        };
        private final double rate;

        Buckets(String kind, double rate, double burstSeconds, LongSupplier nanos) {
            this.kind = kind;
            this.rate = rate;
            this.ratePerNano = rate / 1e9;
            this.capacity = Math.max(1, rate * burstSeconds);
            this.nanos = nanos;
        }

        private double[] refilled(String key) {
            long now = nanos.getAsLong();
            double[] b = buckets.computeIfAbsent(key, k -> new double[] {capacity, now});
            b[0] = Math.min(capacity, b[0] + (now - (long) b[1]) * ratePerNano);
            b[1] = now;
            return b;
        }

        ApiException check(String key) {
            double[] b = refilled(key);
            if (b[0] >= 1) {
                return null;
            }
            int retryAfter = (int) Math.max(1, Math.ceil((1 - b[0]) / rate));
            return new ApiException(429, "rate_limited", "this " + kind + " may publish " + rate
                    + " messages a second; retry in " + retryAfter + " s", retryAfter);
        }

        void take(String key, int messages) {
            refilled(key)[0] -= messages;
        }
    }
}
