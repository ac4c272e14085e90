package io.paxcast.broadcast.log;

import io.paxcast.paxos.core.ChosenLogReader;
import io.paxcast.paxos.core.Command;
import io.paxcast.paxos.core.CommandId;
import io.paxcast.paxos.core.Delivery;
import io.paxcast.paxos.core.Value;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

/**
 * A random decided log for the broadcast log's tests, shaped like real ones: slots of a few commands
 * of a few items each, on a handful of channels, some with idempotency keys that repeat (within the
 * window and after it), some commands left out by the learner (chosen a second time, so item
 * positions shift), stamps that never go back. The values are kept, so it is also the
 * {@link ChosenLogReader} the log reads bodies back from.
 */
final class RandomLog implements ChosenLogReader {
    /** One generated slot: the delivery, and the items of each command it applies, in order. */
    record Slot(Delivery delivery, List<List<PublishItem>> appliedItems) {}

    private final Random random;
    private final Map<Long, Value> values = new HashMap<>();
    private final List<Slot> slots = new ArrayList<>();
    private final Set<String> channels = new TreeSet<>();
    private final Set<String> keys = new TreeSet<>();
    private long ts = 1_000;
    private long clock;
    private long counter;

    RandomLog(long seed) {
        this.random = new Random(seed);
    }

    /** The next slot (the generator also remembers it: {@link #slot}). */
    Slot next() {
        long slot = slots.size() + 1;
        ts = Math.max(ts, ts + random.nextInt(20) - 5);
        clock += random.nextInt(12);
        List<Command> commands = new ArrayList<>();
        List<Command> applied = new ArrayList<>();
        List<List<PublishItem>> appliedItems = new ArrayList<>();
        for (int c = random.nextInt(4); c >= 0; c--) {
            List<PublishItem> items = new ArrayList<>();
            for (int i = random.nextInt(4); i >= 0; i--) {
                String channel = "ch" + random.nextInt(6);
                channels.add(channel);
                String key = random.nextInt(3) == 0 ? "k" + random.nextInt(10) : null;
                if (key != null) {
                    keys.add(channel + "\u0000" + key);
                }
                items.add(new PublishItem(channel, key, "{\"n\":" + random.nextInt(1000) + "}"));
            }
            Command command = new Command(new CommandId("n1", 1, ++counter), counter, PublishCodec.encode(items));
            commands.add(command);
            if (random.nextInt(6) != 0) { // else: chosen a second time, left out by the learner
                applied.add(command);
                appliedItems.add(items);
            }
        }
        Value value = Value.batch(ts, clock, commands);
        values.put(slot, value);
        Slot generated = new Slot(new Delivery(slot, ts, clock, value, applied), appliedItems);
        slots.add(generated);
        return generated;
    }

    Slot slot(long slot) {
        return slots.get((int) slot - 1);
    }

    Random random() {
        return random;
    }

    /** Every channel the log has used so far. */
    Set<String> channels() {
        return channels;
    }

    /** Every (channel, key) used so far, as "channel NUL key". */
    Set<String> keys() {
        return keys;
    }

    @Override
    public Optional<Value> chosen(long slot) {
        return Optional.ofNullable(values.get(slot));
    }

    @Override
    public long chosenPrefix() {
        return values.size();
    }
}
