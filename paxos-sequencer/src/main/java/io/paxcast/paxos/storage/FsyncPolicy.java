package io.paxcast.paxos.storage;

import java.util.Locale;

/**
 * When a storage makes a group of writes durable.
 * <ul>
 *   <li>{@link #ALWAYS} (default, safe): every group is synced before {@code write} returns: one sync per
 *       group of writes (group commit), never one per message;</li>
 *   <li>{@link #INTERVAL}: groups are committed at most every configured interval: a crash may lose
 *       the groups of the last interval, so an acknowledged message may be lost if a majority
 *       crashes together;</li>
 *   <li>{@link #NONE}: never synced by Paxcast (the OS flushes when it likes): for benchmarks only.</li>
 * </ul>
 */
public enum FsyncPolicy {
    ALWAYS, INTERVAL, NONE;

    public static FsyncPolicy parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("fsync policy must be one of always, interval, none: " + text);
        }
    }
}
