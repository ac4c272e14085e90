package io.paxcast.samples.client;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The client's side of the chain hash (docs/API.md, "The chain hash"), written from the contract as an
 * outside client would, not taken from the node's code (this module does not depend on the node):
 * {@code h(seq) = SHA-256(h(seq - 1) ‖ seq as 8 bytes big-endian ‖ the channel's UTF-8 length as 4
 * bytes big-endian ‖ the channel ‖ the payload's JSON text)}, hashes in lower-case hex, h(0) = 64 zeros.
 * The CLI's tests check it against the node's implementation.
 */
public final class ChainHashes {
    private static final HexFormat HEX = HexFormat.of();

    private ChainHashes() {
    }

    /** h(seq) in hex, from h(seq - 1) in hex. */
    public static String next(String previousHex, long seq, String channel, String dataText) {
        byte[] previous = HEX.parseHex(previousHex);
        if (previous.length != 32) {
            throw new IllegalArgumentException("a chain hash is 64 hex digits, got " + previousHex.length());
        }
        byte[] name = channel.getBytes(StandardCharsets.UTF_8);
        byte[] data = dataText.getBytes(StandardCharsets.UTF_8);
        ByteBuffer input = ByteBuffer.allocate(32 + 8 + 4 + name.length + data.length); // big-endian
        input.put(previous).putLong(seq).putInt(name.length).put(name).put(data);
        try {
            return HEX.formatHex(MessageDigest.getInstance("SHA-256").digest(input.array()));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("the JVM must provide SHA-256", e);
        }
    }
}
