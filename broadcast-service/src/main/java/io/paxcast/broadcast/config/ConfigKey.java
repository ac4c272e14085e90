package io.paxcast.broadcast.config;

import java.util.Locale;

/**
 * Every configuration key, with its default and meaning. The single source for defaults, the
 * environment-variable names and docs/CONFIG.md.
 */
public enum ConfigKey {
    NODE_ID("node.id", "n1", "this node's id; must be one of cluster.members"),
    CLUSTER_NAME("cluster.name", "paxcast", "Hazelcast cluster name: nodes with another name never join"),
    CLUSTER_MEMBERS("cluster.members", "n1@127.0.0.1:5701,n2@127.0.0.1:5702,n3@127.0.0.1:5703",
            "the Paxos voters, as id@host:hazelcastPort, comma-separated; Hazelcast joins these addresses over TCP"),
    CLUSTER_HOST("cluster.host", "", "address Hazelcast and the event bus bind and advertise (default: this node's host in cluster.members)"),
    CLUSTER_EVENT_BUS_PORT("cluster.eventBusPort", "0", "event-bus TCP port (0: Hazelcast port + 1000)"),
    HTTP_HOST("http.host", "0.0.0.0", "HTTP/WebSocket bind address"),
    HTTP_PORT("http.port", "8080", "HTTP/WebSocket port"),
    DATA_DIR("data.dir", "data/n1", "directory of this node's MapDB files"),
    STORAGE_FSYNC("storage.fsync", "always", "always (group commit, safe) | interval | none (benchmarks only)"),
    STORAGE_FSYNC_INTERVAL_MILLIS("storage.fsyncIntervalMillis", "5", "commit interval under storage.fsync=interval"),
    PAXOS_TICK_MILLIS("paxos.tickMillis", "10", "length of one core tick"),
    PAXOS_PIPELINE_WINDOW("paxos.pipelineWindow", "64", "slots a leader keeps in flight"),
    PAXOS_MAX_BATCH_COMMANDS("paxos.maxBatchCommands", "512", "publish requests per slot"),
    PAXOS_MAX_BATCH_BYTES("paxos.maxBatchBytes", "262144", "bytes per slot (a larger single request still gets a slot of its own)"),
    PAXOS_HEARTBEAT_TICKS("paxos.heartbeatTicks", "5", "leader heartbeat period, in ticks"),
    PAXOS_ELECTION_TIMEOUT_TICKS("paxos.electionTimeoutTicks", "30", "a follower campaigns after a random [T, 2T) ticks without a leader"),
    PAXOS_RETRANSMIT_TICKS("paxos.retransmitTicks", "10", "unanswered Paxos requests are resent after this many ticks"),
    PAXOS_RESUBMIT_TICKS("paxos.resubmitTicks", "100", "an undelivered publish is handed to the leader again after this many ticks"),
    PUBLISH_TIMEOUT_MILLIS("publish.timeoutMillis", "10000", "a publish not ordered by then answers 503 no_quorum"),
    PUBLISH_MAX_PAYLOAD_BYTES("publish.maxPayloadBytes", "65536", "largest message payload (JSON bytes); larger: 413"),
    PUBLISH_MAX_BATCH_ITEMS("publish.maxBatchItems", "1000", "items per POST /v1/messages"),
    PUBLISH_MAX_REQUEST_BYTES("publish.maxRequestBytes", "1048576", "largest request body of POST /v1/messages"),
    PUBLISH_MAX_PENDING("publish.maxPending", "20000", "publishes in flight on one node; beyond it: 429 overloaded"),
    PUBLISH_DEDUPE_WINDOW_MILLIS("publish.dedupeWindowMillis", "600000", "how long an Idempotency-Key is remembered, in log time"),
    SUBSCRIBE_MAX_QUEUED_FRAMES("subscribe.maxQueuedFrames", "4096", "frames queued for one WebSocket before it is closed as slow_consumer"),
    AUTH_JWT_SECRET("auth.jwtSecret", "", "HS256 secret for JWT bearer tokens; empty: the node runs open (logged at start)");

    public final String key;
    public final String defaultValue;
    public final String description;

    ConfigKey(String key, String defaultValue, String description) {
        this.key = key;
        this.defaultValue = defaultValue;
        this.description = description;
    }

    /** {@code paxos.tickMillis} -> {@code PAXCAST_PAXOS_TICKMILLIS}. */
    public String envName() {
        return "PAXCAST_" + key.replace('.', '_').toUpperCase(Locale.ROOT);
    }

    /** {@code paxos.tickMillis} -> {@code paxcast.paxos.tickMillis}. */
    public String systemProperty() {
        return "paxcast." + key;
    }
}
