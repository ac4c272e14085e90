package io.paxcast.broadcast.log;

import io.paxcast.paxos.core.ChosenLogReader;
import io.paxcast.paxos.core.Command;
import io.paxcast.paxos.core.Delivery;
import io.paxcast.paxos.core.Value;
import org.eclipse.collections.impl.list.mutable.primitive.IntArrayList;
import org.eclipse.collections.impl.list.mutable.primitive.LongArrayList;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The broadcast layer's replicated state machine: it applies the decided log, slot by slot, into
 * the global message sequence. Everything here is a deterministic function of the log (PAXOS-NOTES
 * 11-12), so every node computes the same {@code seq}, {@code offset} and {@code ts} for every
 * message, and the same idempotency decisions, without talking to anyone:
 * <ul>
 *   <li>{@code seq}: 1, 2, 3... over every applied message; {@code offset}: 1, 2, 3... per channel;</li>
 *   <li>{@code ts}: the log's clock at that slot (never decreasing);</li>
 *   <li>an item whose (channel, idempotency key) was applied within the key window (measured in
 *       log time) is not appended again: its result is the original one.</li>
 * </ul>
 * Message bodies are not copied: the chosen values already sit in the Paxos storage, and history
 * reads decode them from there. Only small indexes live in memory (about 16 bytes per message).
 *
 * <p>Not thread-safe: used on the node's context only.
 */
public final class BroadcastLog {
    /** The outcome of applying one slot. */
    public record Applied(long slot, List<PublishedMessage> messages, Map<String, List<PublishResult>> results) {}

    private record IdempotentEntry(long seq, long ts) {}

    private final ChosenLogReader chosenLog;
    private final long keyWindowMillis;

    private long lastSlot;
    private long lastSeq;
    private long logTime;
    /** Index by slot - 1: the first seq of the slot (the next seq if it appended nothing). */
    private final LongArrayList slotFirstSeq = new LongArrayList();
    private final LongArrayList slotTs = new LongArrayList();
    /** Slots where not every item of the chosen value was appended: item positions that were. */
    private final Map<Long, int[]> partialSlots = new HashMap<>();
    /** channel -> seq of each offset (offset i at index i - 1). */
    private final Map<String, LongArrayList> channelSeqs = new HashMap<>();
    /** "channel\0key" -> first result, in log order, expiring after the key window. */
    private final LinkedHashMap<String, IdempotentEntry> keys = new LinkedHashMap<>();
    private final LinkedHashMap<Long, List<PublishItem>> decoded = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, List<PublishItem>> eldest) {
            return size() > 256;
        }
    };

    public BroadcastLog(ChosenLogReader chosenLog, long keyWindowMillis) {
        this.chosenLog = chosenLog;
        this.keyWindowMillis = keyWindowMillis;
    }

    public long headSeq() {
        return lastSeq;
    }

    public long lastSlot() {
        return lastSlot;
    }

    public long channelHead(String channel) {
        LongArrayList seqs = channelSeqs.get(channel);
        return seqs == null ? 0 : seqs.size();
    }

    public Set<String> channels() {
        return channelSeqs.keySet();
    }

    /** Applies the next slot; slots must come in order, each once. */
    public Applied apply(Delivery delivery) {
        if (delivery.slot() != lastSlot + 1) {
            throw new IllegalStateException("slot " + delivery.slot() + " applied after " + lastSlot);
        }
        lastSlot = delivery.slot();
        logTime = Math.max(logTime, delivery.timestampMillis());
        expireKeys();
        slotFirstSeq.add(lastSeq + 1);
        slotTs.add(logTime);
        List<PublishedMessage> messages = new ArrayList<>();
        Map<String, List<PublishResult>> results = new HashMap<>();
        IntArrayList positions = new IntArrayList();
        int position = firstPositionOffset(delivery);
        boolean partial = position < 0;
        int[] skippedBefore = partial ? positionsOfDelivered(delivery) : null;
        int commandIndex = 0;
        for (Command command : delivery.commands()) {
            List<PublishItem> items = PublishCodec.decode(command.payload());
            if (skippedBefore != null) {
                position = skippedBefore[commandIndex];
            }
            List<PublishResult> commandResults = new ArrayList<>(items.size());
            for (PublishItem item : items) {
                IdempotentEntry earlier = item.key() == null ? null : keys.get(keyOf(item.channel(), item.key()));
                if (earlier != null) {
                    commandResults.add(resultOf(earlier.seq(), true));
                    partial = true;
                } else {
                    long seq = ++lastSeq;
                    long offset = appendToChannel(item.channel(), seq);
                    if (item.key() != null) {
                        keys.put(keyOf(item.channel(), item.key()), new IdempotentEntry(seq, logTime));
                    }
                    messages.add(new PublishedMessage(seq, item.channel(), offset, logTime, item.dataJson(), item.key()));
                    commandResults.add(new PublishResult(seq, item.channel(), offset, logTime, false));
                    positions.add(position);
                }
                position++;
            }
            results.put(command.id(), commandResults);
            commandIndex++;
        }
        if (partial) {
            partialSlots.put(delivery.slot(), positions.toArray());
        }
        return new Applied(delivery.slot(), messages, results);
    }

    /** 0 when the delivery holds every command of the chosen value (the usual case), else -1. */
    private static int firstPositionOffset(Delivery delivery) {
        return delivery.duplicateIds().isEmpty() ? 0 : -1;
    }

    /**
     * When the learner skipped duplicate commands, the delivered ones sit at other item positions of
     * the chosen value: match the delivered commands, in order, against the value's commands.
     */
    private int[] positionsOfDelivered(Delivery delivery) {
        Value value = chosenLog.chosen(delivery.slot()).orElseThrow(() ->
                new IllegalStateException("slot " + delivery.slot() + " delivered but not readable"));
        int[] starts = new int[delivery.commands().size()];
        int next = 0;
        int position = 0;
        for (Command command : value.commands()) {
            if (next < starts.length && delivery.commands().get(next).id().equals(command.id())) {
                starts[next++] = position;
            }
            position += PublishCodec.decode(command.payload()).size();
        }
        return starts;
    }

    private long appendToChannel(String channel, long seq) {
        LongArrayList seqs = channelSeqs.computeIfAbsent(channel, c -> new LongArrayList());
        seqs.add(seq);
        return seqs.size();
    }

    private void expireKeys() {
        long oldest = logTime - keyWindowMillis;
        Iterator<IdempotentEntry> it = keys.values().iterator();
        while (it.hasNext() && it.next().ts() < oldest) {
            it.remove();
        }
    }

    private static String keyOf(String channel, String key) {
        return channel + '\u0000' + key;
    }

    /** The original result of an idempotency key still within the window. */
    public Optional<PublishResult> lookupKey(String channel, String key) {
        IdempotentEntry entry = keys.get(keyOf(channel, key));
        return entry == null ? Optional.empty() : Optional.of(resultOf(entry.seq(), true));
    }

    private PublishResult resultOf(long seq, boolean replay) {
        PublishedMessage m = message(seq);
        return new PublishResult(seq, m.channel(), m.offset(), m.ts(), replay);
    }

    // ---------------------------------------------------------------- reads

    /** Messages with seq in (afterSeq, afterSeq + limit]. */
    public List<PublishedMessage> global(long afterSeq, int limit) {
        List<PublishedMessage> out = new ArrayList<>();
        for (long seq = afterSeq + 1; seq <= lastSeq && out.size() < limit; seq++) {
            out.add(message(seq));
        }
        return out;
    }

    /** Messages of {@code channel} with offset in (afterOffset, afterOffset + limit]. */
    public List<PublishedMessage> channel(String channel, long afterOffset, int limit) {
        LongArrayList seqs = channelSeqs.get(channel);
        List<PublishedMessage> out = new ArrayList<>();
        if (seqs == null) {
            return out;
        }
        for (long offset = afterOffset + 1; offset <= seqs.size() && out.size() < limit; offset++) {
            out.add(message(seqs.get((int) offset - 1)));
        }
        return out;
    }

    /** The smallest seq above {@code afterSeq} of a message in one of {@code channels} (null: all), or -1. */
    public long nextSeqIn(Set<String> channels, long afterSeq) {
        if (channels == null) {
            return afterSeq < lastSeq ? afterSeq + 1 : -1;
        }
        long best = -1;
        for (String channel : channels) {
            LongArrayList seqs = channelSeqs.get(channel);
            if (seqs == null) {
                continue;
            }
            int i = upperBound(seqs, afterSeq);
            if (i < seqs.size() && (best < 0 || seqs.get(i) < best)) {
                best = seqs.get(i);
            }
        }
        return best;
    }

    public PublishedMessage message(long seq) {
        if (seq < 1 || seq > lastSeq) {
            throw new IllegalArgumentException("no message " + seq);
        }
        int slotIndex = slotIndexOf(seq);
        long slot = slotIndex + 1L;
        List<PublishItem> items = itemsOf(slot);
        int indexInSlot = (int) (seq - slotFirstSeq.get(slotIndex));
        int[] positions = partialSlots.get(slot);
        PublishItem item = items.get(positions == null ? indexInSlot : positions[indexInSlot]);
        LongArrayList seqs = channelSeqs.get(item.channel());
        long offset = upperBound(seqs, seq - 1) + 1L;
        return new PublishedMessage(seq, item.channel(), offset, slotTs.get(slotIndex), item.dataJson(), item.key());
    }

    private List<PublishItem> itemsOf(long slot) {
        List<PublishItem> items = decoded.get(slot);
        if (items == null) {
            Value value = chosenLog.chosen(slot).orElseThrow(() ->
                    new IllegalStateException("applied slot " + slot + " is not readable from storage"));
            items = new ArrayList<>();
            for (Command command : value.commands()) {
                items.addAll(PublishCodec.decode(command.payload()));
            }
            decoded.put(slot, items);
        }
        return items;
    }

    /** The last slot index whose first seq is <= seq (slots that appended nothing share their successor's). */
    private int slotIndexOf(long seq) {
        int lo = 0;
        int hi = slotFirstSeq.size() - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (slotFirstSeq.get(mid) <= seq) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    /** The index of the first element > value. */
    private static int upperBound(LongArrayList sorted, long value) {
        int lo = 0;
        int hi = sorted.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted.get(mid) <= value) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
