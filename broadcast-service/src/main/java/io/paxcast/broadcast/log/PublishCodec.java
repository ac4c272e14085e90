package io.paxcast.broadcast.log;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The payload of one sequencer command: a publish request of one or more items, ordered together
 * (an atomic batch is one command, so it lands in one slot, contiguously).
 * Format: version byte, item count, then per item: channel, key flag, key, data length, UTF-8 JSON.
 * Version 2 (written only when an item is conditional, so a log without conditions stays readable by a
 * node of the version before) adds, after the key, a condition flag and the expected offset.
 */
public final class PublishCodec {
    private static final int VERSION = 1;
    private static final int VERSION_CONDITIONAL = 2;

    private PublishCodec() {
    }

    public static byte[] encode(List<PublishItem> items) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + items.size() * 64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            boolean conditional = items.stream().anyMatch(PublishItem::conditional);
            out.writeByte(conditional ? VERSION_CONDITIONAL : VERSION);
            out.writeInt(items.size());
            for (PublishItem item : items) {
                out.writeUTF(item.channel());
                out.writeBoolean(item.key() != null);
                if (item.key() != null) {
                    out.writeUTF(item.key());
                }
                if (conditional) {
                    out.writeBoolean(item.conditional());
                    if (item.conditional()) {
                        out.writeLong(item.expectOffset());
                    }
                }
                byte[] data = item.dataJson().getBytes(StandardCharsets.UTF_8);
                out.writeInt(data.length);
                out.write(data);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** The number of items in {@code payload}, without decoding them. */
    public static int itemCount(byte[] payload) {
        int version = payload.length < 5 ? -1 : payload[0] & 0xFF;
        if (version != VERSION && version != VERSION_CONDITIONAL) {
            throw new IllegalArgumentException("not a publish payload of version " + VERSION + " or " + VERSION_CONDITIONAL);
        }
        return (payload[1] & 0xFF) << 24 | (payload[2] & 0xFF) << 16 | (payload[3] & 0xFF) << 8 | (payload[4] & 0xFF);
    }

    public static List<PublishItem> decode(byte[] payload) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload))) {
            int version = in.readUnsignedByte();
            if (version != VERSION && version != VERSION_CONDITIONAL) {
                throw new IllegalArgumentException("unknown publish format version " + version);
            }
            int count = in.readInt();
            if (count < 0 || count > payload.length) {
                throw new IllegalArgumentException("bad item count " + count);
            }
            List<PublishItem> items = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                String channel = in.readUTF();
                String key = in.readBoolean() ? in.readUTF() : null;
                long expect = PublishItem.UNCONDITIONAL;
                if (version == VERSION_CONDITIONAL && in.readBoolean()) {
                    expect = in.readLong();
                    if (expect < 0) {
                        throw new IllegalArgumentException("bad expected offset " + expect);
                    }
                }
                int length = in.readInt();
                if (length < 0 || length > payload.length) {
                    throw new IllegalArgumentException("bad data length " + length);
                }
                byte[] data = in.readNBytes(length);
                items.add(new PublishItem(channel, key, new String(data, StandardCharsets.UTF_8), expect));
            }
            return items;
        } catch (IOException e) {
            throw new IllegalArgumentException("truncated publish payload", e);
        }
    }
}
