package io.paxcast.broadcast.log;

import io.paxcast.broadcast.api.Utf8;
import io.paxcast.broadcast.config.NodeConfig.Retention;
import io.paxcast.paxos.apply.IdempotencyStore;
import io.paxcast.paxos.core.ChosenLogReader;
import io.paxcast.paxos.core.Command;
import io.paxcast.paxos.core.CommandId;
import io.paxcast.paxos.core.Delivery;
import io.paxcast.paxos.core.Value;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The broadcast layer's replicated state machine: it applies the decided log, slot by slot, into
 * the global message sequence. Everything here is a deterministic function of the log (DESIGN.md
 * P11-P12), so every node computes the same {@code seq}, {@code offset} and {@code ts} for every
 * message, and the same idempotency decisions, without talking to anyone:
 * <ul>
 *   <li>{@code seq}: 1, 2, 3... over every applied message; {@code offset}: 1, 2, 3... per channel;</li>
 *   <li>{@code ts}: the log's wall-clock stamp at that slot (never decreasing);</li>
 *   <li>{@code hash}: the {@link ChainHash} h(seq), which commits to every message up to seq;</li>
 *   <li>the one idempotency rule: an item whose (channel, key) was appended less than the key window
 *       ago, measured in the log clock ({@link Delivery#logClockMillis()}: leaders' tick timers, not
 *       their wall clocks), appends nothing; its result is the original one. After the window it
 *       appends again. The same command chosen twice never reaches here twice: the sequencer's
 *       learner leaves the second occurrence out.</li>
 * </ul>
 *
 * <p>Memory: nothing per message. Bodies stay in the Paxos storage and are read back from it; the
 * positions live in the {@link MessageIndex} on disk; the keys in an {@link IdempotencyStore} of about
 * 40 bytes per live key (bounded by the window and by the node's admission limit on keyed publishes);
 * a cache of decoded slots bounded by {@link #DECODED_CACHE_BYTES}.
 *
 * <p>Not thread-safe: used on the node's context only.
 */
public final class BroadcastLog implements AutoCloseable {
    /** The outcome of applying one slot: what it appended, and each command's results, by command id. */
    public record Applied(long slot, List<PublishedMessage> messages, Map<CommandId, List<PublishResult>> results) {}

    /** Bytes of decoded slot items kept for history reads (the most recently used slots). */
    static final long DECODED_CACHE_BYTES = 4L << 20;

    private final ChosenLogReader chosenLog;
    // replaced whole when a snapshot from a peer is installed
    private MessageIndex index;
    private IdempotencyStore keys;
    private RetentionPoint retention;
    private final Retention retentionLimits;

    private long lastSlot;
    private long lastSeq;
    /** Payload bytes (UTF-8 JSON) of every message applied: what retention by bytes measures. */
    private long payloadBytes;
    private long decodedBytes;
    /** Decoded items of a slot, and the heap they take (about). */
    private record Decoded(List<PublishItem> items, long bytes) {}

    private final LinkedHashMap<Long, Decoded> decoded = new LinkedHashMap<>(64, 0.75f, true);
    private final java.security.MessageDigest sha256 = ChainHash.digest();

    public BroadcastLog(ChosenLogReader chosenLog, MessageIndex index, long keyWindowMillis) {
        this(chosenLog, index, keyWindowMillis, Retention.UNLIMITED);
    }

    public BroadcastLog(ChosenLogReader chosenLog, MessageIndex index, long keyWindowMillis, Retention retention) {
        this(chosenLog, index, new IdempotencyStore(keyWindowMillis), new RetentionPoint(retention));
        if (index.lastSlot() != 0) {
            throw new IllegalArgumentException("a new broadcast log starts from an empty index (restore resumes one)");
        }
    }

    private BroadcastLog(ChosenLogReader chosenLog, MessageIndex index, IdempotencyStore keys, RetentionPoint retention) {
        this.chosenLog = chosenLog;
        this.index = index;
        this.keys = keys;
        this.retention = retention;
        this.retentionLimits = retention.retention();
    }

    /**
     * Replaces this log's state by a snapshot another node took ({@code snapshot}), installed because this
     * node's store compacted, or its peers' did, past what it applied. The index starts over in
     * {@code indexDir} after the snapshot's slot ({@link MessageIndex#createAt}): the counters, the
     * keys and every channel's head come from the snapshot, no record of the messages before it is
     * held here, and those answer as expired. The next slot to apply is the one after the snapshot's.
     *
     * @throws IllegalStateException if the snapshot's keys do not read back or were taken with another window
     */
    public void install(LogSnapshot snapshot, java.nio.file.Path indexDir) {
        IdempotencyStore restoredKeys = readKeys(snapshot, keys.windowMillis());
        int segmentShift = index.segmentShift();
        index.close();
        index = MessageIndex.createAt(indexDir, snapshot.index(), segmentShift);
        keys = restoredKeys;
        retention = new RetentionPoint(retentionLimits, Math.max(snapshot.earliestSlot(), snapshot.slot() + 1));
        lastSlot = snapshot.slot();
        lastSeq = snapshot.lastSeq();
        payloadBytes = snapshot.payloadBytes();
        decoded.clear();
        decodedBytes = 0;
    }

    private static IdempotencyStore readKeys(LogSnapshot snapshot, long keyWindowMillis) {
        IdempotencyStore keys;
        try {
            keys = IdempotencyStore.readFrom(new java.io.DataInputStream(new java.io.ByteArrayInputStream(snapshot.keys())));
        } catch (java.io.IOException e) {
            throw new IllegalStateException("the snapshot's idempotency keys do not read back: " + e.getMessage(), e);
        }
        if (keys.windowMillis() != keyWindowMillis) {
            // Every node must decide retries alike: a snapshot taken with another window would not.
            throw new IllegalStateException("the snapshot was taken with publish.dedupeWindowMillis="
                    + keys.windowMillis() + ", the node runs with " + keyWindowMillis);
        }
        return keys;
    }

    /**
     * The log as {@code snapshot} left it: the index resumed in {@code indexDir} (the files it was
     * forced to), the keys and counters read back. The next slot to apply is the one after the
     * snapshot's.
     *
     * @throws IllegalStateException if the snapshot cannot be resumed here (the index files do not
     *         cover it, its keys do not read back, or it was taken with another key window)
     */
    public static BroadcastLog restore(ChosenLogReader chosenLog, java.nio.file.Path indexDir, LogSnapshot snapshot,
                                       long keyWindowMillis, Retention retention) {
        IdempotencyStore keys = readKeys(snapshot, keyWindowMillis);
        MessageIndex index = MessageIndex.resume(indexDir, snapshot.index());
        BroadcastLog restored = new BroadcastLog(chosenLog, index, keys, new RetentionPoint(retention, snapshot.earliestSlot()));
        restored.lastSlot = snapshot.slot();
        restored.lastSeq = snapshot.lastSeq();
        restored.payloadBytes = snapshot.payloadBytes();
        return restored;
    }

    /**
     * The state after the slot just applied, for {@link SnapshotFiles}: call it right after applying
     * the slot {@code checkpoint} covers. Cheap on this thread (the keys are serialized, about 19 bytes
     * each, the channels' directories copied); the index records it covers must then be made durable
     * with {@link #forceThrough} before the snapshot is written.
     */
    public LogSnapshot snapshot(String owner, io.paxcast.paxos.core.Checkpoint checkpoint) {
        if (checkpoint.slot() != lastSlot) {
            throw new IllegalStateException("checkpoint of slot " + checkpoint.slot() + " taken at slot " + lastSlot);
        }
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.DataOutputStream out = new java.io.DataOutputStream(bytes)) {
            keys.writeTo(out);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return new LogSnapshot(owner, checkpoint, lastSeq, payloadBytes, retention.earliestSlot(), bytes.toByteArray(),
                index.manifest());
    }

    /**
     * Compacts the index to what retention keeps ({@link MessageIndex#compact}): call it on the node's
     * thread right before {@link #snapshot}, never while a {@link #forceThrough} runs. The files it frees
     * are deleted by {@link #deleteCompactedFiles} once that snapshot is durable.
     */
    public void compactIndex() {
        index.compact(earliestSeq(), retention.earliestSlot());
    }

    /**
     * Deletes the index files no longer needed by {@code durable}, a snapshot now on disk. Blocking:
     * on the snapshot's worker.
     *
     * @return the bytes freed
     */
    public long deleteCompactedFiles(LogSnapshot durable) {
        return index.deleteCompactedFiles(durable.index());
    }

    /**
     * Makes the index records {@code snapshot} covers durable. Blocking: call it on a worker thread; the
     * node's thread may go on applying meanwhile, but must not {@link #close} the log.
     */
    public void forceThrough(LogSnapshot snapshot) {
        index.forceThrough(snapshot.index());
    }

    /** The earliest seq retention keeps (1 until something expired; head + 1 if everything has). */
    public long earliestSeq() {
        return retention.earliestSeq(index);
    }

    /** The earliest offset of {@code channel} retention keeps (its head + 1 if none is left). */
    public long earliestOffset(String channel) {
        long earliest = earliestSeq();
        return earliest <= 1 ? 1 : Math.max(1, index.firstOffsetAtOrAfter(channel, earliest));
    }

    public long headSeq() {
        return lastSeq;
    }

    /** The earliest slot retention keeps (the last applied slot + 1 once everything expired). */
    public long earliestSlot() {
        return retention.earliestSlot();
    }

    public long lastSlot() {
        return lastSlot;
    }

    public long channelHead(String channel) {
        return index.channelHead(channel);
    }

    public Set<String> channels() {
        return index.channels();
    }

    public int channelCount() {
        return index.channelCount();
    }

    /** Idempotency keys within the window now. */
    public int keyCount() {
        return keys.size();
    }

    public long keyStoreHeapBytes() {
        return keys.heapBytes();
    }

    public long indexDiskBytes() {
        return index.diskBytes();
    }

    /** Channel entries index compaction copied up since this log was started. */
    public long indexRelocatedEntries() {
        return index.relocatedEntries();
    }

    /** Applies the next slot; slots must come in order, each once. */
    public Applied apply(Delivery delivery) {
        if (delivery.slot() != lastSlot + 1) {
            throw new IllegalStateException("slot " + delivery.slot() + " applied after " + lastSlot);
        }
        long slot = delivery.slot();
        long ts = delivery.timestampMillis();
        keys.advanceTo(delivery.logClockMillis());
        index.slotApplied(slot, lastSeq + 1, ts, payloadBytes, delivery.logClockMillis());
        lastSlot = slot;
        List<PublishedMessage> messages = new ArrayList<>();
        Map<CommandId, List<PublishResult>> results = new HashMap<>();
        List<Command> fresh = delivery.commands();
        int next = 0; // the next command of the value the learner left in (same order)
        int position = 0;
        for (Command command : delivery.value().commands()) {
            if (next >= fresh.size() || !fresh.get(next).id().equals(command.id())) {
                position += PublishCodec.itemCount(command.payload()); // chosen a second time: not applied
                continue;
            }
            next++;
            List<PublishItem> items = PublishCodec.decode(command.payload());
            List<PublishResult> rejected = conditionsFailed(items, ts);
            if (rejected != null) {
                results.put(command.id(), rejected); // nothing of the batch is appended
                position += items.size();
                continue;
            }
            List<PublishResult> commandResults = new ArrayList<>(items.size());
            for (PublishItem item : items) {
                String key = item.key() == null ? null : keyOf(item.channel(), item.key());
                long earlier = key == null ? -1 : keys.lookup(key);
                if (earlier > 0) {
                    commandResults.add(resultOf(earlier, item.channel()));
                } else {
                    long seq = ++lastSeq;
                    ChainHash hash = index.headHash().next(sha256, seq, item.channel(), item.dataJson());
                    long offset = index.appendMessage(seq, slot, position, item.channel(), hash);
                    if (key != null) {
                        keys.put(key, seq, delivery.logClockMillis());
                    }
                    payloadBytes += Utf8.length(item.dataJson());
                    messages.add(new PublishedMessage(seq, item.channel(), offset, ts, item.dataJson(), item.key(), hash));
                    commandResults.add(new PublishResult(seq, item.channel(), offset, ts, false));
                }
                position++;
            }
            results.put(command.id(), commandResults);
        }
        retention.advance(index, payloadBytes);
        return new Applied(slot, messages, results);
    }

    /**
     * Conditional publish, decided here, in the applied order, so identically on every node: a command
     * whose items carry expected offsets is appended only if each matches its channel's last offset at
     * that point (after the command's earlier items on the same channel). Null if every condition holds
     * (or none is set); else one {@link PublishResult#mismatch} per item, each with the offset its
     * channel would have had before it. An item whose idempotency key was seen is a replay and checks
     * nothing: the retry of a conditional publish that was ordered answers with its original result.
     */
    private List<PublishResult> conditionsFailed(List<PublishItem> items, long ts) {
        if (items.stream().noneMatch(PublishItem::conditional)) {
            return null;
        }
        Map<String, Long> heads = new HashMap<>();
        Set<String> batchKeys = new java.util.HashSet<>(); // a key twice in one batch: the second is a replay
        List<PublishResult> mismatches = new ArrayList<>(items.size());
        boolean failed = false;
        for (PublishItem item : items) {
            long head = heads.computeIfAbsent(item.channel(), index::channelHead);
            String key = item.key() == null ? null : keyOf(item.channel(), item.key());
            if (key != null && (keys.lookup(key) > 0 || !batchKeys.add(key))) {
                // a replay checks nothing; its result shows its own expectation met, so the 409 names
                // the item that failed, not this one
                mismatches.add(PublishResult.mismatch(item.channel(), item.conditional() ? item.expectOffset() : head, ts));
                continue;
            }
            mismatches.add(PublishResult.mismatch(item.channel(), head, ts));
            if (item.conditional() && item.expectOffset() != head) {
                failed = true;
            }
            heads.put(item.channel(), head + 1);
        }
        return failed ? mismatches : null;
    }

    private static String keyOf(String channel, String key) {
        return channel + '\u0000' + key;
    }

    /** The original result of an idempotency key still within the window. */
    public java.util.Optional<PublishResult> lookupKey(String channel, String key) {
        long seq = keys.lookup(keyOf(channel, key));
        return seq > 0 ? java.util.Optional.of(resultOf(seq, channel)) : java.util.Optional.empty();
    }

    /**
     * The original result of message {@code seq} (of {@code channel}), for a retry. A node started from a
     * snapshot installed from a peer holds no record of the messages before it: for one of those (a retry
     * within the key window of a message this node never applied) only the seq is known, and the offset and
     * ts are 0.
     */
    private PublishResult resultOf(long seq, String channel) {
        try {
            MessageRef ref = index.message(seq);
            return new PublishResult(seq, ref.channel(), ref.offset(), ref.ts(), true);
        } catch (OffsetExpired gone) {
            return new PublishResult(seq, channel, 0, 0, true);
        }
    }

    /** The last slot whose messages this node holds no record of (0, or the slot of an installed snapshot). */
    public long installedBase() {
        return index.baseSlot();
    }

    // ---------------------------------------------------------------- reads

    /**
     * Messages with seq in (afterSeq, afterSeq + limit].
     *
     * @throws OffsetExpired if retention removed seq {@code afterSeq + 1}
     */
    public List<PublishedMessage> global(long afterSeq, int limit) {
        long earliest = earliestSeq();
        if (afterSeq + 1 < earliest) {
            throw new OffsetExpired("seq " + (afterSeq + 1), earliest);
        }
        List<PublishedMessage> out = new ArrayList<>();
        for (long seq = afterSeq + 1; seq <= lastSeq && out.size() < limit; seq++) {
            out.add(message(seq));
        }
        return out;
    }

    /**
     * Messages of {@code channel} with offset in (afterOffset, afterOffset + limit].
     *
     * @throws OffsetExpired if retention removed offset {@code afterOffset + 1} of the channel
     */
    public List<PublishedMessage> channel(String channel, long afterOffset, int limit) {
        long earliest = earliestOffset(channel);
        if (afterOffset + 1 < earliest) {
            throw new OffsetExpired("offset " + (afterOffset + 1) + " of " + channel, earliest);
        }
        List<PublishedMessage> out = new ArrayList<>();
        for (long seq : index.channelSeqs(channel, afterOffset, limit)) {
            out.add(message(seq));
        }
        return out;
    }

    /** The smallest seq above {@code afterSeq} of a message in one of {@code channels} (null: all), or -1. */
    public long nextSeqIn(Set<String> channels, long afterSeq) {
        return index.nextSeqIn(channels, afterSeq);
    }

    public PublishedMessage message(long seq) {
        if (seq < 1 || seq > lastSeq) {
            throw new IllegalArgumentException("no message " + seq);
        }
        MessageRef ref = index.message(seq);
        PublishItem item = itemsOf(ref.slot()).get(ref.position());
        return new PublishedMessage(seq, ref.channel(), ref.offset(), ref.ts(), item.dataJson(), item.key(), ref.hash());
    }

    /**
     * h(seq), for a seq from the one before the earliest held up to the head.
     *
     * @throws OffsetExpired if it is no longer held
     */
    public ChainHash hashAt(long seq) {
        return index.hash(seq);
    }

    /** h({@link #headSeq()}): the chain hash of the last message, {@link ChainHash#ZERO} before any. */
    public ChainHash headHash() {
        return index.headHash();
    }

    /**
     * What a client needs to check position {@code seq} against another node's: the message, the hash
     * it chains from and its own ({@link ChainProof}).
     *
     * @throws OffsetExpired if retention removed seq {@code seq} (or this node started after it)
     * @throws IllegalArgumentException if there is no message {@code seq} yet
     */
    public ChainProof proof(long seq) {
        if (seq < 1 || seq > lastSeq) {
            throw new IllegalArgumentException("no message " + seq);
        }
        long earliest = earliestSeq();
        if (seq < earliest) {
            throw new OffsetExpired("seq " + seq, earliest);
        }
        return new ChainProof(message(seq), index.hash(seq - 1));
    }

    private List<PublishItem> itemsOf(long slot) {
        Decoded cached = decoded.get(slot);
        if (cached != null) {
            return cached.items();
        }
        Value value = chosenLog.chosen(slot).orElseThrow(() ->
                new IllegalStateException("applied slot " + slot + " is not readable from storage"));
        List<PublishItem> items = new ArrayList<>();
        long bytes = 64;
        for (Command command : value.commands()) {
            items.addAll(PublishCodec.decode(command.payload()));
            bytes += command.weight() * 2L; // the JSON text as a String: about twice its UTF-8 bytes
        }
        decoded.put(slot, new Decoded(items, bytes));
        decodedBytes += bytes;
        var it = decoded.values().iterator();
        while (decodedBytes > DECODED_CACHE_BYTES && decoded.size() > 1) {
            decodedBytes -= it.next().bytes(); // least recently used first
            it.remove();
        }
        return items;
    }

    @Override
    public void close() {
        index.close();
    }
}
