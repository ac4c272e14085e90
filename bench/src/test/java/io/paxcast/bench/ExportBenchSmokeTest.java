package io.paxcast.bench;

import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The export benchmark in smoke mode (2 s per run): both runs measure, the topic checks out. */
class ExportBenchSmokeTest {

    @Test
    void smokeModeMeasuresBothRunsAndTheTopicHoldsTheLog() throws Exception {
        List<ExportBench.Run> runs = ExportBench.run(ExportBench.options(new String[] {"--smoke", "--publishers", "4"}),
                new PrintStream(OutputStream.nullOutputStream()));
        assertEquals(2, runs.size());
        ExportBench.Run baseline = runs.get(0);
        ExportBench.Run export = runs.get(1);
        assertTrue(baseline.publishOps() > 0 && baseline.ack().getTotalCount() > 0, "the baseline measured publishes");
        assertNull(baseline.kafka(), "no export in the baseline");
        assertTrue(export.publishOps() > 0 && export.ack().getTotalCount() > 0, "the export run measured publishes");
        assertEquals(export.acked(), export.inTopic(), "every acknowledged message is in the topic");
        assertTrue(export.topicInOrder(), "paxcast-seq 1, 2, 3... in the topic");
        assertTrue(export.kafka().getTotalCount() > 0, "publish -> in Kafka latency measured");
    }
}
