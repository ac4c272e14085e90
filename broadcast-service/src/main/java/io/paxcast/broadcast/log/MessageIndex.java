package io.paxcast.broadcast.log;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The disk-backed indexes of the applied log: seq -> (slot, item position, channel, offset),
 * slot -> (first seq, ts), and per channel offset -> seq. The message bodies stay in the Paxos
 * storage; this only says where each one is and what the log assigned it.
 *
 * <h2>Files (in {@code dir}, memory-mapped, little-endian, in segment files {@code <name>.<n>} of
 * {@code 2^segmentShift} records: {@link MappedRecords})</h2>
 * <ul>
 *   <li>{@code messages.idx.*}: record {@code seq - 1}, 56 bytes: slot (8), channel id (4), item
 *       position (4), offset (8), and the message's {@link ChainHash} (32: its bytes read as four
 *       big-endian longs, each stored as the file's longs are, little-endian);</li>
 *   <li>{@code slots.idx.*}: record {@code slot - 1}, 32 bytes: first seq (8), ts (8), payload bytes of
 *       every message before the slot (8) and the log clock (8): what retention by bytes and by age
 *       measure;</li>
 *   <li>{@code channels.idx.*}: 8-byte seqs in per-channel blocks of 16, 32 .. 1024 entries
 *       ({@link ChannelLists});</li>
 *   <li>{@code index.clean}: only after {@link #closeDurably()}: the heap state ({@link IndexManifest}).</li>
 * </ul>
 *
 * <h2>Compaction</h2>
 * {@link #compact} forgets what retention expired: the records of the seqs and slots before the
 * earliest retained ones ({@link #baseSeq()}, {@link #baseSlot()} rise) and each channel's entries
 * before its first retained offset; a slow channel's block far behind the others moves up. Segments
 * wholly below what is still held are unmapped at once, and their files deleted by
 * {@link #deleteCompactedFiles} once a snapshot of the compacted state is durable (until then the
 * previous snapshot may still be resumed, and it reads them). So the files hold what is retained plus
 * about two segments of each kind, and up to twice the retained channel entries.
 *
 * <h2>Bounds</h2>
 * <ul>
 *   <li>Heap: nothing per message or per slot. Per channel about 170 bytes plus its name (the name,
 *       the map entry, {@link ChannelState}; 185 bytes measured with 13-character names) plus a block
 *       directory of one int per 1024 of its messages (at most twice that while the array has room
 *       to grow; about 4.7 KB per 10^6 messages in all). So the heap is a function of the channel
 *       count, and a cap on channels caps it. {@link #heapBytes()} estimates it.</li>
 *   <li>Disk: 56 bytes per retained message, 8 per channel entry, 32 per retained slot, and per channel
 *       at most one partly filled block (a one-message channel costs 128 bytes); compacted, the slack
 *       above. {@link #diskBytes()} says how much; the files are sparse, mapped a segment at a time, so
 *       their length runs ahead of it.</li>
 *   <li>RSS: the mapped pages the node touches are page cache in its RSS, not heap; the kernel
 *       reclaims them under memory pressure (writing dirty ones back first).</li>
 * </ul>
 *
 * <h2>Threading and durability</h2>
 * Not thread-safe: every call on one thread (the node's event loop). No call blocks on fsync except
 * {@link #closeDurably()}: writes are stores into mapped pages that the kernel writes back when it
 * likes; mapping the next segment (every 2^segmentShift records) creates its file and maps it,
 * without I/O wait. The one hazard of mapped sparse files: if the disk is full when a new page is first written,
 * the store fails with an {@link InternalError} (the JVM's form of SIGBUS), not an IOException; the
 * apply path then fails as it would on the Paxos storage's own full disk.
 *
 * <p>Nothing survives a crash by design: the index is derived from the log, so
 * {@link #create(Path)} starts empty and the owner replays the log into it. {@link #open(Path)} can
 * instead resume from a clean {@link #closeDurably()} and replay only the slots after
 * {@link #lastSlot()}.
 */
public final class MessageIndex implements AutoCloseable {
    static final String MESSAGES = "messages.idx";
    static final String SLOTS = "slots.idx";
    static final String CHANNELS = "channels.idx";
    /**
     * 2^18 records per segment file: 14 MiB of messages, 8 MiB of slots, 2 MiB of channel entries, so
     * compaction frees the disk in steps that are small beside a retention of 10^6 messages, and a
     * 10^9-message log without retention still maps only a few thousand segments.
     */
    public static final int DEFAULT_SEGMENT_SHIFT = 18;

    private static final int MESSAGE_BYTES = 56;
    private static final int M_SLOT = 0;
    private static final int M_CHANNEL = 8;
    private static final int M_POSITION = 12;
    private static final int M_OFFSET = 16;
    private static final int M_HASH = 24;
    private static final int SLOT_BYTES = 32;
    private static final int S_FIRST_SEQ = 0;
    private static final int S_TS = 8;
    private static final int S_BYTES_BEFORE = 16;
    private static final int S_LOG_CLOCK = 24;

    private final Path dir;
    private final int segmentShift;
    private final MappedRecords messages;
    private final MappedRecords slots;
    private final ChannelLists lists;
    private final Map<String, ChannelState> byName = new HashMap<>();
    private final List<ChannelState> byId = new ArrayList<>();
    private long lastSlot;
    private long headSeq;
    /** Slots and seqs up to these are not held (an index started from an installed snapshot); 0 otherwise. */
    private long baseSlot;
    private long baseSeq;
    private long lastTs;
    /** h({@link #headSeq}) and h({@link #baseSeq}): the chain's head, and the anchor the first held record chains from. */
    private ChainHash headHash = ChainHash.ZERO;
    private ChainHash baseHash = ChainHash.ZERO;
    /** The position of the last message appended in {@link #lastSlot}, -1 if none yet. */
    private int lastPosition = -1;
    private boolean closed;

    /**
     * Resumes the index in {@code dir} as {@code state} describes it (a snapshot's {@link #manifest()},
     * whose data files were {@link #forceThrough forced} before the snapshot was written). Whatever the
     * files hold beyond that state (written after the snapshot) is overwritten as the log is applied
     * again: every write goes beyond the state a manifest records (see {@link IndexManifest}).
     *
     * @throws IllegalStateException if the files are shorter than the state says (not this index's files)
     */
    static MessageIndex resume(Path dir, IndexManifest state) {
        // the files' segment size is the manifest's, whatever the configuration says now
        prepare(dir);
        try {
            Files.deleteIfExists(dir.resolve(IndexManifest.FILE)); // an older clean close: the snapshot rules
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove the marker in " + dir, e);
        }
        if (!filesCover(dir, state)) {
            throw new IllegalStateException("the index files in " + dir + " do not cover the snapshot's slot "
                    + state.lastSlot());
        }
        return new MessageIndex(dir, state.segmentShift(), state);
    }

    /**
     * A new index in {@code dir} that starts after {@code state}'s last slot (an installed snapshot's
     * index state, from another node): it knows the counters and every channel's head, so the next
     * message gets the next seq and offset, and it holds no record of the messages before (they are
     * answered as expired). Files of an earlier index are discarded.
     */
    static MessageIndex createAt(Path dir, IndexManifest state, int segmentShift) {
        MessageIndex index = create(dir, segmentShift);
        index.baseSlot = state.lastSlot();
        index.baseSeq = state.headSeq();
        index.lastSlot = state.lastSlot();
        index.headSeq = state.headSeq();
        index.lastTs = state.lastTs();
        index.headHash = state.headHash();
        index.baseHash = state.headHash(); // nothing before the base is held: the chain goes on from its head
        for (ChannelState c : state.channels()) {
            ChannelState counters = ChannelState.countersOnly(c.name, c.id, c.head, c.lastSeq);
            index.byName.put(c.name, counters);
            index.byId.add(counters);
        }
        // nothing before the base is held: the segments start there
        index.messages.dropBelow(index.baseSeq);
        index.slots.dropBelow(index.baseSlot);
        return index;
    }

    /** A new, empty index in {@code dir} (created if needed); files of an earlier index are discarded. */
    public static MessageIndex create(Path dir) {
        return create(dir, DEFAULT_SEGMENT_SHIFT);
    }

    /** Resumes the index a {@link #closeDurably()} left in {@code dir}, or else starts an empty one. */
    public static MessageIndex open(Path dir) {
        return open(dir, DEFAULT_SEGMENT_SHIFT);
    }

    /** A new, empty index in {@code dir} in segments of {@code 2^segmentShift} records. */
    public static MessageIndex create(Path dir, int segmentShift) {
        prepare(dir);
        try {
            Files.deleteIfExists(dir.resolve(IndexManifest.FILE)); // it would describe files truncated here
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove the marker in " + dir, e);
        }
        return new MessageIndex(dir, segmentShift, null);
    }

    static MessageIndex open(Path dir, int segmentShift) {
        prepare(dir);
        Optional<IndexManifest> kept = IndexManifest.readAndRemove(dir)
                .filter(m -> filesCover(dir, m));
        // kept files are in the segments they were written in, whatever size is asked for now
        return new MessageIndex(dir, kept.map(IndexManifest::segmentShift).orElse(segmentShift), kept.orElse(null));
    }

    private static void prepare(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir, e);
        }
    }

    /**
     * A manifest is only trusted when every segment file it refers to is there: the messages and slots
     * it holds, and every block in use of every channel.
     */
    private static boolean filesCover(Path dir, IndexManifest m) {
        int shift = m.segmentShift();
        if (!MappedRecords.filesCover(dir, MESSAGES, MESSAGE_BYTES, shift, m.baseSeq(), m.headSeq())
                || !MappedRecords.filesCover(dir, SLOTS, SLOT_BYTES, shift, m.baseSlot(), m.lastSlot())) {
            return false;
        }
        for (ChannelState c : m.channels()) {
            for (int k = c.firstBlock(); k < c.blockCount(); k++) {
                if (!c.absent(k) && !MappedRecords.filesCover(dir, CHANNELS, ChannelLists.ENTRY_BYTES, shift,
                        c.blockStart(k), c.blockStart(k) + ChannelLists.capacity(k))) {
                    return false;
                }
            }
        }
        return true;
    }

    private MessageIndex(Path dir, int segmentShift, IndexManifest kept) {
        this.dir = dir;
        this.segmentShift = segmentShift;
        boolean fresh = kept == null; // nothing kept: every file below is deleted
        this.messages = new MappedRecords(dir, MESSAGES, MESSAGE_BYTES, segmentShift, fresh, fresh ? 0 : kept.baseSeq());
        this.slots = new MappedRecords(dir, SLOTS, SLOT_BYTES, segmentShift, fresh, fresh ? 0 : kept.baseSlot());
        this.lists = new ChannelLists(dir, CHANNELS, segmentShift, fresh, fresh ? 0 : kept.allocatedEntries(),
                fresh ? 0 : kept.entriesFloor());
        if (!fresh) {
            lastSlot = kept.lastSlot();
            headSeq = kept.headSeq();
            baseSlot = kept.baseSlot();
            baseSeq = kept.baseSeq();
            lastTs = kept.lastTs();
            headHash = kept.headHash();
            baseHash = kept.baseHash();
            lastPosition = kept.lastPosition();
            messages.mapThrough(headSeq);
            slots.mapThrough(lastSlot);
            for (ChannelState kc : kept.channels()) {
                ChannelState c = kc.copy(); // the manifest stays as it was: a snapshot may be resumed again
                byName.put(c.name, c);
                byId.add(c);
            }
        }
    }

    // ---------------------------------------------------------------- writes (the apply path)

    /**
     * Records slot {@code slot} (the one after {@link #lastSlot()}): its messages will start at
     * {@code firstSeq} (= {@link #headSeq()} + 1, also when it appends none) and carry {@code ts}.
     */
    public void slotApplied(long slot, long firstSeq, long ts) {
        ensureOpen();
        slotApplied(slot, firstSeq, ts, lastSlot == 0 ? 0 : slots.getLong(lastSlot - 1, S_BYTES_BEFORE), ts);
    }

    /**
     * Slot {@code slot} starts at {@code firstSeq}, stamped {@code ts}; {@code payloadBytesBefore} is the
     * payload bytes of every message before it and {@code logClockMillis} the log clock at the slot
     * (what retention by bytes and by age measure; the three-argument form, for callers that measure
     * neither, carries the previous slot's byte total forward and takes {@code ts} for the log clock).
     */
    public void slotApplied(long slot, long firstSeq, long ts, long payloadBytesBefore, long logClockMillis) {
        ensureOpen();
        if (slot != lastSlot + 1) {
            throw new IllegalStateException("slot " + slot + " applied after " + lastSlot);
        }
        if (firstSeq != headSeq + 1) {
            throw new IllegalArgumentException("slot " + slot + " starts at seq " + firstSeq + ", head is " + headSeq);
        }
        if (ts < lastTs) {
            throw new IllegalArgumentException("slot " + slot + " ts " + ts + " before " + lastTs);
        }
        slots.putLong(slot - 1, S_FIRST_SEQ, firstSeq);
        slots.putLong(slot - 1, S_TS, ts);
        slots.putLong(slot - 1, S_BYTES_BEFORE, payloadBytesBefore);
        slots.putLong(slot - 1, S_LOG_CLOCK, logClockMillis);
        lastSlot = slot;
        lastTs = ts;
        lastPosition = -1;
    }

    /**
     * Appends message {@code seq} (= {@link #headSeq()} + 1), item {@code position} of slot
     * {@code slot} (= {@link #lastSlot()}; positions rise within a slot), to {@code channel}, with
     * chain hash {@code hash} (h(seq), which the caller computed from {@link #headHash()}).
     *
     * @return its offset in the channel: the channel's previous head + 1
     */
    public long appendMessage(long seq, long slot, int position, String channel, ChainHash hash) {
        Objects.requireNonNull(hash, "hash");
        ensureOpen();
        Objects.requireNonNull(channel, "channel");
        if (slot != lastSlot || slot == 0) {
            throw new IllegalStateException("message of slot " + slot + " while slot " + lastSlot + " is applied");
        }
        if (seq != headSeq + 1) {
            throw new IllegalArgumentException("seq " + seq + " appended after " + headSeq);
        }
        if (position <= lastPosition) {
            throw new IllegalArgumentException("position " + position + " after " + lastPosition + " in slot " + slot);
        }
        ChannelState c = byName.get(channel);
        if (c == null) {
            c = new ChannelState(channel, byId.size());
            byName.put(channel, c);
            byId.add(c);
        }
        long offset = lists.append(c, seq);
        long record = seq - 1;
        messages.putLong(record, M_SLOT, slot);
        messages.putInt(record, M_CHANNEL, c.id);
        messages.putInt(record, M_POSITION, position);
        messages.putLong(record, M_OFFSET, offset);
        byte[] h = hash.bytes();
        for (int i = 0; i < ChainHash.BYTES; i += 8) {
            messages.putLong(record, M_HASH + i, longAt(h, i));
        }
        headSeq = seq;
        headHash = hash;
        lastPosition = position;
        return offset;
    }

    // ---------------------------------------------------------------- reads

    /**
     * The last slot this index holds no record of: 0, the slot before the earliest retained one once
     * {@link #compact compacted}, or the slot of the snapshot it was started from.
     */
    public long baseSlot() {
        return baseSlot;
    }

    /** The last seq this index holds no record of (answered as expired), as {@link #baseSlot()}. */
    public long baseSeq() {
        return baseSeq;
    }

    /** log2 of the records per segment file. */
    public int segmentShift() {
        return segmentShift;
    }

    /** The seq of the last appended message, 0 if none. */
    public long headSeq() {
        return headSeq;
    }

    /** The last slot passed to {@link #slotApplied}, 0 if none: replay resumes after it. */
    public long lastSlot() {
        return lastSlot;
    }

    /** The ts of {@link #lastSlot()}, 0 if none (the log clock to resume with). */
    public long lastTs() {
        return lastTs;
    }

    /** h({@link #headSeq()}): {@link ChainHash#ZERO} before the first message. */
    public ChainHash headHash() {
        return headHash;
    }

    /**
     * h(seq) for {@link #baseSeq()} <= seq <= {@link #headSeq()}: the hash of a held message, or of the
     * anchor right before the first one held (what that one chains from).
     *
     * @throws OffsetExpired if seq is below the base
     */
    public ChainHash hash(long seq) {
        ensureOpen();
        if (seq < 0 || seq > headSeq) {
            throw new IllegalArgumentException("no message " + seq + " (head " + headSeq + ")");
        }
        if (seq < baseSeq) {
            throw new OffsetExpired("the hash of seq " + seq + " (expired, or before the snapshot this node started from)",
                    baseSeq);
        }
        return seq == baseSeq ? baseHash : recordHash(seq - 1);
    }

    private ChainHash recordHash(long record) {
        byte[] h = new byte[ChainHash.BYTES];
        for (int i = 0; i < ChainHash.BYTES; i += 8) {
            long v = messages.getLong(record, M_HASH + i);
            for (int b = 0; b < 8; b++) {
                h[i + b] = (byte) (v >>> (56 - 8 * b));
            }
        }
        return ChainHash.of(h);
    }

    private static long longAt(byte[] b, int i) {
        long v = 0;
        for (int k = 0; k < 8; k++) {
            v = (v << 8) | (b[i + k] & 0xFF);
        }
        return v;
    }

    /** Message {@code seq}, 1 <= seq <= {@link #headSeq()}. */
    public MessageRef message(long seq) {
        ensureOpen();
        if (seq < 1 || seq > headSeq) {
            throw new IllegalArgumentException("no message " + seq + " (head " + headSeq + ")");
        }
        if (seq <= baseSeq) {
            throw new OffsetExpired("seq " + seq + " (expired, or before the snapshot this node started from)",
                    baseSeq + 1);
        }
        long record = seq - 1;
        long slot = messages.getLong(record, M_SLOT);
        String channel = byId.get(messages.getInt(record, M_CHANNEL)).name;
        return new MessageRef(seq, slot, messages.getInt(record, M_POSITION), channel,
                messages.getLong(record, M_OFFSET), slots.getLong(slot - 1, S_TS), recordHash(record));
    }

    /** The seq of slot {@code slot}'s first message (the next seq if it appended none). */
    public long slotFirstSeq(long slot) {
        return slots.getLong(slotRecord(slot), S_FIRST_SEQ);
    }

    public long slotTs(long slot) {
        return slots.getLong(slotRecord(slot), S_TS);
    }

    /** The log clock at {@code slot} (as given to {@link #slotApplied}). */
    public long slotLogClock(long slot) {
        return slots.getLong(slotRecord(slot), S_LOG_CLOCK);
    }

    /** The payload bytes of every message before {@code slot} (as given to {@link #slotApplied}). */
    public long slotPayloadBytesBefore(long slot) {
        return slots.getLong(slotRecord(slot), S_BYTES_BEFORE);
    }

    /**
     * The offset in {@code channel} of its first message with a seq of at least {@code seq}, or the
     * channel's head + 1 if it has none (0 for an unknown channel).
     */
    public long firstOffsetAtOrAfter(String channel, long seq) {
        ensureOpen();
        ChannelState c = byName.get(channel);
        if (c == null) {
            return 0;
        }
        return lists.upperBound(c, seq - 1) + 1;
    }

    private long slotRecord(long slot) {
        ensureOpen();
        if (slot <= baseSlot || slot > lastSlot) {
            throw new IllegalArgumentException("no slot " + slot + " (held: " + (baseSlot + 1) + ".." + lastSlot + ")");
        }
        return slot - 1;
    }

    /** The channel's last offset (its message count), 0 for a channel never seen. */
    public long channelHead(String channel) {
        ChannelState c = byName.get(channel);
        return c == null ? 0 : c.head;
    }

    public int channelCount() {
        return byId.size();
    }

    /** A read-only live view of the channel names. */
    public Set<String> channels() {
        return Collections.unmodifiableSet(byName.keySet());
    }

    /** The seqs at offsets afterOffset + 1, afterOffset + 2 .. of {@code channel}, at most {@code limit}. */
    public long[] channelSeqs(String channel, long afterOffset, int limit) {
        ensureOpen();
        ChannelState c = byName.get(channel);
        return c == null ? new long[0] : lists.read(c, afterOffset, limit);
    }

    /**
     * The smallest seq above {@code afterSeq} of a message in one of {@code channels} (null: in any
     * channel), or -1. Cost: one binary search over the entries of each named channel whose last
     * message is above {@code afterSeq}; the others are skipped from the heap.
     */
    public long nextSeqIn(Set<String> channels, long afterSeq) {
        ensureOpen();
        long floor = Math.max(Math.max(afterSeq, 0), baseSeq) + 1;
        if (channels == null) {
            return floor <= headSeq ? floor : -1;
        }
        long best = -1;
        for (String name : channels) {
            ChannelState c = byName.get(name);
            if (c == null || c.lastSeq < floor) {
                continue;
            }
            long seq = lists.seqAt(c, lists.upperBound(c, afterSeq));
            if (best < 0 || seq < best) {
                best = seq;
                if (best == floor) {
                    break; // nothing can come earlier
                }
            }
        }
        return best;
    }

    // ---------------------------------------------------------------- accounting

    /** Bytes of the files in use (the written part of each, from what is held): what the index costs on disk. */
    public long diskBytes() {
        return (headSeq - baseSeq) * MESSAGE_BYTES + (lastSlot - baseSlot) * SLOT_BYTES + lists.usedBytes();
    }

    /** The files' lengths: whole mapped segments, sparse beyond {@link #diskBytes()}. */
    long fileBytes() {
        return messages.fileBytes() + slots.fileBytes() + lists.fileBytes();
    }

    /**
     * An estimate of the heap this index holds: per channel its state and directory, its name
     * (a Latin-1 String), its HashMap entry and table slot and its id-list slot; plus a constant.
     */
    public long heapBytes() {
        long bytes = 1024;
        for (ChannelState c : byId) {
            bytes += c.heapBytes() + 24 + align(16 + c.name.length()) + 32 + 8 + 8;
        }
        return bytes;
    }

    private static long align(long bytes) {
        return (bytes + 7) & ~7L;
    }

    // ---------------------------------------------------------------- snapshots

    /** The heap state as of now (copies: later appends do not change it), for a snapshot. */
    IndexManifest manifest() {
        ensureOpen();
        List<ChannelState> copies = new ArrayList<>(byId.size());
        for (ChannelState c : byId) {
            copies.add(c.copy());
        }
        return new IndexManifest(lastSlot, headSeq, lastTs, lastPosition, lists.allocatedEntries(), copies, baseSlot,
                baseSeq, segmentShift, headHash, baseHash);
    }

    /**
     * Makes the records {@code state} covers durable: blocking, meant for a snapshot's worker thread
     * while the node's thread goes on appending (it touches only what existed when {@code state} was
     * taken). The index must not be closed meanwhile.
     */
    void forceThrough(IndexManifest state) {
        messages.forceThrough(state.headSeq());
        slots.forceThrough(state.lastSlot());
        lists.forceThrough(state.allocatedEntries());
    }

    // ---------------------------------------------------------------- compaction

    /**
     * Forgets what retention expired: every seq before {@code earliestSeq} and every slot before
     * {@code earliestSlot} (the newest slot is kept whatever: the next slot's byte total and the
     * retention clock start from it), and each channel's entries before its first retained one. A
     * channel block still in use that lies far behind the allocation pointer is copied up to it. The
     * segments wholly below what is held are unmapped now; their files stay for
     * {@link #deleteCompactedFiles} after the next durable snapshot.
     *
     * <p>Every write it makes goes beyond the state an earlier {@link #manifest()} records (see
     * {@link IndexManifest}), so a snapshot taken before it still resumes. It must not run while a
     * {@link #forceThrough} is in progress (it unmaps what that may be forcing).
     *
     * @return whether anything was forgotten or moved
     */
    boolean compact(long earliestSeq, long earliestSlot) {
        ensureOpen();
        long newBaseSeq = Math.min(Math.max(baseSeq, earliestSeq - 1), headSeq);
        long newBaseSlot = Math.min(Math.max(baseSlot, earliestSlot - 1), Math.max(baseSlot, lastSlot - 1));
        long relocateBelow = lists.relocateBelow(headSeq - newBaseSeq);
        if (newBaseSeq == baseSeq && newBaseSlot == baseSlot && lists.floor() >= relocateBelow) {
            return false;
        }
        long floor = lists.allocatedEntries();
        for (ChannelState c : byId) {
            // the binary search reads entries at or above the old first index: all still mapped
            long first = c.lastSeq <= newBaseSeq ? c.head : lists.upperBound(c, newBaseSeq);
            floor = Math.min(floor, lists.compact(c, first, relocateBelow));
        }
        lists.dropBelow(Math.min(floor, lists.allocatedEntries()));
        if (newBaseSeq != baseSeq) {
            baseHash = recordHash(newBaseSeq - 1); // read before its segment may go
        }
        messages.dropBelow(newBaseSeq);
        slots.dropBelow(newBaseSlot);
        baseSeq = newBaseSeq;
        baseSlot = newBaseSlot;
        return true;
    }

    /** Channel entries compaction copied up since this index was opened (what relocation costs). */
    public long relocatedEntries() {
        return lists.relocatedEntries();
    }

    /**
     * Deletes the segment files that nothing in {@code durable} (the manifest of a snapshot now on
     * disk, and so the oldest state a restart resumes) refers to. Blocking (file deletions): meant for
     * the snapshot's worker; safe while the node writes on, since it never goes below that state again.
     *
     * @return the bytes freed
     */
    long deleteCompactedFiles(IndexManifest durable) {
        int shift = durable.segmentShift();
        return MappedRecords.deleteFilesBelowRecord(dir, MESSAGES, shift, durable.baseSeq())
                + MappedRecords.deleteFilesBelowRecord(dir, SLOTS, shift, durable.baseSlot())
                + MappedRecords.deleteFilesBelowRecord(dir, CHANNELS, shift, durable.entriesFloor());
    }

    // ---------------------------------------------------------------- closing

    /** Releases the mappings without forcing anything: the next {@link #create} rebuilds. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        messages.close();
        slots.close();
        lists.close();
    }

    /**
     * Forces the data files, then writes the clean-close marker, then closes: {@link #open} will
     * resume from here. Blocks on fsync: call it at shutdown, off the event loop.
     */
    public void closeDurably() {
        ensureOpen();
        messages.force();
        slots.force();
        lists.force();
        new IndexManifest(lastSlot, headSeq, lastTs, lastPosition, lists.allocatedEntries(), byId, baseSlot, baseSeq,
                segmentShift, headHash, baseHash).write(dir);
        close();
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("message index in " + dir + " is closed");
        }
    }
}
