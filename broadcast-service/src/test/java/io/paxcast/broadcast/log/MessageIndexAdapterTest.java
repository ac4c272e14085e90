package io.paxcast.broadcast.log;

import io.paxcast.paxos.core.ChosenLogReader;
import io.paxcast.paxos.core.Command;
import io.paxcast.paxos.core.Delivery;
import io.paxcast.paxos.core.Value;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * How {@link BroadcastLog} would use {@link MessageIndex}, shown beside the current BroadcastLog:
 * {@link Adapter} indexes each applied slot (the item positions it needs are those BroadcastLog
 * already computes), and answers every history read from the index plus the chosen value. On random
 * logs with duplicate commands (the learner skipped them: positions shift) and repeated idempotency
 * keys (items not appended), every answer equals BroadcastLog's own.
 */
class MessageIndexAdapterTest {
    @TempDir
    Path dir;

    /** What BroadcastLog's apply and reads become with the index (its heap indexes all go). */
    static final class Adapter {
        final MessageIndex index;
        final ChosenLogReader chosen;

        Adapter(MessageIndex index, ChosenLogReader chosen) {
            this.index = index;
            this.chosen = chosen;
        }

        /** In BroadcastLog.apply: slotApplied first, then one appendMessage per appended item. */
        void applied(Delivery delivery, BroadcastLog.Applied applied) {
            index.slotApplied(delivery.slot(), index.headSeq() + 1, Math.max(index.lastTs(), delivery.timestampMillis()));
            int[] starts = commandStarts(delivery);
            for (int k = 0; k < delivery.commands().size(); k++) {
                List<PublishResult> results = applied.results().get(delivery.commands().get(k).id());
                for (int i = 0; i < results.size(); i++) {
                    PublishResult r = results.get(i);
                    if (!r.replay()) { // a replayed key was not appended
                        long offset = index.appendMessage(r.seq(), delivery.slot(), starts[k] + i, r.channel());
                        assertEquals(r.offset(), offset, "offset of seq " + r.seq());
                    }
                }
            }
        }

        /** The item position where each delivered command starts in the chosen value. */
        private int[] commandStarts(Delivery delivery) {
            Value value = chosen.chosen(delivery.slot()).orElseThrow();
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

        /** BroadcastLog.message: the index says where, the chosen value holds the body. */
        PublishedMessage message(long seq) {
            MessageRef ref = index.message(seq);
            List<PublishItem> items = new ArrayList<>();
            for (Command command : chosen.chosen(ref.slot()).orElseThrow().commands()) {
                items.addAll(PublishCodec.decode(command.payload())); // BroadcastLog caches this per slot
            }
            PublishItem item = items.get(ref.position());
            return new PublishedMessage(seq, ref.channel(), ref.offset(), ref.ts(), item.dataJson(), item.key());
        }

        List<PublishedMessage> channel(String channel, long afterOffset, int limit) {
            List<PublishedMessage> out = new ArrayList<>();
            for (long seq : index.channelSeqs(channel, afterOffset, limit)) {
                out.add(message(seq));
            }
            return out;
        }
    }

    @Test
    void answersEqualBroadcastLogsOnRandomLogs() {
        for (long seed = 1; seed <= 30; seed++) {
            try {
                run(seed, dir.resolve("s" + seed));
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError("seed " + seed, e);
            }
        }
    }

    private static void run(long seed, Path dir) {
        Random random = new Random(seed);
        Map<Long, Value> values = new HashMap<>();
        ChosenLogReader chosen = new ChosenLogReader() {
            @Override
            public Optional<Value> chosen(long slot) {
                return Optional.ofNullable(values.get(slot));
            }

            @Override
            public long chosenPrefix() {
                return values.size();
            }
        };
        BroadcastLog log = new BroadcastLog(chosen, 50);
        Set<String> channelNames = new HashSet<>();
        try (MessageIndex index = MessageIndex.create(dir, 8)) {
            Adapter adapter = new Adapter(index, chosen);
            long ts = 1_000;
            int commandIds = 0;
            for (long slot = 1; slot <= 300; slot++) {
                ts += random.nextInt(20) - 5; // leaders' clocks disagree: the log clock never goes back
                List<Command> commands = new ArrayList<>();
                List<Command> delivered = new ArrayList<>();
                List<String> duplicates = new ArrayList<>();
                for (int c = random.nextInt(4); c >= 0; c--) {
                    List<PublishItem> items = new ArrayList<>();
                    for (int i = random.nextInt(4); i >= 0; i--) {
                        String channel = "ch" + random.nextInt(6);
                        channelNames.add(channel);
                        String key = random.nextInt(4) == 0 ? "k" + random.nextInt(10) : null;
                        items.add(new PublishItem(channel, key, "{\"n\":" + random.nextInt(1000) + "}"));
                    }
                    Command command = new Command("cmd-" + commandIds++, PublishCodec.encode(items));
                    commands.add(command);
                    if (random.nextInt(6) == 0) {
                        duplicates.add(command.id()); // delivered in an earlier slot, skipped here
                    } else {
                        delivered.add(command);
                    }
                }
                values.put(slot, Value.batch(ts, commands));
                Delivery delivery = new Delivery(slot, Math.max(ts, 0), delivered, duplicates);
                adapter.applied(delivery, log.apply(delivery));
            }

            assertEquals(log.headSeq(), index.headSeq());
            assertEquals(log.lastSlot(), index.lastSlot());
            for (long seq = 1; seq <= log.headSeq(); seq++) {
                assertEquals(log.message(seq), adapter.message(seq), "message " + seq);
            }
            for (String channel : channelNames) {
                assertEquals(log.channelHead(channel), index.channelHead(channel));
                for (int i = 0; i < 20; i++) {
                    long after = random.nextInt((int) log.channelHead(channel) + 2);
                    int limit = 1 + random.nextInt(50);
                    assertEquals(log.channel(channel, after, limit), adapter.channel(channel, after, limit));
                }
            }
            List<String> names = new ArrayList<>(channelNames);
            for (int i = 0; i < 500; i++) {
                Set<String> set = new HashSet<>(names.subList(0, 1 + random.nextInt(names.size())));
                set.add("never-used");
                long after = random.nextInt((int) log.headSeq() + 2) - 1;
                assertEquals(log.nextSeqIn(set, after), index.nextSeqIn(set, after), "nextSeqIn " + set + " " + after);
            }
        }
    }
}
