package io.paxcast.paxos.core;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which {@link Membership} governs which slot: membership change decided in the log, with an
 * activation delay of α slots (Lamport's α in "The Part-Time Parliament"; Paxos Made Moderately
 * Complex, section 4).
 *
 * <p>A change decided in slot s, applied in slot order, governs the slots from s + α on; the slots
 * before stay with the configuration they had. So the configuration of every slot is a function of the
 * log below it, the same on every node, and each slot is one classic Paxos instance with one fixed set
 * of acceptors: two quorums that decide a slot always come from the same configuration, and intersect
 * (DESIGN.md P17). The price is the rule a proposer keeps: it proposes in slot t only once it has
 * applied every slot up to t - α, so that it knows t's configuration ({@link #horizon}). A change is
 * applied only if it names the epoch after the newest one ({@code epoch = latest + 1}): a change
 * chosen twice (re-proposed by a new leader while its first copy was chosen too) or raced by
 * another is ignored, identically everywhere.
 *
 * <p>It is state of the learner, like {@link AppliedCommands}: advanced by deliveries, kept in the
 * {@link Checkpoint}, restored with a snapshot. Only the configurations that can still govern an
 * undelivered slot are kept, at most a few (changes are made one at a time).
 */
public final class Configurations {
    private final int activationDelay;
    /** Activation slot -> the configuration that governs it and the slots above, up to the next key. */
    private final TreeMap<Long, Membership> byActivation = new TreeMap<>();
    private long appliedUpTo;

    public Configurations(Membership bootstrap, int activationDelay) {
        if (activationDelay < 1) {
            throw new IllegalArgumentException("activation delay must be >= 1, was " + activationDelay);
        }
        this.activationDelay = activationDelay;
        byActivation.put(1L, bootstrap);
    }

    public int activationDelay() {
        return activationDelay;
    }

    /** The configuration that governs {@code slot}; defined for every slot up to {@link #horizon}. */
    public Membership at(long slot) {
        var e = byActivation.floorEntry(Math.max(slot, 1));
        return e == null ? byActivation.firstEntry().getValue() : e.getValue();
    }

    /** The newest decided configuration (it may not govern any slot yet). */
    public Membership latest() {
        return byActivation.lastEntry().getValue();
    }

    /** The first slot the newest configuration governs. */
    public long latestActivation() {
        return byActivation.lastKey();
    }

    /** The highest slot whose configuration is known here: every slot up to t - α is applied. */
    public long horizon() {
        return appliedUpTo + activationDelay;
    }

    /** The slot after which the learner applied nothing yet. */
    long appliedUpTo() {
        return appliedUpTo;
    }

    /** The distinct configurations governing the slots from {@code from} up to the horizon, oldest first. */
    public List<Membership> governing(long from) {
        List<Membership> out = new ArrayList<>();
        out.add(at(from));
        if (from >= horizon()) {
            return out; // beyond the horizon nothing is known: callers check the horizon first
        }
        for (Membership m : byActivation.subMap(from, false, horizon(), true).values()) {
            if (!m.equals(out.get(out.size() - 1))) {
                out.add(m);
            }
        }
        return out;
    }

    /** Every voter of the configurations governing the slots from {@code from} up to the horizon. */
    public List<String> votersFrom(long from) {
        List<String> ids = new ArrayList<>();
        for (Membership m : governing(from)) {
            for (String v : m.voters()) {
                if (!ids.contains(v)) {
                    ids.add(v);
                }
            }
        }
        return ids;
    }

    /**
     * The learner applied {@code slot}, whose value decided {@code change} (null if it decided none).
     *
     * @return whether the change was applied (false: none, or not the epoch after the newest)
     */
    boolean applied(long slot, Membership change) {
        appliedUpTo = Math.max(appliedUpTo, slot);
        boolean changed = change != null && change.epoch() == latest().epoch() + 1;
        if (changed) {
            byActivation.put(slot + activationDelay, change);
        }
        // forget what governs no slot after this one any more (keep the floor of the next slot)
        Long floor = byActivation.floorKey(slot + 1);
        if (floor != null) {
            byActivation.headMap(floor, false).clear();
        }
        return changed;
    }

    /** Replaces this state by the one a checkpoint carries (a resume, or an installed snapshot). */
    void restore(Configurations from) {
        if (from.activationDelay != activationDelay) {
            throw new IllegalArgumentException("a checkpoint with activation delay " + from.activationDelay
                    + " on a node with " + activationDelay + ": the delay is part of the protocol");
        }
        byActivation.clear();
        byActivation.putAll(from.byActivation);
        appliedUpTo = from.appliedUpTo;
    }

    Configurations copy() {
        Configurations c = new Configurations(latest(), activationDelay);
        c.restore(this);
        return c;
    }

    // ---------------------------------------------------------------- checkpoint bytes

    /** Canonical bytes: the delay, the applied slot, then each (activation, configuration) in slot order. */
    public byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(activationDelay);
            out.writeLong(appliedUpTo);
            out.writeInt(byActivation.size());
            for (var e : byActivation.entrySet()) {
                out.writeLong(e.getKey());
                write(out, e.getValue());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static Configurations decode(byte[] encoded) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(encoded));
        int delay = in.readInt();
        long applied = in.readLong();
        int n = in.readInt();
        if (delay < 1 || applied < 0 || n < 1 || n > 1024) {
            throw new IOException("inconsistent configurations: delay " + delay + ", applied " + applied + ", " + n);
        }
        TreeMap<Long, Membership> entries = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            long activation = in.readLong();
            entries.put(activation, read(in));
        }
        if (in.available() != 0) {
            throw new IOException("trailing bytes after the configurations");
        }
        Configurations c = new Configurations(entries.firstEntry().getValue(), delay);
        c.byActivation.clear();
        c.byActivation.putAll(entries);
        c.appliedUpTo = applied;
        return c;
    }

    private static void write(DataOutputStream out, Membership m) throws IOException {
        out.writeLong(m.epoch());
        writeIds(out, m.voters());
        writeIds(out, m.learners());
        out.writeInt(m.joinTokens().size());
        for (String id : m.voters()) { // voters' order: canonical
            Long token = m.joinTokens().get(id);
            if (token != null) {
                out.writeUTF(id);
                out.writeLong(token);
            }
        }
    }

    private static Membership read(DataInputStream in) throws IOException {
        long epoch = in.readLong();
        List<String> voters = readIds(in);
        List<String> learners = readIds(in);
        int n = in.readInt();
        if (n < 0 || n > voters.size()) {
            throw new IOException(n + " join tokens for " + voters.size() + " voters");
        }
        Map<String, Long> tokens = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            tokens.put(in.readUTF(), in.readLong());
        }
        try {
            return new Membership(epoch, voters, learners, tokens);
        } catch (IllegalArgumentException e) {
            throw new IOException("an invalid configuration: " + e.getMessage(), e);
        }
    }

    private static void writeIds(DataOutputStream out, List<String> ids) throws IOException {
        out.writeInt(ids.size());
        for (String id : ids) {
            out.writeUTF(id);
        }
    }

    private static List<String> readIds(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > 1024) {
            throw new IOException("a member count of " + n);
        }
        List<String> ids = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ids.add(in.readUTF());
        }
        return ids;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Configurations c && c.activationDelay == activationDelay && c.appliedUpTo == appliedUpTo
                && c.byActivation.equals(byActivation);
    }

    @Override
    public int hashCode() {
        return byActivation.hashCode() * 31 + Long.hashCode(appliedUpTo);
    }

    @Override
    public String toString() {
        return "Configurations[applied=" + appliedUpTo + ", " + byActivation + "]";
    }
}
