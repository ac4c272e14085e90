package io.paxcast.paxos.core;

import java.util.function.LongSupplier;

/**
 * How a {@link PaxosNode} builds its parts: the shared {@link PaxosLog}, the three roles, the
 * {@link LogClock} and the {@link SenderCheck}. Production uses {@link #STANDARD}. The simulator's self-test (in {@code src/test})
 * substitutes parts that break one rule each, to prove that its checks can fail; that is the only
 * reason this seam exists, and no production path reaches it (the constructor that takes it is
 * package-private).
 */
interface Roles {
    Roles STANDARD = new Roles() {};

    default LogClock logClock(Clock wall, long millisPerTick, LongSupplier ticks) {
        return new LogClock(wall, millisPerTick, ticks);
    }

    default PaxosLog log(PaxosConfig config, Outbox out, ChosenLogReader durableLog, DurableState state,
                         LogClock logClock) {
        return new PaxosLog(config, out, durableLog, state, logClock);
    }

    default Acceptor acceptor(PaxosConfig config, PaxosLog log, Outbox out) {
        return new Acceptor(config, log, out);
    }

    default Learner learner(PaxosConfig config, PaxosLog log, Outbox out, AppliedCommands applied,
                            Configurations members) {
        return new Learner(config, log, out, applied, members);
    }

    default SenderCheck senderCheck() {
        return new SenderCheck();
    }

    default Proposer proposer(PaxosConfig config, PaxosLog log, Outbox out, AppliedCommands applied,
                              LogClock logClock, Configurations members) {
        return new Proposer(config, log, out, applied, logClock, members);
    }
}
