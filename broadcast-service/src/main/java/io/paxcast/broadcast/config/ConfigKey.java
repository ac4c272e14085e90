package io.paxcast.broadcast.config;

import java.util.Locale;

/**
 * Every configuration key, with its default and meaning. The single source for defaults, the
 * environment-variable names and docs/CONFIG.md.
 */
public enum ConfigKey {
    NODE_ID("node.id", "n1", "this node's id; must be one of cluster.members"),
    NODE_ROLE("node.role", "member",
            "member (a voter of cluster.voters, or a node a membership change can make one) | edge (never votes: added as a learner, it holds the decided log with retention, serves HTTP, history and WebSocket, forwards publishes, and counts in no quorum)"),
    EDGE_AUTO_JOIN("edge.autoJoin", "true",
            "with node.role=edge: at start the node asks the cluster to add it as a learner, and on a graceful stop (SIGTERM) to remove it, so edge nodes scale with no admin call (false: an operator adds and removes it through /v1/admin/members)"),
    CLUSTER_NAME("cluster.name", "paxcast", "Hazelcast cluster name: nodes with another name never join"),
    CLUSTER_MEMBERS("cluster.members", "n1@127.0.0.1:5701,n2@127.0.0.1:5702,n3@127.0.0.1:5703",
            "the nodes, as id@host:hazelcastPort, comma-separated; Hazelcast joins these addresses over TCP; the bootstrap voters unless cluster.voters names fewer"),
    CLUSTER_VOTERS("cluster.voters", "",
            "the bootstrap voters, ids of cluster.members, comma-separated (empty: every member); a member not listed starts as a learner and votes once a membership change (POST /v1/admin/members) makes it a voter; recorded in the data directory at the first start, and a later start with other voters is refused (it is epoch 0 of the membership)"),
    CLUSTER_HOST("cluster.host", "", "address Hazelcast and the event bus bind and advertise (default: this node's host in cluster.members)"),
    CLUSTER_TRANSPORT("cluster.transport", "tcp",
            "how Paxos messages travel: tcp (one connection per peer, on the Hazelcast port + cluster.paxosPortOffset; never waits on Hazelcast's view of a dead or cut-off member) | eventbus (the clustered event bus)"),
    CLUSTER_PAXOS_PORT_OFFSET("cluster.paxosPortOffset", "2000",
            "with cluster.transport=tcp, a node listens for Paxos on its Hazelcast port + this, and reaches each member of cluster.members there"),
    CLUSTER_EVENT_BUS_PORT("cluster.eventBusPort", "0", "event-bus TCP port (0: Hazelcast port + 1000)"),
    HTTP_HOST("http.host", "0.0.0.0", "HTTP/WebSocket bind address"),
    HTTP_PORT("http.port", "8080", "HTTP/WebSocket port"),
    DATA_DIR("data.dir", "data/n1", "directory of this node's MapDB files"),
    STORAGE_FSYNC("storage.fsync", "always", "always (group commit, safe) | interval | none (benchmarks only)"),
    STORAGE_FSYNC_INTERVAL_MILLIS("storage.fsyncIntervalMillis", "5", "commit interval under storage.fsync=interval"),
    STORAGE_SEGMENT_BYTES("storage.segmentBytes", "67108864",
            "the Paxos journal rolls to a new segment file (with its own MapDB file) at this size; compaction deletes whole segments, so disk exceeds what is retained by up to two of them"),
    STORAGE_INDEX_SEGMENT_RECORDS("storage.indexSegmentRecords", "262144",
            "records per segment file of the message index (a power of two, 1024 .. 16777216); retention deletes whole segments, so each index file exceeds what is retained by about two of them"),
    PAXOS_TICK_MILLIS("paxos.tickMillis", "10", "length of one core tick"),
    PAXOS_PIPELINE_WINDOW("paxos.pipelineWindow", "64", "slots a leader keeps in flight"),
    PAXOS_MAX_BATCH_COMMANDS("paxos.maxBatchCommands", "512", "publish requests per slot"),
    PAXOS_MAX_BATCH_BYTES("paxos.maxBatchBytes", "131072", "bytes per slot (a larger single request still gets a slot of its own)"),
    PAXOS_HEARTBEAT_TICKS("paxos.heartbeatTicks", "5", "leader heartbeat period, in ticks"),
    PAXOS_ELECTION_TIMEOUT_TICKS("paxos.electionTimeoutTicks", "30", "a follower campaigns after a random [T, 2T) ticks without a leader"),
    PAXOS_RETRANSMIT_TICKS("paxos.retransmitTicks", "10", "unanswered Paxos requests are resent after this many ticks"),
    PAXOS_RESUBMIT_TICKS("paxos.resubmitTicks", "100",
            "an undelivered publish is handed to the leader again after this many ticks (then 2, 4, 8 times as many)"),
    PAXOS_MAX_QUEUED_BYTES("paxos.maxQueuedBytes", "8388608",
            "bytes of publishes a leader holds waiting for a slot; past it forwarded publishes are dropped and handed in again later"),
    PAXOS_MAX_RECENT_BYTES("paxos.maxRecentBytes", "8388608",
            "bytes of recently chosen values kept in memory for catch-up (older ones are read from disk)"),
    PAXOS_FORWARD_WINDOW_BYTES("paxos.forwardWindowBytes", "2097152",
            "bytes of publishes a follower has forwarded to the leader and not yet had answered (flow control)"),
    PAXOS_CATCHUP_REPLY_BYTES("paxos.catchupReplyBytes", "1048576",
            "bytes of chosen values per catch-up reply (a lagging node asks for the next page once it wrote this one)"),
    PUBLISH_RATE_PER_IP("publish.ratePerIp", "0",
            "messages a second one client address may publish (token bucket; 0: no limit); beyond it: 429 rate_limited with Retry-After"),
    PUBLISH_RATE_PER_TOKEN("publish.ratePerToken", "0",
            "messages a second one bearer token may publish (token bucket; 0: no limit); beyond it: 429 rate_limited with Retry-After"),
    PUBLISH_RATE_BURST_SECONDS("publish.rateBurstSeconds", "2", "a rate limit's bucket holds this many seconds of its rate: the burst a quiet client may send"),
    PUBLISH_TIMEOUT_MILLIS("publish.timeoutMillis", "10000", "a publish not ordered by then answers 503 no_quorum"),
    PUBLISH_MAX_PAYLOAD_BYTES("publish.maxPayloadBytes", "65536", "largest message payload (JSON bytes); larger: 413"),
    PUBLISH_MAX_BATCH_ITEMS("publish.maxBatchItems", "1000", "items per POST /v1/messages"),
    PUBLISH_MAX_REQUEST_BYTES("publish.maxRequestBytes", "1048576", "largest request body of POST /v1/messages"),
    PUBLISH_MAX_PENDING("publish.maxPending", "20000", "publish requests in flight on one node; beyond it: 429 overloaded"),
    PUBLISH_MAX_PENDING_BYTES("publish.maxPendingBytes", "8388608",
            "bytes of publishes in flight on one node (taken, not yet ordered); beyond it: 429 overloaded"),
    PUBLISH_DEDUPE_WINDOW_MILLIS("publish.dedupeWindowMillis", "600000",
            "how long an Idempotency-Key is remembered, in the log's clock (leaders' tick timers; never shorter in real time). Must be the same on every node"),
    PUBLISH_IDEMPOTENCY_MAX_KEYS("publish.idempotencyMaxKeys", "500000",
            "idempotency keys remembered at once (about 48 bytes each); when the store is full, new keyed publishes get 429 key_store_full"),
    RETENTION_MAX_MESSAGES("retention.maxMessages", "2000000",
            "messages of the global log a node keeps (the oldest go first, a whole slot at a time); `unlimited` keeps all"),
    RETENTION_MAX_BYTES("retention.maxBytes", "1073741824",
            "payload bytes (the messages' JSON) of the global log a node keeps; `unlimited` keeps all"),
    RETENTION_MAX_AGE_MILLIS("retention.maxAgeMillis", "604800000",
            "a message older than this, counted back from the newest message on the log clock, is expired (an idle log keeps what it has); `unlimited` keeps all"),
    SNAPSHOT_INTERVAL_MESSAGES("snapshot.intervalMessages", "100000",
            "a node snapshots its broadcast state once this many messages were applied since its last snapshot (at the next checkpoint): a restart applies at most about this many again"),
    SNAPSHOT_CHECKPOINT_EVERY_SLOTS("snapshot.checkpointEverySlots", "32",
            "the sequencer hands the application a checkpoint every this many slots: where snapshots can be taken"),
    LIMITS_MAX_CHANNELS("limits.maxChannels", "100000",
            "channels a cluster holds (about 200 bytes of heap each); a publish to a new channel beyond it gets 429 channel_limit"),
    SUBSCRIBE_MAX_QUEUED_FRAMES("subscribe.maxQueuedFrames", "4096", "frames queued for one WebSocket before it is closed as slow_consumer"),
    SUBSCRIBE_MAX_QUEUED_BYTES("subscribe.maxQueuedBytes", "1048576",
            "bytes queued for one WebSocket before it is closed as slow_consumer"),
    SUBSCRIBE_PING_SECONDS("subscribe.pingSeconds", "4",
            "a WebSocket ping every this many seconds: the client's pong keeps a quiet subscription open through http.readIdleTimeoutSeconds"),
    SUBSCRIBE_ALLOWED_ORIGINS("subscribe.allowedOrigins", "*",
            "origins a browser may open a WebSocket from (comma-separated, e.g. https://app.example.com); `*` any; another Origin gets 403 origin_forbidden"),
    SUBSCRIBE_MAX_FRAME_BYTES("subscribe.maxFrameBytes", "131072",
            "largest WebSocket frame (and message) a client may send; a larger one closes the socket with 1009"),
    SUBSCRIBE_MAX_CHANNELS("subscribe.maxChannels", "256", "channels one subscription may name; more: 400 too_many_channels"),
    HTTP_MAX_CONNECTIONS_PER_IP("http.maxConnectionsPerIp", "1024",
            "open HTTP and WebSocket connections from one client address; one more is closed at its first request"),
    HTTP_MAX_CONNECTIONS("http.maxConnections", "2048",
            "open HTTP and WebSocket connections at once; a connection beyond it is closed at its first request"),
    HTTP_IDLE_TIMEOUT_SECONDS("http.idleTimeoutSeconds", "60", "a connection with nothing sent or received for this long is closed"),
    HTTP_READ_IDLE_TIMEOUT_SECONDS("http.readIdleTimeoutSeconds", "10",
            "a connection that sent nothing for this long is closed (a partial request head, then silence; a WebSocket client's pongs count)"),
    HTTP_MAX_BUFFERED_BODY_BYTES("http.maxBufferedBodyBytes", "16777216",
            "bytes of request bodies the node reads at once (each counts its Content-Length or the endpoint's limit); beyond it: 429 overloaded"),
    READ_MAX_WAIT_MILLIS("read.maxWaitMillis", "5000",
            "a read with minSeq waits at most this long for the node to apply that seq, then 503 not_applied"),
    READ_MAX_WAITING("read.maxWaiting", "10000", "reads waiting for a minSeq at once; beyond it: 429 overloaded"),
    AUTH_JWT_SECRET("auth.jwtSecret", "", "HS256 secret for JWT bearer tokens; empty: the node runs open (logged at start)"),
    AUTH_JWKS_FILE("auth.jwksFile", "",
            "a JWKS file ({\"keys\": [...]}, RS256/ES256 public keys with alg and kid) whose keys verify bearer tokens, beside auth.jwtSecret; re-read when it changes"),
    AUTH_JWKS_RELOAD_SECONDS("auth.jwksReloadSeconds", "5", "how often the node looks for a changed auth.jwksFile: key rotation without a restart"),
    KAFKA_EXPORT_BOOTSTRAP_SERVERS("kafka.export.bootstrapServers", "",
            "Kafka brokers (host:port,...) to export the total order to; empty: export off"),
    KAFKA_EXPORT_TOPIC("kafka.export.topic", "paxcast-log", "the topic the total order is written to (it must exist)"),
    KAFKA_EXPORT_PARTITION("kafka.export.partition", "0", "the one partition of kafka.export.topic that holds the order"),
    KAFKA_EXPORT_CHANNELS("kafka.export.channels", "*",
            "channels exported, as patterns: `*` (all), `room-*` (a prefix) or a name; comma-separated"),
    KAFKA_EXPORT_TRANSACTIONAL_ID("kafka.export.transactionalId", "",
            "Kafka transactional.id shared by every node's exporter, so a new exporter fences the old one (default: paxcast-export-<cluster.name>-<topic>-<partition>)"),
    KAFKA_EXPORT_BATCH_MESSAGES("kafka.export.batchMessages", "500", "messages per Kafka transaction at most"),
    KAFKA_EXPORT_TIMEOUT_MILLIS("kafka.export.timeoutMillis", "15000",
            "how long a Kafka call of the exporter may block or wait (max.block.ms, request and tail-read deadlines)"),
    KAFKA_INGEST_BOOTSTRAP_SERVERS("kafka.ingest.bootstrapServers", "",
            "Kafka brokers to consume from and publish into the total order; empty: ingest off"),
    KAFKA_INGEST_TOPICS("kafka.ingest.topics", "",
            "topic=channel pairs, comma-separated (orders=orders-in,audit=audit): each record of the topic is published to the channel"),
    KAFKA_INGEST_GROUP_ID("kafka.ingest.groupId", "paxcast-ingest", "the Kafka consumer group every node's ingest joins"),
    KAFKA_INGEST_VALUE_FORMAT("kafka.ingest.valueFormat", "json",
            "json (a record value is a JSON document, published as is) | string (published as a JSON string)"),
    KAFKA_INGEST_BATCH_RECORDS("kafka.ingest.batchRecords", "100",
            "records of one partition published together as one atomic batch (at most publish.maxBatchItems)"),
    KAFKA_INGEST_SESSION_TIMEOUT_MILLIS("kafka.ingest.sessionTimeoutMillis", "10000",
            "Kafka session.timeout.ms of the ingest consumers: how soon the partitions of a crashed node move to another"),
    KAFKA_INGEST_TIMEOUT_MILLIS("kafka.ingest.timeoutMillis", "15000", "how long a Kafka call of the ingest may block"),
    KAFKA_CLIENT_PROPERTIES("kafka.clientProperties", "",
            "a Kafka client properties file (security.protocol, sasl.*, ssl.*, ...) applied to every Kafka client of the bridge; the bridge's own settings (transactional.id, acks, idempotence, isolation.level, auto-commit, group.id) win"),
    KAFKA_RETRY_MILLIS("kafka.retryMillis", "1000",
            "first back-off after a Kafka error (export or ingest); it doubles up to 30 s while the error lasts");

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
