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
    private final boolean conditions;

    RandomLog(long seed) {
        this(seed, false);
    }

    /** With {@code conditions}, about one item in four expects a channel offset (right more often than not). */
    RandomLog(long seed, boolean conditions) {
        this.random = new Random(seed);
        this.conditions = conditions;
    }

    /** The next slot (the generator also remembers it: {@link #slot}). */
    Slot next() {
        return next(channel -> 0);
    }

    /**
     * The next slot; a conditional item expects about {@code heads}' offset of its channel plus the items
     * before it in the slot (often right; wrong when one of those is a replay, refused or left out, or
     * when the guess is moved on purpose).
     */
    Slot next(java.util.function.ToLongFunction<String> heads) {
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
                PublishItem item = new PublishItem(channel, key, "{\"n\":" + random.nextInt(1000) + "}");
                if (conditions && random.nextInt(4) == 0) {
                    long guess = heads.applyAsLong(channel) + commands.stream()
                            .flatMap(earlier -> PublishCodec.decode(earlier.payload()).stream())
                            .filter(other -> other.channel().equals(channel)).count()
                            + items.stream().filter(other -> other.channel().equals(channel)).count();
                    int moved = random.nextInt(4) == 0 ? random.nextInt(3) - 1 : 0;
                    item = item.expecting(Math.max(0, guess + moved));
                }
                items.add(item);
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
