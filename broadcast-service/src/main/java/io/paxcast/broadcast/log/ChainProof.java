package io.paxcast.broadcast.log;

import io.vertx.core.json.Json;

/**
 * What a client needs to check one position of the total order against another node's
 * ({@code GET /v1/messages/{seq}/proof}): the message, {@code prevHash} = h(seq - 1) and its own
 * {@code hash} = h(seq). Two nodes that answer the same {@code hash} for a seq hold the same first
 * seq messages; a client recomputes {@code hash} from {@code prevHash}, {@code seq}, {@code channel}
 * and {@code dataText} (the payload's exact JSON text, as a JSON string, so that parsing and
 * re-encoding it cannot change a byte) to check that the node did not make the message up.
 */
public record ChainProof(PublishedMessage message, ChainHash prevHash) {
    /** The name of the hash construction, {@link ChainHash}, in every proof. */
    public static final String ALGORITHM = "sha256-chain-v1";

    /** Whether {@code hash} is what {@code prevHash} and the message give. */
    public boolean holds() {
        return prevHash.next(message.seq(), message.channel(), message.dataJson()).equals(message.hash());
    }

    public String toJson() {
        return "{\"seq\":" + message.seq()
                + ",\"channel\":\"" + message.channel() + '"'
                + ",\"offset\":" + message.offset()
                + ",\"ts\":" + message.ts()
                + ",\"data\":" + message.dataJson()
                + ",\"dataText\":" + Json.encode(message.dataJson())
                + ",\"prevHash\":\"" + prevHash.hex() + '"'
                + ",\"hash\":\"" + message.hash().hex() + '"'
                + ",\"algorithm\":\"" + ALGORITHM + "\"}";
    }
}
