package io.paxcast.faults.history;

import io.paxcast.broadcast.log.ChainHash;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

import static io.paxcast.faults.history.Anomaly.Kind.CHAIN;
import static io.paxcast.faults.history.Anomaly.Kind.AGREEMENT;
import static io.paxcast.faults.history.Anomaly.Kind.DUPLICATE;
import static io.paxcast.faults.history.Anomaly.Kind.INTEGRITY;
import static io.paxcast.faults.history.Anomaly.Kind.LOST_WRITE;
import static io.paxcast.faults.history.Anomaly.Kind.REAL_TIME_ORDER;
import static io.paxcast.faults.history.Anomaly.Kind.RECOVERY;
import static io.paxcast.faults.history.Anomaly.Kind.SUBSCRIBER_GAP;
import static io.paxcast.faults.history.Anomaly.Kind.SUBSCRIBER_ORDER;
import static io.paxcast.faults.history.SyntheticHistory.MS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The checker on synthetic histories: a clean one passes, and each planted bug is caught by a history
 * showing exactly the symptom the real bug leaves, and reported as exactly the kinds it violates.
 */
class CheckerTest {
    static final Duration BOUND = Duration.ofSeconds(1);

    static List<Anomaly> check(SyntheticHistory h) {
        return new Checker().check(h.history(), BOUND);
    }

    static Set<Anomaly.Kind> kinds(List<Anomaly> anomalies) {
        return anomalies.stream().map(Anomaly::kind)
                .collect(Collectors.toCollection(() -> EnumSet.noneOf(Anomaly.Kind.class)));
    }

    /**
     * The synthetic history with one more log entry of publish {@code publish}, {@code places}
     * after the (first) entry of publish {@code anchor}.
     */
    static SyntheticHistory withEntryOf(int publish, int anchor, int places) {
        return SyntheticHistory.withLogOrder(order -> {
            List<Integer> o = new ArrayList<>(order);
            o.add(o.indexOf(anchor) + places, publish);
            return o;
        });
    }

    /** Checking {@code h} finds anomalies of {@code kind} only, and the first one's detail names {@code detail}. */
    static void assertOnlyKind(SyntheticHistory h, Anomaly.Kind kind, String detail) {
        List<Anomaly> anomalies = check(h);
        assertKinds(EnumSet.of(kind), anomalies);
        assertTrue(anomalies.get(0).detail().contains(detail), anomalies.get(0).detail());
    }

    static void assertKinds(Set<Anomaly.Kind> expected, List<Anomaly> anomalies) {
        assertEquals(expected, kinds(anomalies), () -> "anomalies: " + anomalies);
    }

    @Test
    void cleanHistoryHasNoAnomaly() {
        SyntheticHistory h = SyntheticHistory.clean();
        CheckResult r = new Checker().analyze(h.history(), BOUND);
        assertEquals(List.of(), r.anomalies());
        assertTrue(r.valid());
        // "all", "a-only" and the extra subscribers are open at the end; "early" stopped on its own
        assertEquals(Set.of("all", "a-only"), r.recoveries().stream().map(CheckResult.Recovery::subscriber)
                .collect(Collectors.toSet()));
        assertTrue(r.recoveries().stream().allMatch(CheckResult.Recovery::received));
    }

    @Test
    void cleanHistoryRecordedWithOtherJsonWhitespaceHasNoAnomaly() {
        SyntheticHistory h = SyntheticHistory.clean();
        h.publishes.replaceAll(op -> new PublishOp(op.client(), op.key(), op.channel(),
                op.payload().replace(":", ": ").replace(",", ", "), op.node(), op.invokeNanos(), op.completeNanos(),
                op.outcome(), op.seq(), op.offset()));
        assertEquals(List.of(), check(h));
    }

    // 1. "acknowledge before a majority has it durably": the new leader never learnt the acknowledged value

    @Test
    void acknowledgedBeforeDurable_anotherMessageAtItsSeq_isLostWrite_andAgreementForWhoSawIt() {
        SyntheticHistory h = SyntheticHistory.clean();
        long seq = h.ackSeq(40); // OK on channel b
        SyntheticHistory.Pub y = h.pubs.get(22); // INFO on channel b, not appended in the clean run
        LogEntry lost = h.entryAt(seq);
        LogEntry chosen = new LogEntry(seq, y.channel(), lost.offset(), y.key(), y.payload());
        h.replaceInLogs(chosen);
        // "all" received the lost message from the old leader before it crashed; "a-only" has no channel b
        List<Anomaly> anomalies = check(h);
        assertKinds(EnumSet.of(LOST_WRITE, AGREEMENT), anomalies);
        assertEquals(1, anomalies.stream().filter(a -> a.kind() == LOST_WRITE).count());
        assertTrue(anomalies.stream().anyMatch(a -> a.kind() == AGREEMENT && a.detail().contains("subscriber all")));
    }

    @Test
    void acknowledgedBeforeDurable_missingFromEveryFinalLog_isLostWrite() {
        SyntheticHistory h = SyntheticHistory.clean();
        long seq = h.ackSeq(58); // the last OK publish; 59 (INFO) after it may be lost as well
        for (List<LogEntry> log : h.logs.values()) {
            log.subList((int) seq - 1, log.size()).clear();
        }
        h.frames.removeIf(f -> f.seq() >= seq);
        assertKinds(EnumSet.of(LOST_WRITE), check(h));
    }

    // 2. "a new leader fills a hole with a fresh message instead of a no-op"

    @Test
    void holeFilledWithAFreshMessage_laterPublishGetsALowerSeq_isRealTimeOrder() {
        // publish 45 is invoked after 42, 43 and 44 were acknowledged, yet lands in the hole before 42
        SyntheticHistory h = SyntheticHistory.withLogOrder(order -> {
            List<Integer> o = new ArrayList<>(order);
            o.remove(Integer.valueOf(45));
            o.add(o.indexOf(42), 45);
            return o;
        });
        assertTrue(h.ackSeq(45) < h.ackSeq(42));
        assertOnlyKind(h, REAL_TIME_ORDER, "k-45");
    }

    // 3. "skip dedupe"

    @Test
    void retryThroughAnotherNodeAppendedTwice_isDuplicate() {
        // publish 30: INFO through n1 (it was appended), then OK through n2 with the same key: appended again
        SyntheticHistory h = withEntryOf(30, 30, 1);
        List<Anomaly> anomalies = check(h);
        assertKinds(EnumSet.of(DUPLICATE), anomalies);
        assertEquals(1, anomalies.size());
        assertTrue(anomalies.get(0).detail().contains("k-30"), anomalies.get(0).detail());
    }

    @Test
    void infoPublishAppendedTwice_isDuplicate() {
        SyntheticHistory h = withEntryOf(7, 7, 2);
        assertKinds(EnumSet.of(DUPLICATE), check(h));
    }

    // 4. subscribers

    @Test
    void messagesSkippedAcrossAReconnect_isSubscriberGap() {
        SyntheticHistory h = SyntheticHistory.clean();
        // session 1 resumed with after=<last received>, but the new node started two messages later
        h.frames.removeIf(f -> f.subscriber().equals("all") && f.session() == 1
                && f.seq() <= h.reconnectAfter + 2);
        assertOnlyKind(h, SUBSCRIBER_GAP, "seqs [" + (h.reconnectAfter + 1) + ", "
                + (h.reconnectAfter + 2) + "]");
    }

    @Test
    void resumingAfterTooLargeASeq_isSubscriberGap() {
        SyntheticHistory h = SyntheticHistory.clean();
        h.subscriptions.replaceAll(s -> s.subscriber().equals("all") && s.session() == 1
                ? new Subscription(s.subscriber(), 1, s.node(), s.channels(), s.afterSeq() + 1, s.openedNanos(),
                s.closedNanos(), s.closeReason())
                : s);
        h.frames.removeIf(f -> f.subscriber().equals("all") && f.seq() == h.reconnectAfter + 1);
        assertKinds(EnumSet.of(SUBSCRIBER_GAP), check(h));
    }

    @Test
    void messageSkippedWithinASession_isSubscriberGap() {
        SyntheticHistory h = SyntheticHistory.clean();
        long seq = h.framesOf("a-only").get(10).seq();
        h.frames.remove(h.frameIndex("a-only", seq));
        assertOnlyKind(h, SUBSCRIBER_GAP, "seqs [" + seq + "]");
    }

    @Test
    void framesSwapped_isSubscriberOrder_notAGap() {
        SyntheticHistory h = SyntheticHistory.clean();
        long seq = h.framesOf("a-only").get(10).seq();
        int i = h.frameIndex("a-only", seq);
        int j = h.frameIndex("a-only", h.framesOf("a-only").get(11).seq());
        Frame first = h.frames.get(i);
        h.frames.set(i, h.frames.get(j));
        h.frames.set(j, first);
        assertKinds(EnumSet.of(SUBSCRIBER_ORDER), check(h));
    }

    @Test
    void messageDeliveredAgainAfterAReconnect_isSubscriberOrder() {
        SyntheticHistory h = SyntheticHistory.clean();
        // the new session starts one message too early: seq reconnectAfter arrives a second time
        Frame again = h.frames.get(h.frameIndex("all", h.reconnectAfter));
        h.frames.add(h.frameIndex("all", h.reconnectAfter + 1), new Frame("all", 1, again.receivedNanos() + 3 * MS,
                again.seq(), again.channel(), again.offset(), again.payload()));
        assertKinds(EnumSet.of(SUBSCRIBER_ORDER), check(h));
    }

    @Test
    void sessionWhoseFirstFrameIsNotAfterItsAfterSeq_isSubscriberOrder() {
        SyntheticHistory h = SyntheticHistory.clean();
        // "all" had everything up to reconnectAfter and resumed asking for after=reconnectAfter + 3, yet the
        // node sent from reconnectAfter + 1: three frames not after the session's after (nothing is missing)
        h.subscriptions.replaceAll(s -> s.subscriber().equals("all") && s.session() == 1
                ? new Subscription(s.subscriber(), 1, s.node(), s.channels(), s.afterSeq() + 3, s.openedNanos(),
                s.closedNanos(), s.closeReason())
                : s);
        assertOnlyKind(h, SUBSCRIBER_ORDER, "3 frames");
    }

    @Test
    void frameOfAChannelNotSubscribed_isIntegrity() {
        SyntheticHistory h = SyntheticHistory.clean();
        LogEntry b = h.logs.get(1).stream().filter(e -> e.channel().equals("b") && e.seq() > 40).findFirst()
                .orElseThrow();
        Frame after = h.framesOf("a-only").stream().filter(f -> f.seq() > b.seq()).findFirst().orElseThrow();
        h.frames.add(h.frames.indexOf(after), new Frame("a-only", 0, after.receivedNanos() - 1, b.seq(), b.channel(),
                b.offset(), b.payload()));
        assertKinds(EnumSet.of(INTEGRITY), check(h));
    }

    @Test
    void malformedHistoryIsRefused() {
        SyntheticHistory h = SyntheticHistory.clean();
        PublishOp ok = h.publishes.get(0);
        h.publishes.set(0, new PublishOp(ok.client(), ok.key(), ok.channel(), ok.payload(), ok.node(),
                ok.invokeNanos(), ok.completeNanos(), PublishOp.Outcome.OK, null, null));
        assertThrows(IllegalArgumentException.class, () -> check(h));
        SyntheticHistory g = SyntheticHistory.clean();
        g.frames.add(new Frame("nobody", 0, 0, 1, "a", 1, "{}"));
        assertThrows(IllegalArgumentException.class, () -> check(g));
    }

    @Test
    void frameThatDisagreesWithTheLog_isAgreement() {
        SyntheticHistory h = SyntheticHistory.clean();
        LogEntry e = h.entryAt(h.framesOf("a-only").get(5).seq());
        h.replaceInFrames("a-only", new LogEntry(e.seq(), e.channel(), e.offset(), e.key(), "{\"client\":\"c9\"}"));
        assertKinds(EnumSet.of(AGREEMENT), check(h));
    }

    @Test
    void logEntryNeverPublished_isIntegrity() {
        SyntheticHistory h = SyntheticHistory.clean();
        // the message of an INFO publish replaced by one nobody sent (so no publish is lost meanwhile)
        LogEntry e = h.logs.get(1).stream().filter(x -> x.key().equals("k-7")).findFirst().orElseThrow();
        LogEntry ghost = new LogEntry(e.seq(), e.channel(), e.offset(), "k-ghost", "{\"client\":\"ghost\"}");
        h.replaceInLogs(ghost);
        h.replaceInFrames("all", ghost);
        h.replaceInFrames("early", ghost);
        assertOnlyKind(h, INTEGRITY, "no client ever published");
    }

    @Test
    void failedPublishThatAppears_isIntegrity() {
        SyntheticHistory h = withEntryOf(20, 19, 1);
        assertOnlyKind(h, INTEGRITY, "FAILED");
    }

    @Test
    void nodeLogShorterAfterSettling_isRecovery() {
        SyntheticHistory h = SyntheticHistory.clean();
        List<LogEntry> n3 = h.logs.get(3);
        n3.subList(n3.size() - 5, n3.size()).clear();
        List<Anomaly> anomalies = check(h);
        assertKinds(EnumSet.of(RECOVERY), anomalies);
        assertTrue(anomalies.get(0).detail().startsWith("node n3"), anomalies.get(0).detail());
    }

    @Test
    void nodeLogThatDiffers_isAgreement() {
        SyntheticHistory h = SyntheticHistory.clean();
        LogEntry e = h.entryAt(12);
        h.logs.get(2).set(11, new LogEntry(12, e.channel(), e.offset(), e.key(), h.entryAt(11).payload()));
        List<Anomaly> anomalies = check(h);
        // n2 holds the message of seq 11 twice: it disagrees, and on n2 that message is also a duplicate
        assertTrue(kinds(anomalies).contains(AGREEMENT), anomalies::toString);
        assertTrue(anomalies.stream().anyMatch(a -> a.kind() == AGREEMENT && a.detail().contains("seq 12")));
    }

    @Test
    void nodeWhoseChainHashBreaksOffFromItsMessages_isChain_andAgreement() {
        SyntheticHistory h = SyntheticHistory.clean();
        LogEntry e = h.entryAt(12);
        // n2 lists the right message at seq 12 but a hash that does not follow from seq 11's
        String forged = ChainHash.ZERO.next(12, e.channel(), e.payload()).hex();
        h.logs.get(2).set(11, new LogEntry(12, e.channel(), e.offset(), e.key(), e.payload(), forged));
        List<Anomaly> anomalies = check(h);
        assertEquals(EnumSet.of(CHAIN, AGREEMENT), kinds(anomalies), anomalies::toString);
        assertTrue(anomalies.stream().anyMatch(a -> a.kind() == CHAIN && a.detail().startsWith("node n2's hash at seq 12")),
                anomalies::toString);
    }

    @Test
    void nodeThatComputesAnotherChain_isChain_andAgreementOnTheHashes() {
        SyntheticHistory h = SyntheticHistory.clean();
        // n3 computes its chain with another construction (here: an offset in place of the seq): each of its
        // hashes is self-consistent by its rule, not by the contract's, and differs from n1's and n2's
        List<LogEntry> n3 = h.logs.get(3);
        ChainHash chain = ChainHash.ZERO;
        for (int i = 0; i < n3.size(); i++) {
            LogEntry e = n3.get(i);
            chain = chain.next(e.offset(), e.channel(), e.payload());
            n3.set(i, new LogEntry(e.seq(), e.channel(), e.offset(), e.key(), e.payload(), chain.hex()));
        }
        List<Anomaly> anomalies = check(h);
        assertTrue(kinds(anomalies).contains(CHAIN), anomalies::toString);
        assertTrue(kinds(anomalies).contains(AGREEMENT), "the hashes differ between nodes: " + anomalies);
    }

    @Test
    void nodeLogWithAHole_isAgreement_notRecovery() {
        SyntheticHistory h = SyntheticHistory.clean();
        h.logs.get(2).remove(11);
        assertKinds(EnumSet.of(AGREEMENT), check(h));
    }

    @Test
    void subscriberThatNeverCatchesUp_isRecovery() {
        SyntheticHistory h = SyntheticHistory.clean();
        List<Frame> mine = h.framesOf("a-only");
        h.frames.removeAll(mine.subList(mine.size() - 3, mine.size()));
        CheckResult r = new Checker().analyze(h.history(), BOUND);
        assertKinds(EnumSet.of(RECOVERY), r.anomalies());
        assertTrue(r.recoveries().stream().anyMatch(x -> x.subscriber().equals("a-only") && !x.received()));
    }

    @Test
    void subscriberThatCatchesUpTooLate_isRecovery_withItsLatencyMeasured() {
        SyntheticHistory h = SyntheticHistory.clean();
        List<Frame> mine = h.framesOf("a-only");
        Frame last = mine.get(mine.size() - 1);
        h.frames.set(h.frames.indexOf(last), new Frame(last.subscriber(), last.session(),
                last.receivedNanos() + 2_000 * MS, last.seq(), last.channel(), last.offset(), last.payload()));
        CheckResult r = new Checker().analyze(h.history(), BOUND);
        assertKinds(EnumSet.of(RECOVERY), r.anomalies());
        CheckResult.Recovery slowest = r.slowestRecovery().orElseThrow();
        assertEquals("a-only", slowest.subscriber());
        assertTrue(slowest.latencyNanos() > 1_900 * MS && slowest.latencyNanos() < 2_000 * MS, slowest::toString);
        // within a larger bound it is fine
        assertEquals(List.of(), new Checker().check(h.history(), Duration.ofSeconds(3)));
    }

    // the checker itself

    @Test
    void sameHistorySameAnomalies() {
        SyntheticHistory h = SyntheticHistory.clean();
        h.logs.get(3).subList(40, h.logs.get(3).size()).clear();
        h.frames.remove(h.frameIndex("a-only", h.framesOf("a-only").get(3).seq()));
        assertEquals(check(h), check(h));
        assertEquals(EnumSet.of(RECOVERY, SUBSCRIBER_GAP), kinds(check(h)));
    }

    @Test
    void detailsAreCappedPerKindButCountsAreExact() {
        SyntheticHistory h = SyntheticHistory.clean();
        for (int i = 10; i < 15; i++) { // five seqs where n2 holds another message: five AGREEMENT
            LogEntry e = h.entryAt(i + 1);
            h.logs.get(2).set(i, new LogEntry(e.seq(), e.channel(), e.offset(), e.key(), "{\"n\":\"bad-" + i + "\"}"));
        }
        CheckResult r = new Checker(2).analyze(h.history(), BOUND);
        assertEquals(5, r.count(AGREEMENT));
        List<Anomaly> agreement = r.anomalies().stream().filter(a -> a.kind() == AGREEMENT).toList();
        assertEquals(3, agreement.size());
        assertTrue(agreement.get(2).detail().startsWith("3 more"), agreement.get(2).detail());
    }

    @Test
    void reportSummarizesCountsAndAnomalies() {
        SyntheticHistory clean = SyntheticHistory.clean();
        HistoryReport ok = HistoryReport.of(clean.history(), BOUND);
        assertTrue(ok.text().startsWith("Paxcast history check: VALID"), ok.text());
        assertTrue(ok.text().contains("seqs 1.." + clean.lastSeq()), ok.text());

        SyntheticHistory h = SyntheticHistory.clean();
        long seq = h.ackSeq(40);
        SyntheticHistory.Pub y = h.pubs.get(22);
        h.replaceInLogs(new LogEntry(seq, y.channel(), h.entryAt(seq).offset(), y.key(), y.payload()));
        HistoryReport bad = HistoryReport.of(h.history(), BOUND);
        String text = bad.text();
        assertTrue(text.startsWith("Paxcast history check: INVALID"), text);
        assertTrue(text.contains("LOST_WRITE 1"), text);
        assertTrue(text.contains("OK "), text);
        assertTrue(text.contains("n3 " + h.lastSeq() + " entries"), text);
        assertTrue(text.contains("max latency"), text);
        JsonObject json = new JsonObject(bad.json());
        assertFalse(json.getBoolean("valid"));
        assertEquals(1, json.getJsonObject("anomalies").getJsonObject("LOST_WRITE").getInteger("count"));
        assertEquals(3, json.getJsonObject("finalLog").getJsonArray("nodes").size());
        // the form FaultSuite uses: anomalies it already has
        String rendered = HistoryReport.render(h.history(), new Checker().check(h.history(), BOUND));
        assertTrue(rendered.contains("LOST_WRITE 1"), rendered);
    }

    @Test
    void hundredThousandPublishesAndAMillionFramesInAFewSeconds() {
        SyntheticHistory h = SyntheticHistory.generate(100_000, 9, UnaryOperator.identity());
        History history = h.history();
        assertTrue(history.frames().size() > 1_000_000, () -> "frames: " + history.frames().size());
        long start = System.nanoTime();
        CheckResult r = new Checker().analyze(history, BOUND);
        long millis = (System.nanoTime() - start) / 1_000_000;
        System.out.println("checked " + history.publishes().size() + " publishes, " + history.frames().size()
                + " frames in " + millis + " ms");
        assertEquals(List.of(), r.anomalies());
        assertTrue(millis < 20_000, "took " + millis + " ms");
    }
}
