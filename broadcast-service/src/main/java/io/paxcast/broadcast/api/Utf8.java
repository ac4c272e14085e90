package io.paxcast.broadcast.api;

/** UTF-8 sizes of strings, counted without encoding them (a payload is measured on every publish and apply). */
public final class Utf8 {
    private Utf8() {
    }

    /** The bytes {@code s} takes in UTF-8, as {@link String#getBytes} would encode it (a lone surrogate as '?'). */
    public static int length(String s) {
        int bytes = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                bytes++;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                bytes += Character.isSurrogate(c) ? 1 : 3; // a lone surrogate is encoded as '?'
            }
        }
        return bytes;
    }
}
