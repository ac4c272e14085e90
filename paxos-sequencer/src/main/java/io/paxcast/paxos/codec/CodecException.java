package io.paxcast.paxos.codec;

/**
 * Bytes that are not a valid Paxcast encoding: truncated, of an unknown version or kind, with a length
 * that runs past the end, or with trailing bytes. Never thrown for a value the codec encoded itself.
 */
public class CodecException extends RuntimeException {
    public CodecException(String message) {
        super(message);
    }

    public CodecException(String message, Throwable cause) {
        super(message, cause);
    }
}
