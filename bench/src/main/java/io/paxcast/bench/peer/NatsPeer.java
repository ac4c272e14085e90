package io.paxcast.bench.peer;

import io.paxcast.testkit.nats.NatsCluster;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.ErrorListener;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.PushSubscribeOptions;
import io.nats.client.api.ClusterInfo;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * NATS JetStream: a {@link NatsCluster} of 3 servers, one stream with replicas 3 on file storage.
 * The publisher uses JetStream async publish on a connection to server 1 and counts each
 * PublishAck; the subscriber is an ordered push consumer on a connection to server 2.
 */
final class NatsPeer implements PeerSystem {
    static final String STREAM = "PEERBENCH";
    static final String SUBJECT = "peer.bench";
    private static final long READY_DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(60);

    private final NatsCluster cluster;
    private final Connection publishing;
    private final Connection subscribing;
    private final Publisher publisher;

    private NatsPeer(NatsCluster cluster, Connection publishing, Connection subscribing) {
        this.cluster = cluster;
        this.publishing = publishing;
        this.subscribing = subscribing;
        JetStream js;
        try {
            js = publishing.jetStream();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        this.publisher = (payload, ack) -> js.publishAsync(SUBJECT, payload).whenComplete((pa, error) -> ack.done(error));
    }

    static NatsPeer start(Path workDir, int servers, Deliveries deliveries) throws Exception {
        NatsCluster cluster = NatsCluster.start(workDir, servers);
        Connection pub = null;
        Connection sub = null;
        try {
            pub = Nats.connect(options(cluster.url(1)));
            createStream(pub, servers);
            sub = Nats.connect(options(cluster.url(2)));
            Dispatcher dispatcher = sub.createDispatcher();
            sub.jetStream().subscribe(SUBJECT, dispatcher, msg -> deliveries.received(Payload.sentOf(msg.getData())),
                    false, PushSubscribeOptions.builder().stream(STREAM).ordered(true).build());
            return new NatsPeer(cluster, pub, sub);
        } catch (Exception | Error e) {
            closeQuietly(sub);
            closeQuietly(pub);
            cluster.close();
            throw e;
        }
    }

    private static Options options(String url) {
        // the default listener logs every ordered-consumer flow-control round trip at INFO; errors
        // still reach the bench as failed publish futures or missing deliveries
        return new Options.Builder().server(url).connectionName("paxcast-peer-bench")
                .connectionTimeout(Duration.ofSeconds(5)).maxReconnects(-1).errorListener(new ErrorListener() { })
                .build();
    }

    /** Retries until the JetStream meta leader exists and the stream has a leader and 2 current followers. */
    private static void createStream(Connection nc, int replicas) throws Exception {
        JetStreamManagement jsm = nc.jetStreamManagement();
        StreamConfiguration config = StreamConfiguration.builder().name(STREAM).subjects(SUBJECT)
                .storageType(StorageType.File).replicas(replicas).build();
        long deadline = System.nanoTime() + READY_DEADLINE_NANOS;
        boolean created = false;
        Exception last = null;
        Object pause = new Object();
        while (System.nanoTime() < deadline) {
            try {
                if (!created) {
                    jsm.addStream(config);
                    created = true;
                }
                ClusterInfo info = jsm.getStreamInfo(STREAM).getClusterInfo();
                if (info != null && info.getLeader() != null && info.getReplicas() != null
                        && info.getReplicas().size() == replicas - 1
                        && info.getReplicas().stream().allMatch(r -> r.isCurrent())) {
                    return;
                }
            } catch (JetStreamApiException | IOException e) {
                last = e; // "JetStream system temporarily unavailable" until the meta leader is elected
            }
            synchronized (pause) {
                pause.wait(100); // a bounded poll interval, not a hand-off
            }
        }
        throw new IllegalStateException("JetStream stream " + STREAM + " not ready within 60 s", last);
    }

    @Override
    public Publisher publisher() {
        return publisher;
    }

    @Override
    public String describe() {
        return "3 nats-server (JetStream, file storage, stream replicas 3)";
    }

    @Override
    public void close() {
        closeQuietly(subscribing);
        closeQuietly(publishing);
        cluster.close();
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
