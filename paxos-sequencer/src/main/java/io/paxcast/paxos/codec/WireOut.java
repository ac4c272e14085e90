package io.paxcast.paxos.codec;

/**
 * Where {@link PaxosCodec} writes. The same write code runs twice: once into a {@link Sizer} to learn
 * the exact length, then into an {@link ArrayOut} of exactly that length, so an encoding costs one
 * array and no copy.
 *
 * <p>Primitives: {@code u8}, unsigned LEB128 varints for longs (1 byte for 0..127, at most 10), and
 * length-prefixed UTF-8 strings and byte arrays (the length is a varint).
 */
abstract class WireOut {

    abstract void u8(int b);

    abstract void varlong(long v);

    abstract void bytes(byte[] b);

    abstract void string(String s);

    static int varlongSize(long v) {
        return (63 - Long.numberOfLeadingZeros(v | 1)) / 7 + 1;
    }

    /**
     * UTF-8 length of {@code s} as {@link String#getBytes} with UTF-8 produces it: an unpaired
     * surrogate becomes one '?' byte.
     */
    static int utf8Size(String s) {
        int n = s.length();
        int size = n;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                continue;
            }
            if (c < 0x800) {
                size += 1;
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                size += 2; // 2 chars -> 4 bytes
                i++;
            } else if (Character.isSurrogate(c)) {
                // unpaired: '?', one byte, already counted
            } else {
                size += 2;
            }
        }
        return size;
    }

    /** Counts bytes only. */
    static final class Sizer extends WireOut {
        int size;

        @Override
        void u8(int b) {
            size++;
        }

        @Override
        void varlong(long v) {
            size += varlongSize(v);
        }

        @Override
        void bytes(byte[] b) {
            size += varlongSize(b.length) + b.length;
        }

        @Override
        void string(String s) {
            int n = utf8Size(s);
            size += varlongSize(n) + n;
        }
    }

    /** Writes into an array that the sizing pass made exactly large enough. */
    static final class ArrayOut extends WireOut {
        private final byte[] buf;
        int pos;

        ArrayOut(byte[] buf, int pos) {
            this.buf = buf;
            this.pos = pos;
        }

        @Override
        void u8(int b) {
            buf[pos++] = (byte) b;
        }

        @Override
        void varlong(long v) {
            while ((v & ~0x7FL) != 0) {
                buf[pos++] = (byte) ((v & 0x7F) | 0x80);
                v >>>= 7;
            }
            buf[pos++] = (byte) v;
        }

        @Override
        void bytes(byte[] b) {
            varlong(b.length);
            System.arraycopy(b, 0, buf, pos, b.length);
            pos += b.length;
        }

        @Override
        void string(String s) {
            varlong(utf8Size(s));
            int n = s.length();
            for (int i = 0; i < n; i++) {
                char c = s.charAt(i);
                if (c < 0x80) {
                    buf[pos++] = (byte) c;
                } else if (c < 0x800) {
                    buf[pos++] = (byte) (0xC0 | (c >> 6));
                    buf[pos++] = (byte) (0x80 | (c & 0x3F));
                } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                    int cp = Character.toCodePoint(c, s.charAt(++i));
                    buf[pos++] = (byte) (0xF0 | (cp >> 18));
                    buf[pos++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
                    buf[pos++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                    buf[pos++] = (byte) (0x80 | (cp & 0x3F));
                } else if (Character.isSurrogate(c)) {
                    buf[pos++] = (byte) '?';
                } else {
                    buf[pos++] = (byte) (0xE0 | (c >> 12));
                    buf[pos++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                    buf[pos++] = (byte) (0x80 | (c & 0x3F));
                }
            }
        }
    }
}
