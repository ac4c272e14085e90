package io.paxcast.paxos.core;

import io.paxcast.paxos.core.Message.Accept;

import java.util.Set;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;

/**
 * Builds {@link PaxosNode}s with {@link InjectedBug}s planted: each bug is a part that breaks one
 * rule (a subclass of the role that keeps the rule), or a configuration or loaded state that skips
 * one. With no bug it builds exactly the production node.
 */
public final class PlantedBugs {
    private PlantedBugs() {
    }

    public static PaxosNode node(Set<InjectedBug> bugs, PaxosConfig config, DurableState state, ChosenLogReader log,
                                 Clock clock, RandomGenerator random) {
        return node(bugs, config, state, log, clock, random, null);
    }

    /** As {@link #node(Set, PaxosConfig, DurableState, ChosenLogReader, Clock, RandomGenerator)}, resumed from a checkpoint. */
    public static PaxosNode node(Set<InjectedBug> bugs, PaxosConfig config, DurableState state, ChosenLogReader log,
                                 Clock clock, RandomGenerator random, Checkpoint resumeFrom) {
        if (bugs.isEmpty()) {
            return new PaxosNode(config, state, log, clock, random, resumeFrom);
        }
        if (bugs.contains(InjectedBug.NO_PRE_VOTE)) {
            config = config.withPreVote(false);
        }
        if (bugs.contains(InjectedBug.WIPED_ACCEPTOR_VOTES)) {
            // an empty store taken for the node's own whole memory: it votes at once, under its old identity
            state = new DurableState(state.promised(), state.chosenPrefix(), state.slots(), state.owner(),
                    state.incarnation(), true, state.bootstrap(), state.blankToken());
        }
        if (resumeFrom != null && bugs.contains(InjectedBug.RESUME_FORGETS_APPLIED_COMMANDS)) {
            resumeFrom = new Checkpoint(resumeFrom.slot(), resumeFrom.timestampMillis(), resumeFrom.logClockMillis(),
                    new AppliedCommands().encode());
        }
        return new PaxosNode(config, state, log, clock, random, resumeFrom, roles(bugs));
    }

    private static Roles roles(Set<InjectedBug> bugs) {
        return new Roles() {
            @Override
            public LogClock logClock(Clock wall, long millisPerTick, LongSupplier ticks) {
                return !bugs.contains(InjectedBug.LOG_CLOCK_FROM_WALL_CLOCK) ? Roles.super.logClock(wall, millisPerTick, ticks)
                        : new LogClock(wall, millisPerTick, ticks) {
                            @Override
                            long nextAnchor(long anchor, long tick) {
                                return Math.max(anchor, wall.nowMillis()); // a clock jump moves the log clock
                            }
                        };
            }

            @Override
            public PaxosLog log(PaxosConfig config, Outbox out, ChosenLogReader durableLog, DurableState state,
                                LogClock logClock) {
                return !bugs.contains(InjectedBug.ACCEPTOR_FORGETS_PROMISE) ? Roles.super.log(config, out, durableLog, state, logClock)
                        : new PaxosLog(config, out, durableLog, state, logClock) {
                            @Override
                            void writePromise(Ballot ballot) {
                                // never persisted: after a restart the acceptor votes as if it had promised nothing
                            }
                        };
            }

            @Override
            public SenderCheck senderCheck() {
                return !bugs.contains(InjectedBug.HEARS_OUTSIDERS) ? Roles.super.senderCheck() : new SenderCheck() {
                    @Override
                    Verdict verdict(Message message, Configurations members, long appliedUpTo) {
                        return Verdict.HEAR;
                    }
                };
            }

            @Override
            public Acceptor acceptor(PaxosConfig config, PaxosLog log, Outbox out) {
                return !bugs.contains(InjectedBug.ACCEPTOR_IGNORES_PROMISE) ? Roles.super.acceptor(config, log, out)
                        : new Acceptor(config, log, out) {
                            @Override
                            boolean refusesAccept(Accept accept) {
                                return false; // votes below its promise (breaks P1a)
                            }
                        };
            }

            @Override
            public Learner learner(PaxosConfig config, PaxosLog log, Outbox out, AppliedCommands applied,
                                   Configurations members) {
                return !bugs.contains(InjectedBug.SKIP_DEDUPE) ? Roles.super.learner(config, log, out, applied, members)
                        : new Learner(config, log, out, applied, members) {
                            @Override
                            boolean firstApplication(Command command) {
                                super.firstApplication(command);
                                return true; // applies a command again when it is chosen a second time
                            }
                        };
            }

            @Override
            public Proposer proposer(PaxosConfig config, PaxosLog log, Outbox out, AppliedCommands applied,
                                     LogClock logClock, Configurations members) {
                return !bugs.contains(InjectedBug.LEADER_SKIPS_PHASE_1)
                        ? Roles.super.proposer(config, log, out, applied, logClock, members)
                        : new Proposer(config, log, out, applied, logClock, members) {
                            @Override
                            void sendPrepares() {
                                // asks only itself, then claims the slots above what it knows without
                                // waiting for anyone's promise
                                out.send(new Message.Prepare(config.nodeId(), config.nodeId(), ballot(),
                                        prepareFromSlot()));
                            }

                            @Override
                            void campaign(long tick) {
                                super.campaign(tick);
                                becomeLeader(tick, Math.max(log.highestKnownChosenSlot(), log.chosenPrefix()) + 1);
                            }
                        };
            }
        };
    }
}
