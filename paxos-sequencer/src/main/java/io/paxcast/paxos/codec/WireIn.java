package io.paxcast.paxos.codec;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Reads what {@link WireOut} wrote, from {@code buf[pos, end)}. Every length and count is checked
 * against the bytes that remain before anything is allocated, so garbage input fails fast with a
 * {@link CodecException} instead of looping or exhausting memory.
 */
final class WireIn {
    private final byte[] buf;
    private final int start;
    private final int end;
    private int pos;
    /** The format version of what is being read (set from its header): old versions lack some fields. */
    int version = PaxosCodec.VERSION;

    WireIn(byte[] buf, int offset, int length) {
        if (offset < 0 || length < 0 || offset > buf.length - length) {
            throw new CodecException("slice [" + offset + ", +" + length + ") outside an array of " + buf.length);
        }
        this.buf = buf;
        this.start = offset;
        this.pos = offset;
        this.end = offset + length;
    }

    int remaining() {
        return end - pos;
    }

    int u8() {
        if (pos >= end) {
            throw truncated("a byte");
        }
        return buf[pos++] & 0xFF;
    }

    long varlong() {
        long result = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos >= end) {
                throw truncated("a varint");
            }
            int b = buf[pos++] & 0xFF;
            if (shift == 63 && b > 1) {
                throw fail("varint overflows 64 bits");
            }
            result |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return result;
            }
        }
        throw fail("varint longer than 10 bytes");
    }

    /** A length or count whose elements take at least {@code minBytesEach} bytes each. */
    int count(String what, int minBytesEach) {
        long n = varlong();
        if (n < 0 || n > remaining() / minBytesEach) {
            throw fail(what + " " + Long.toUnsignedString(n) + " does not fit in the " + remaining()
                    + " bytes left");
        }
        return (int) n;
    }

    byte[] bytes() {
        int n = count("byte length", 1);
        byte[] out = new byte[n];
        System.arraycopy(buf, pos, out, 0, n);
        pos += n;
        return out;
    }

    String string() {
        int n = count("string length", 1);
        int from = pos;
        pos += n;
        boolean ascii = true;
        for (int i = from; i < pos; i++) {
            if (buf[i] < 0) {
                ascii = false;
                break;
            }
        }
        if (ascii) {
            return new String(buf, from, n, StandardCharsets.ISO_8859_1);
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(buf, from, n))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new CodecException("malformed UTF-8 string at offset " + (from - start), e);
        }
    }

    void expectEnd() {
        if (pos != end) {
            throw fail((end - pos) + " trailing bytes");
        }
    }

    CodecException fail(String why) {
        return new CodecException(why + " (at offset " + (pos - start) + " of " + (end - start) + ")");
    }

    private CodecException truncated(String what) {
        return new CodecException("truncated: expected " + what + " at offset " + (pos - start) + " of "
                + (end - start));
    }
}
