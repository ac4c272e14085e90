package io.paxcast.broadcast.log;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * The chain hash of the total order: a 32-byte digest that commits to every message up to a seq, so
 * two nodes that show the same hash at seq {@code s} hold the same first {@code s} messages, in the
 * same order, with the same channels and payloads.
 *
 * <pre>
 *   h(0)   = 32 zero bytes
 *   h(seq) = SHA-256( h(seq - 1) ‖ seq ‖ len(channel) ‖ channel ‖ data )
 * </pre>
 * where {@code seq} is 8 bytes big-endian, {@code len(channel)} 4 bytes big-endian, {@code channel}
 * the UTF-8 of the name and {@code data} the UTF-8 of the payload's JSON text exactly as history and
 * frames show it (the node stores it as compact JSON and never re-encodes it). The length keeps
 * channel and data apart ({@code "a1"+"2"} and {@code "a"+"12"} hash differently).
 *
 * <p>It is part of the decided state: {@link BroadcastLog} computes it while applying, a pure
 * function of the log, so every node computes the same chain (DESIGN.md P12). Immutable.
 */
public final class ChainHash {
    public static final int BYTES = 32;
    /** h(0): the hash before the first message. */
    public static final ChainHash ZERO = new ChainHash(new byte[BYTES]);
    private static final HexFormat HEX = HexFormat.of();

    private final byte[] bytes;

    private ChainHash(byte[] bytes) {
        this.bytes = bytes;
    }

    /** A hash from its 32 bytes (copied). */
    public static ChainHash of(byte[] bytes) {
        if (bytes.length != BYTES) {
            throw new IllegalArgumentException("a chain hash has " + BYTES + " bytes, not " + bytes.length);
        }
        return new ChainHash(bytes.clone());
    }

    /**
     * A hash from its 64 lower-case or upper-case hex digits.
     *
     * @throws IllegalArgumentException if it is not 64 hex digits
     */
    public static ChainHash fromHex(String hex) {
        if (hex == null || hex.length() != 2 * BYTES) {
            throw new IllegalArgumentException("a chain hash is " + 2 * BYTES + " hex digits");
        }
        return new ChainHash(HEX.parseHex(hex));
    }

    /** h(seq) from h(seq - 1) = {@code this}. */
    public ChainHash next(long seq, String channel, String dataJson) {
        return next(digest(), seq, channel, dataJson);
    }

    /** As {@link #next(long, String, String)}, with a digest the caller reuses (one per thread). */
    public ChainHash next(MessageDigest sha256, long seq, String channel, String dataJson) {
        byte[] name = channel.getBytes(StandardCharsets.UTF_8);
        byte[] head = new byte[BYTES + 8 + 4];
        System.arraycopy(bytes, 0, head, 0, BYTES);
        for (int i = 0; i < 8; i++) {
            head[BYTES + i] = (byte) (seq >>> (56 - 8 * i));
        }
        for (int i = 0; i < 4; i++) {
            head[BYTES + 8 + i] = (byte) (name.length >>> (24 - 8 * i));
        }
        sha256.reset();
        sha256.update(head);
        sha256.update(name);
        sha256.update(dataJson.getBytes(StandardCharsets.UTF_8));
        return new ChainHash(sha256.digest());
    }

    /** A new SHA-256 digest (every JVM has one). */
    public static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("the JVM must provide SHA-256", e);
        }
    }

    /** The 32 bytes (a copy). */
    public byte[] bytes() {
        return bytes.clone();
    }

    /** Copies the 32 bytes into {@code target} at {@code offset}. */
    void copyTo(byte[] target, int offset) {
        System.arraycopy(bytes, 0, target, offset, BYTES);
    }

    public String hex() {
        return HEX.formatHex(bytes);
    }

    void writeTo(DataOutput out) throws IOException {
        out.write(bytes);
    }

    static ChainHash readFrom(DataInput in) throws IOException {
        byte[] b = new byte[BYTES];
        in.readFully(b);
        return new ChainHash(b);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ChainHash other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return hex();
    }
}
