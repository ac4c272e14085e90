package io.paxcast.paxos.storage;

import io.paxcast.paxos.codec.CodecException;
import io.paxcast.paxos.codec.PaxosCodec;
import io.paxcast.paxos.core.Ballot;
import io.paxcast.paxos.core.Message.SlotEntry;

import java.util.zip.CRC32C;

/**
 * The on-disk form of {@link MapDbStorage}'s records: {@code [crc32c u32 big-endian][format u8][body]},
 * the checksum covering every byte after itself. A slot record's body is
 * {@link PaxosCodec#encodeSlotEntry the codec's SlotEntry} (which carries the slot, so a record filed
 * under the wrong key is caught too); the meta record's body is the chosen prefix (8 bytes) and the
 * promised ballot ({@link PaxosCodec#encodeBallot}).
 */
final class RecordFormat {

    static final int FORMAT = 1;
    private static final int HEADER = 5;

    private RecordFormat() {
    }

    /** The promise and the chosen prefix, kept together in one record: one update per commit. */
    record Meta(Ballot promised, long chosenPrefix) {
    }

    static byte[] encodeSlot(SlotEntry entry) {
        byte[] bytes = new byte[HEADER + PaxosCodec.encodedSize(entry)];
        PaxosCodec.encode(entry, bytes, HEADER);
        return seal(bytes);
    }

    /** Decodes the record stored under {@code slot}, verifying its checksum. */
    static SlotEntry decodeSlot(long slot, byte[] bytes) {
        String what = "slot " + slot;
        verify(what, bytes);
        SlotEntry entry;
        try {
            entry = PaxosCodec.decodeSlotEntry(bytes, HEADER, bytes.length - HEADER);
        } catch (CodecException e) {
            throw new StorageException("record of " + what + " passed its checksum but does not decode: "
                    + e.getMessage(), e);
        }
        if (entry.slot() != slot) {
            throw new StorageException("record stored under slot " + slot + " is the record of slot " + entry.slot());
        }
        return entry;
    }

    static byte[] encodeMeta(Meta meta) {
        byte[] ballot = PaxosCodec.encodeBallot(meta.promised());
        byte[] bytes = new byte[HEADER + 8 + ballot.length];
        putLong(bytes, HEADER, meta.chosenPrefix());
        System.arraycopy(ballot, 0, bytes, HEADER + 8, ballot.length);
        return seal(bytes);
    }

    static Meta decodeMeta(byte[] bytes) {
        verify("the meta record (promise and chosen prefix)", bytes);
        if (bytes.length < HEADER + 8) {
            throw new StorageException("meta record too short: " + bytes.length + " bytes");
        }
        try {
            Ballot promised = PaxosCodec.decodeBallot(bytes, HEADER + 8, bytes.length - HEADER - 8);
            return new Meta(promised, getLong(bytes, HEADER));
        } catch (CodecException e) {
            throw new StorageException("meta record passed its checksum but does not decode: " + e.getMessage(), e);
        }
    }

    private static byte[] seal(byte[] bytes) {
        bytes[4] = FORMAT;
        int crc = crc(bytes);
        bytes[0] = (byte) (crc >>> 24);
        bytes[1] = (byte) (crc >>> 16);
        bytes[2] = (byte) (crc >>> 8);
        bytes[3] = (byte) crc;
        return bytes;
    }

    private static void verify(String what, byte[] bytes) {
        if (bytes.length < HEADER) {
            throw new StorageException("corrupt record of " + what + ": only " + bytes.length + " bytes");
        }
        int stored = (bytes[0] & 0xFF) << 24 | (bytes[1] & 0xFF) << 16 | (bytes[2] & 0xFF) << 8 | (bytes[3] & 0xFF);
        int actual = crc(bytes);
        if (stored != actual) {
            throw new StorageException(String.format("corrupt record of %s: checksum mismatch (stored %08x, computed %08x"
                    + " over %d bytes)", what, stored, actual, bytes.length - 4));
        }
        if (bytes[4] != FORMAT) {
            throw new StorageException("record of " + what + " has unknown format " + bytes[4]);
        }
    }

    private static int crc(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, 4, bytes.length - 4);
        return (int) crc.getValue();
    }

    private static void putLong(byte[] b, int off, long v) {
        for (int i = 7; i >= 0; i--) {
            b[off + i] = (byte) v;
            v >>>= 8;
        }
    }

    private static long getLong(byte[] b, int off) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[off + i] & 0xFF);
        }
        return v;
    }
}
