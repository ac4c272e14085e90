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
 * under the wrong key is caught too); the meta record ({@link #encodeMeta}) holds the promise, the
 * chosen prefix and the acceptor's identity.
 */
final class RecordFormat {

    static final int FORMAT = 1;
    static final int META_FORMAT = 2;
    /** Format 2 with the log start (the first slot still held) after the bootstrap tokens. */
    static final int META_FORMAT_LOG_START = 3;
    private static final int HEADER = 5;

    private RecordFormat() {
    }

    static byte[] encodeSlot(SlotEntry entry) {
        byte[] bytes = new byte[HEADER + PaxosCodec.encodedSize(entry)];
        PaxosCodec.encode(entry, bytes, HEADER);
        return seal(bytes, FORMAT);
    }

    /** Decodes the record stored under {@code slot}, verifying its checksum. */
    static SlotEntry decodeSlot(long slot, byte[] bytes) {
        String what = "slot " + slot;
        verify(what, bytes, FORMAT);
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

    /**
     * The meta record (format 2): {@code [prefix i64][incarnation i64][flags u8: bit 0 intact][blank token i64][owner UTF]
     * [bootstrap count i32]([id UTF][token i64])*[ballot]}; format 3, written once the store compacted,
     * has the log start ({@code i64}) before the ballot. Format 1 (the promise and the prefix only) is
     * still read: it is a store written before the acceptor's identity was recorded.
     */
    static byte[] encodeMeta(WritePlan.Meta meta) {
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream(64);
        try (java.io.DataOutputStream out = new java.io.DataOutputStream(body)) {
            out.write(new byte[HEADER]);
            out.writeLong(meta.chosenPrefix());
            out.writeLong(meta.incarnation());
            out.writeByte(meta.intact() ? 1 : 0);
            out.writeLong(meta.blankToken());
            out.writeUTF(meta.owner());
            out.writeInt(meta.bootstrap().size());
            for (var e : new java.util.TreeMap<>(meta.bootstrap()).entrySet()) {
                out.writeUTF(e.getKey());
                out.writeLong(e.getValue());
            }
            if (meta.logStart() > 1) {
                out.writeLong(meta.logStart());
            }
            out.write(PaxosCodec.encodeBallot(meta.promised()));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        // A store that never compacted keeps writing format 2, which the previous version reads.
        return seal(body.toByteArray(), meta.logStart() > 1 ? META_FORMAT_LOG_START : META_FORMAT);
    }

    static WritePlan.Meta decodeMeta(byte[] bytes) {
        String what = "the meta record (promise, chosen prefix, identity)";
        if (bytes.length > HEADER && bytes[4] == FORMAT) {
            verify(what, bytes, FORMAT);
            if (bytes.length < HEADER + 8) {
                throw new StorageException("meta record too short: " + bytes.length + " bytes");
            }
            try {
                Ballot promised = PaxosCodec.decodeBallot(bytes, HEADER + 8, bytes.length - HEADER - 8);
                return new WritePlan.Meta(promised, getLong(bytes, HEADER), "", 0, false, java.util.Map.of(), 0, 1);
            } catch (CodecException e) {
                throw new StorageException("meta record passed its checksum but does not decode: " + e.getMessage(), e);
            }
        }
        boolean withLogStart = bytes.length > HEADER && bytes[4] == META_FORMAT_LOG_START;
        verify(what, bytes, withLogStart ? META_FORMAT_LOG_START : META_FORMAT);
        try {
            java.io.DataInputStream in = new java.io.DataInputStream(
                    new java.io.ByteArrayInputStream(bytes, HEADER, bytes.length - HEADER));
            long prefix = in.readLong();
            long incarnation = in.readLong();
            boolean intact = (in.readUnsignedByte() & 1) != 0;
            long blankToken = in.readLong();
            String owner = in.readUTF();
            int count = in.readInt();
            if (count < 0 || count > bytes.length) {
                throw new StorageException("meta record with " + count + " bootstrap tokens");
            }
            java.util.Map<String, Long> bootstrap = new java.util.HashMap<>();
            for (int i = 0; i < count; i++) {
                bootstrap.put(in.readUTF(), in.readLong());
            }
            long logStart = withLogStart ? in.readLong() : 1;
            if (logStart < 1 || logStart > prefix + 1) {
                throw new StorageException("meta record with log start " + logStart + " and chosen prefix " + prefix);
            }
            byte[] ballot = in.readAllBytes();
            return new WritePlan.Meta(PaxosCodec.decodeBallot(ballot), prefix, owner, incarnation, intact, bootstrap,
                    blankToken, logStart);
        } catch (java.io.IOException | CodecException e) {
            throw new StorageException("meta record passed its checksum but does not decode: " + e, e);
        }
    }

    private static byte[] seal(byte[] bytes, int format) {
        bytes[4] = (byte) format;
        int crc = crc(bytes);
        bytes[0] = (byte) (crc >>> 24);
        bytes[1] = (byte) (crc >>> 16);
        bytes[2] = (byte) (crc >>> 8);
        bytes[3] = (byte) crc;
        return bytes;
    }

    private static void verify(String what, byte[] bytes, int format) {
        if (bytes.length < HEADER) {
            throw new StorageException("corrupt record of " + what + ": only " + bytes.length + " bytes");
        }
        int stored = (bytes[0] & 0xFF) << 24 | (bytes[1] & 0xFF) << 16 | (bytes[2] & 0xFF) << 8 | (bytes[3] & 0xFF);
        int actual = crc(bytes);
        if (stored != actual) {
            throw new StorageException(String.format("corrupt record of %s: checksum mismatch (stored %08x, computed %08x"
                    + " over %d bytes)", what, stored, actual, bytes.length - 4));
        }
        if (bytes[4] != format) {
            throw new StorageException("record of " + what + " has unknown format " + bytes[4]);
        }
    }

    private static int crc(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, 4, bytes.length - 4);
        return (int) crc.getValue();
    }

    private static long getLong(byte[] b, int off) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[off + i] & 0xFF);
        }
        return v;
    }
}
