package io.paxcast.paxos.core;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which commands the applied log already holds: the learner's rule for exactly-once delivery
 * (DESIGN.md P11). A command can be chosen twice (an old leader's proposal re-proposed by its
 * successor, and the origin's re-submission of it chosen in a later slot); the first occurrence in
 * slot order is applied, every later one skipped, identically on every node.
 *
 * <p>The state is a deterministic function of the applied log alone (no clock, no configuration):
 * for each origin node, the {@link #INCARNATIONS_KEPT} highest incarnations seen, each with a
 * {@link CounterWindow}. A command is applied when
 * <ol>
 *   <li>its incarnation is not older than every kept incarnation of its origin (an origin that
 *       restarted that many times since cannot still be waiting for it: its waiters died with it), and</li>
 *   <li>its counter is not below the floor of its incarnation (raised first to the command's own
 *       floor: the origin settled everything below) and not already marked.</li>
 * </ol>
 * Memory: O(origins × {@link #INCARNATIONS_KEPT}), each window a few words while origins keep their
 * floors close to their counters; never in proportion to the number of commands.
 *
 * <p>Legacy commands ({@link CommandId#LEGACY}, from logs of the old format) are applied as they come.
 */
final class AppliedCommands {
    static final int INCARNATIONS_KEPT = 4;

    /** One origin's kept incarnations, highest first. */
    private static final class Origin {
        final List<Long> incarnations = new ArrayList<>();
        final List<CounterWindow> windows = new ArrayList<>();

        CounterWindow find(long incarnation) {
            for (int i = 0; i < incarnations.size(); i++) {
                if (incarnations.get(i) == incarnation) {
                    return windows.get(i);
                }
            }
            return null;
        }

        /** The window of {@code incarnation}, created if it is among the newest kept; null if too old. */
        CounterWindow findOrAdd(long incarnation) {
            CounterWindow window = find(incarnation);
            if (window != null) {
                return window;
            }
            int at = 0;
            while (at < incarnations.size() && incarnations.get(at) > incarnation) {
                at++;
            }
            if (at >= INCARNATIONS_KEPT) {
                return null;
            }
            window = new CounterWindow();
            incarnations.add(at, incarnation);
            windows.add(at, window);
            if (incarnations.size() > INCARNATIONS_KEPT) {
                incarnations.remove(incarnations.size() - 1);
                windows.remove(windows.size() - 1);
            }
            return window;
        }
    }

    private final Map<String, Origin> origins = new HashMap<>();

    /**
     * Records an occurrence of {@code command} in the applied log.
     *
     * @return true if it is to be applied (its first occurrence), false to skip it
     */
    boolean firstApplication(Command command) {
        CommandId id = command.id();
        if (id.isLegacy()) {
            return true;
        }
        if (id.counter() - command.floor() >= CounterWindow.MAX_SPAN) {
            return false; // no origin issues such a command; skipping it keeps the window bounded
        }
        CounterWindow window = origins.computeIfAbsent(id.origin(), o -> new Origin()).findOrAdd(id.incarnation());
        if (window == null) {
            return false;
        }
        window.raiseFloor(command.floor());
        if (window.contains(id.counter())) {
            return false;
        }
        window.add(id.counter());
        return true;
    }

    /** Whether the applied log already holds {@code id} (or will never apply it); no change. */
    boolean isSettled(CommandId id) {
        if (id.isLegacy()) {
            return false;
        }
        Origin origin = origins.get(id.origin());
        if (origin == null) {
            return false;
        }
        CounterWindow window = origin.find(id.incarnation());
        if (window == null) {
            return origin.incarnations.size() >= INCARNATIONS_KEPT
                    && origin.incarnations.get(origin.incarnations.size() - 1) > id.incarnation();
        }
        return window.contains(id.counter());
    }

    /** The highest incarnation of {@code origin} in the applied log, or -1. */
    long highestIncarnation(String origin) {
        Origin o = origins.get(origin);
        return o == null || o.incarnations.isEmpty() ? -1 : o.incarnations.get(0);
    }

    /**
     * The state as canonical bytes, for a {@link Checkpoint}: origins in name order, each with its kept
     * incarnations (highest first) and their windows. Equal states encode equally.
     */
    byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            Map<String, Origin> sorted = new TreeMap<>(origins);
            out.writeInt(sorted.size());
            for (Map.Entry<String, Origin> e : sorted.entrySet()) {
                out.writeUTF(e.getKey());
                Origin o = e.getValue();
                out.writeByte(o.incarnations.size());
                for (int i = 0; i < o.incarnations.size(); i++) {
                    out.writeLong(o.incarnations.get(i));
                    o.windows.get(i).writeTo(out);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Takes over {@code other}'s state (a snapshot installed from a peer): this object is shared by the roles. */
    void replaceWith(AppliedCommands other) {
        origins.clear();
        origins.putAll(other.origins);
    }

    /** Reads what {@link #encode} wrote; throws if it cannot be such a state. */
    static AppliedCommands decode(byte[] encoded) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(encoded));
        AppliedCommands state = new AppliedCommands();
        int count = in.readInt();
        if (count < 0 || count > encoded.length) {
            throw new IOException("inconsistent applied commands: " + count + " origins");
        }
        for (int i = 0; i < count; i++) {
            String name = in.readUTF();
            int kept = in.readByte();
            if (kept < 0 || kept > INCARNATIONS_KEPT || state.origins.containsKey(name)) {
                throw new IOException("inconsistent applied commands of origin " + name);
            }
            Origin origin = new Origin();
            for (int k = 0; k < kept; k++) {
                long incarnation = in.readLong();
                if (k > 0 && incarnation >= origin.incarnations.get(k - 1)) {
                    throw new IOException("incarnations of origin " + name + " out of order");
                }
                origin.incarnations.add(incarnation);
                origin.windows.add(CounterWindow.readFrom(in));
            }
            state.origins.put(name, origin);
        }
        if (in.available() != 0) {
            throw new IOException("trailing bytes after the applied commands");
        }
        return state;
    }

    long heapBytes() {
        long bytes = 64;
        for (Origin o : origins.values()) {
            bytes += 96;
            for (CounterWindow w : o.windows) {
                bytes += w.heapBytes() + 24;
            }
        }
        return bytes;
    }
}
