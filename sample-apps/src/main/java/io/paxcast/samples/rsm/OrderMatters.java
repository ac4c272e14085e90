package io.paxcast.samples.rsm;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * Why the order matters: the same commands re-applied to fresh ledgers, once in the broadcast's
 * order and once with the transfers reversed. The "reject what the source cannot pay" rule reads the
 * balance at that moment, so a different order rejects different transfers and ends elsewhere.
 * Replicas fed the same commands in different orders would diverge: agreeing on the order is the
 * whole job, and it is exactly what total-order broadcast (consensus per slot) provides.
 */
public record OrderMatters(Ledger inOrder, Ledger reordered, int commands) {

    /** Applies {@code log} as is, and with its transfers in reverse order (opens first, seal last). */
    public static OrderMatters compare(List<LedgerCommand> log) {
        Ledger inOrder = new Ledger();
        log.forEach(inOrder::apply);

        List<LedgerCommand> opens = new ArrayList<>();
        List<LedgerCommand> transfers = new ArrayList<>();
        List<LedgerCommand> rest = new ArrayList<>();
        for (LedgerCommand c : log) {
            if (c instanceof LedgerCommand.Open) {
                opens.add(c);
            } else if (c instanceof LedgerCommand.Transfer) {
                transfers.add(c);
            } else {
                rest.add(c);
            }
        }
        List<LedgerCommand> reversed = new ArrayList<>(opens);
        for (int i = transfers.size() - 1; i >= 0; i--) {
            reversed.add(transfers.get(i));
        }
        reversed.addAll(rest);
        Ledger reordered = new Ledger();
        reversed.forEach(reordered::apply);
        return new OrderMatters(inOrder, reordered, log.size());
    }

    public boolean differs() {
        return !inOrder.stateHash().equals(reordered.stateHash());
    }

    public void print(PrintWriter out) {
        out.println();
        out.println("why order matters: a transfer the source cannot pay at that moment is rejected, so the result depends on the order");
        out.printf("  %-42s applied %d, rejected %d, hash %s  %s%n", "the same " + commands + " commands in seq order:",
                inOrder.applied(), inOrder.rejected(), inOrder.shortHash(), inOrder.balances());
        out.printf("  %-42s applied %d, rejected %d, hash %s  %s%n", "the same commands, transfers reversed:",
                reordered.applied(), reordered.rejected(), reordered.shortHash(), reordered.balances());
        if (!differs()) {
            out.println("  (this time both orders happen to end alike: no transfer's fate depended on its position)");
        }
        Ledger a = example(false);
        Ledger b = example(true);
        out.printf("  the smallest case: alice has 100, then [alice->bob 70, alice->carol 50] gives %s;%n", a.balances());
        out.printf("                     [alice->carol 50, alice->bob 70] gives %s%n", b.balances());
        out.println("replicas agree because every one of them applies the same commands in the same order: the order the"
                + " sequencer chose, one Paxos decision per slot.");
    }

    /** alice 100, bob 0, carol 0; two transfers that cannot both be paid. */
    private static Ledger example(boolean swapped) {
        Ledger l = new Ledger();
        l.apply(new LedgerCommand.Open("alice", 100));
        l.apply(new LedgerCommand.Open("bob", 0));
        l.apply(new LedgerCommand.Open("carol", 0));
        LedgerCommand toBob = new LedgerCommand.Transfer("x1", "alice", "bob", 70);
        LedgerCommand toCarol = new LedgerCommand.Transfer("x2", "alice", "carol", 50);
        l.apply(swapped ? toCarol : toBob);
        l.apply(swapped ? toBob : toCarol);
        return l;
    }
}
