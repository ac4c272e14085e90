package io.paxcast.samples.rsm;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * The replicated state machine: a bank ledger. {@link #apply} must be deterministic so that the
 * log can be replayed: its result depends only on the current state and the command, never on the
 * clock, randomness, the node, or iteration order of a hash map. Replicas that apply the same
 * commands in the same order (the broadcast's total order) hold the same state.
 *
 * <p>The rule that makes order matter: a transfer is <em>rejected</em> when the source's balance is
 * below the amount. Two transfers that each fit alone but not together are decided by which comes
 * first; reorder them and a different one is rejected, and the balances differ.
 *
 * <p>Invariants, checked after every command: no balance is negative, and the total equals the sum
 * of the opening balances (transfers move money, never make it).
 *
 * <p>Not thread-safe: one replica applies on one thread.
 */
public final class Ledger {
    /** What one command did. */
    public enum Outcome { APPLIED, REJECTED, INVALID }

    private final TreeMap<String, Long> balances = new TreeMap<>();
    private long opened;
    private long applied;
    private long rejected;
    private long invalid;
    private boolean sealed;

    public Outcome apply(LedgerCommand command) {
        Outcome outcome = decide(command);
        switch (outcome) {
            case APPLIED -> applied++;
            case REJECTED -> rejected++;
            case INVALID -> invalid++;
        }
        checkInvariants();
        return outcome;
    }

    private Outcome decide(LedgerCommand command) {
        if (command instanceof LedgerCommand.Invalid) {
            return Outcome.INVALID;
        }
        if (sealed) {
            return Outcome.REJECTED;
        }
        if (command instanceof LedgerCommand.Seal) {
            sealed = true;
            return Outcome.APPLIED;
        }
        if (command instanceof LedgerCommand.Open open) {
            if (balances.containsKey(open.account()) || open.amount() < 0) {
                return Outcome.REJECTED;
            }
            balances.put(open.account(), open.amount());
            opened += open.amount();
            return Outcome.APPLIED;
        }
        LedgerCommand.Transfer t = (LedgerCommand.Transfer) command;
        Long from = balances.get(t.from());
        Long to = balances.get(t.to());
        if (from == null || to == null || t.from().equals(t.to()) || t.amount() <= 0 || from < t.amount()) {
            return Outcome.REJECTED; // the rule: never below zero
        }
        balances.put(t.from(), from - t.amount());
        balances.put(t.to(), to + t.amount());
        return Outcome.APPLIED;
    }

    private void checkInvariants() {
        long total = 0;
        for (Map.Entry<String, Long> e : balances.entrySet()) {
            if (e.getValue() < 0) {
                throw new IllegalStateException("negative balance " + e);
            }
            total += e.getValue();
        }
        if (total != opened) {
            throw new IllegalStateException("money appeared or vanished: total " + total + ", opened " + opened);
        }
    }

    /** The balances, by account name. */
    public Map<String, Long> balances() {
        return Collections.unmodifiableMap(balances);
    }

    public long applied() {
        return applied;
    }

    public long rejected() {
        return rejected;
    }

    public long invalid() {
        return invalid;
    }

    public boolean sealed() {
        return sealed;
    }

    /**
     * SHA-256 (hex) of the state: every balance in account order and the command counts. Equal
     * hashes on two replicas mean equal ledgers.
     */
    public String stateHash() {
        StringBuilder canonical = new StringBuilder();
        balances.forEach((account, balance) -> canonical.append(account).append('=').append(balance).append('\n'));
        canonical.append("applied=").append(applied).append(" rejected=").append(rejected)
                .append(" invalid=").append(invalid).append(" sealed=").append(sealed);
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(canonical.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-256", e);
        }
    }

    /** The first 16 hex digits of {@link #stateHash()}, for output. */
    public String shortHash() {
        return stateHash().substring(0, 16);
    }

    @Override
    public String toString() {
        return balances + " applied=" + applied + " rejected=" + rejected + (invalid > 0 ? " invalid=" + invalid : "");
    }
}
