package io.paxcast.paxos.storage;

import io.paxcast.paxos.core.Message.SlotEntry;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A journal frame's payload: the effect of one write group, as the MapDB records it puts (each
 * sealed with its own checksum by {@link RecordFormat}) and the new meta record if it changed.
 * {@code [u32 count]([i64 slot][u32 length][record])*[u8 hasMeta]([u32 length][meta])?}
 */
final class GroupFormat {
    record Put(long slot, byte[] record) {}

    record Group(List<Put> puts, byte[] meta) {}

    private GroupFormat() {
    }

    static Group of(WritePlan plan) {
        List<Put> puts = new ArrayList<>(plan.puts.size());
        for (SlotEntry entry : plan.puts.values()) {
            puts.add(new Put(entry.slot(), RecordFormat.encodeSlot(entry)));
        }
        byte[] meta = plan.metaChanged ? RecordFormat.encodeMeta(plan.meta) : null;
        return new Group(puts, meta);
    }

    static byte[] encode(Group group) {
        int size = 4 + 1 + (group.meta() == null ? 0 : 4 + group.meta().length);
        for (Put put : group.puts()) {
            size += 12 + put.record().length;
        }
        ByteBuffer out = ByteBuffer.allocate(size);
        out.putInt(group.puts().size());
        for (Put put : group.puts()) {
            out.putLong(put.slot()).putInt(put.record().length).put(put.record());
        }
        out.put((byte) (group.meta() == null ? 0 : 1));
        if (group.meta() != null) {
            out.putInt(group.meta().length).put(group.meta());
        }
        return out.array();
    }

    static Group decode(byte[] payload) {
        try {
            ByteBuffer in = ByteBuffer.wrap(payload);
            int count = in.getInt();
            if (count < 0 || count > payload.length) {
                throw new StorageException("journal group with " + count + " records");
            }
            List<Put> puts = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                long slot = in.getLong();
                byte[] record = new byte[checkedLength(in)];
                in.get(record);
                RecordFormat.decodeSlot(slot, record); // verifies the record's own checksum
                puts.add(new Put(slot, record));
            }
            byte[] meta = null;
            if (in.get() == 1) {
                meta = new byte[checkedLength(in)];
                in.get(meta);
                RecordFormat.decodeMeta(meta);
            }
            return new Group(puts, meta);
        } catch (java.nio.BufferUnderflowException e) {
            throw new StorageException("journal group is truncated inside a frame that passed its checksum", e);
        }
    }

    private static int checkedLength(ByteBuffer in) {
        int length = in.getInt();
        if (length < 0 || length > in.remaining()) {
            throw new StorageException("journal record length " + length + " exceeds its frame");
        }
        return length;
    }
}
