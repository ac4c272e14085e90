package io.paxcast.paxos.core;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * The applied counters of one origin incarnation: a floor below which every counter counts as applied
 * (or abandoned: either way never to be applied again), and a bit per counter above it.
 *
 * <p>Bounded: a command's counter is less than {@link #MAX_SPAN} above its own floor (the origin
 * refuses new commands past that span, and {@link AppliedCommands} skips a command that breaks it), and
 * the floor is raised to every applied command's floor before it is checked, so the bits cover at most
 * {@code MAX_SPAN} counters: 512 KiB at the very worst, a few words in the usual case. Deterministic:
 * the state is a function of the calls, in order.
 */
final class CounterWindow {
    /** The largest distance between a command's counter and its floor that the learner accepts. */
    static final long MAX_SPAN = 1L << 22;

    private long floor;
    /** Bit {@code i} of word {@code (head + k) % words.length} is counter {@code base + 64k + i}. */
    private long[] words = new long[2];
    private int head;
    private int used;
    private long base;

    long floor() {
        return floor;
    }

    /** Every counter below {@code newFloor} is settled: forget the bits there. */
    void raiseFloor(long newFloor) {
        if (newFloor <= floor) {
            return;
        }
        floor = newFloor;
        long newBase = newFloor & ~63L;
        while (used > 0 && base < newBase) {
            words[head] = 0;
            head = (head + 1) % words.length;
            used--;
            base += 64;
        }
        if (used == 0) {
            base = newBase;
            head = 0;
        } else {
            words[head] &= -1L << (newFloor - base); // counters of the first word below the floor
        }
        if (used < words.length / 4 && words.length > 2) {
            resize(Math.max(2, words.length / 2));
        }
    }

    /** Applied (or below the floor). */
    boolean contains(long counter) {
        if (counter < floor) {
            return true;
        }
        long k = (counter - base) >>> 6;
        if (k >= used) {
            return false;
        }
        return (words[(int) ((head + k) % words.length)] & (1L << (counter & 63))) != 0;
    }

    /** Marks {@code counter} (at or above the floor, less than {@link #MAX_SPAN} above it) applied. */
    void add(long counter) {
        if (counter < floor || counter - floor >= MAX_SPAN) {
            throw new IllegalArgumentException("counter " + counter + " outside [" + floor + ", floor + MAX_SPAN)");
        }
        long k = (counter - base) >>> 6;
        while (k >= used) {
            if (used == words.length) {
                resize(words.length * 2);
            }
            words[(head + used) % words.length] = 0;
            used++;
        }
        words[(int) ((head + k) % words.length)] |= 1L << (counter & 63);
    }

    /** Heap bytes held. */
    long heapBytes() {
        return 48 + 8L * words.length;
    }

    /**
     * Writes the window canonically: the floor, then the words from the floor's word on, without
     * trailing zero words. Two windows that answer every {@link #contains} alike write the same bytes,
     * whatever their layout. (The base is always the floor rounded down to 64.)
     */
    void writeTo(DataOutput out) throws IOException {
        int n = used;
        while (n > 0 && words[(head + n - 1) % words.length] == 0) {
            n--;
        }
        out.writeLong(floor);
        out.writeInt(n);
        for (int k = 0; k < n; k++) {
            out.writeLong(words[(head + k) % words.length]);
        }
    }

    /** Reads what {@link #writeTo} wrote; throws if it cannot be a window's state. */
    static CounterWindow readFrom(DataInput in) throws IOException {
        long floor = in.readLong();
        int n = in.readInt();
        if (floor < 0 || n < 0 || n > (MAX_SPAN >>> 6) + 1) {
            throw new IOException("inconsistent counter window: floor " + floor + ", " + n + " words");
        }
        CounterWindow window = new CounterWindow();
        window.floor = floor;
        window.base = floor & ~63L;
        window.words = new long[Math.max(2, Integer.highestOneBit(Math.max(1, n - 1)) << 1)];
        for (int k = 0; k < n; k++) {
            window.words[k] = in.readLong();
        }
        if (n > 0) {
            window.words[0] &= -1L << (floor - window.base); // nothing below the floor is marked
        }
        window.used = n;
        return window;
    }

    private void resize(int capacity) {
        long[] grown = new long[capacity];
        for (int k = 0; k < used; k++) {
            grown[k] = words[(head + k) % words.length];
        }
        words = grown;
        head = 0;
    }
}
