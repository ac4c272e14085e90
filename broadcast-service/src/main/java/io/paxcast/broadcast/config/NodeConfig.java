package io.paxcast.broadcast.config;

import io.paxcast.broadcast.api.ChannelPatterns;
import io.paxcast.broadcast.api.Validation;
import io.paxcast.paxos.core.PaxosConfig;
import io.paxcast.paxos.storage.FsyncPolicy;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A node's validated configuration. Built from the merged sources by {@link ConfigLoader}; any bad
 * value fails construction with {@link ConfigException} naming the key.
 */
public record NodeConfig(
        String nodeId,
        String clusterName,
        List<Member> members,
        String clusterHost,
        int hazelcastPort,
        int eventBusPort,
        String httpHost,
        int httpPort,
        Path dataDir,
        FsyncPolicy fsync,
        long fsyncIntervalMillis,
        long segmentBytes,
        int indexSegmentRecords,
        long tickMillis,
        PaxosConfig paxos,
        long publishTimeoutMillis,
        int maxPayloadBytes,
        int maxBatchItems,
        int maxRequestBytes,
        int maxPendingPublishes,
        long dedupeWindowMillis,
        int maxQueuedFrames,
        Limits limits,
        Retention retention,
        long snapshotIntervalMessages,
        String jwtSecret,
        KafkaExportConfig kafkaExport,
        KafkaIngestConfig kafkaIngest,
        boolean tcpTransport,
        int paxosPortOffset,
        boolean edgeAutoJoin,
        String jwksFile,
        int jwksReloadSeconds,
        ClusterTls clusterTls,
        String jwtIssuer,
        String jwtAudience) {

    /**
     * Mutual TLS between nodes (event bus and Paxos connections) from PKCS#12 stores, or null for plain
     * TCP. Hazelcast's own membership traffic stays plain (TLS is not in its open-source edition).
     */
    public record ClusterTls(Path keyStore, String keyStorePassword, Path trustStore, String trustStorePassword,
                             boolean bindMemberIds) {
        public io.vertx.core.net.PfxOptions keyCert() {
            return new io.vertx.core.net.PfxOptions().setPath(keyStore.toString()).setPassword(keyStorePassword);
        }

        public io.vertx.core.net.PfxOptions trust() {
            return new io.vertx.core.net.PfxOptions().setPath(trustStore.toString()).setPassword(trustStorePassword);
        }
    }

    private static ClusterTls clusterTls(Reader r) {
        String keyStore = r.string(ConfigKey.CLUSTER_TLS_KEY_STORE);
        if (keyStore.isBlank()) {
            return null;
        }
        Path key = Path.of(keyStore);
        if (!java.nio.file.Files.isReadable(key)) {
            throw new ConfigException(ConfigKey.CLUSTER_TLS_KEY_STORE, "cannot read " + key);
        }
        String trustText = r.string(ConfigKey.CLUSTER_TLS_TRUST_STORE);
        Path trust = trustText.isBlank() ? key : Path.of(trustText);
        if (!java.nio.file.Files.isReadable(trust)) {
            throw new ConfigException(ConfigKey.CLUSTER_TLS_TRUST_STORE, "cannot read " + trust);
        }
        String password = r.string(ConfigKey.CLUSTER_TLS_KEY_STORE_PASSWORD);
        String trustPassword = r.string(ConfigKey.CLUSTER_TLS_TRUST_STORE_PASSWORD);
        return new ClusterTls(key, password, trust, trustPassword.isBlank() ? password : trustPassword,
                r.bool(ConfigKey.CLUSTER_TLS_BIND_MEMBER_IDS));
    }

    /** Whether this node may ever vote: false for an edge node (node.role=edge), which is no bootstrap voter. */
    private static boolean edge(Reader r, String nodeId, List<String> voters) {
        String role = r.string(ConfigKey.NODE_ROLE).trim();
        if (!role.equals("member") && !role.equals("edge")) {
            throw new ConfigException(ConfigKey.NODE_ROLE, "is member or edge, got '" + role + "'");
        }
        if (role.equals("edge") && voters.contains(nodeId)) {
            throw new ConfigException(ConfigKey.NODE_ROLE, "an edge node cannot be one of cluster.voters");
        }
        return role.equals("member");
    }

    private static boolean transport(Reader r) {
        String t = r.string(ConfigKey.CLUSTER_TRANSPORT).trim();
        if (!t.equals("tcp") && !t.equals("eventbus")) {
            throw new ConfigException(ConfigKey.CLUSTER_TRANSPORT, "is tcp or eventbus, got '" + t + "'");
        }
        return t.equals("tcp");
    }

    /** Where member {@code id} listens for Paxos (tcp transport), or null if it is not in cluster.members. */
    public io.vertx.core.net.SocketAddress paxosAddress(String id) {
        for (Member m : members) {
            if (m.id().equals(id)) {
                return io.vertx.core.net.SocketAddress.inetSocketAddress(m.port() + paxosPortOffset, m.host());
            }
        }
        return null;
    }

    /** log2 of {@link #indexSegmentRecords()}: what the message index is created with. */
    public int indexSegmentShift() {
        return Integer.numberOfTrailingZeros(indexSegmentRecords);
    }

    /**
     * The bounds that keep a node's memory a function of its configuration (docs/CONFIG.md, "What the
     * heap holds"): every queue in bytes, not only in entries.
     */
    public record Limits(long maxPendingBytes, int idempotencyMaxKeys, int maxChannels, long subscribeMaxQueuedBytes,
                         int subscribePingSeconds, int httpMaxConnections, int httpIdleTimeoutSeconds,
                         int httpReadIdleTimeoutSeconds, long httpMaxBufferedBodyBytes, long readMaxWaitMillis,
                         int readMaxWaiting, Set<String> allowedOrigins, int subscribeMaxFrameBytes,
                         int subscribeMaxChannels, int httpMaxConnectionsPerIp, double publishRatePerIp,
                         double publishRatePerToken, double publishRateBurstSeconds) {
        /** Whether a browser page from {@code origin} may subscribe (no Origin header: no browser, allowed). */
        public boolean originAllowed(String origin) {
            return origin == null || allowedOrigins.isEmpty() || allowedOrigins.contains(origin);
        }
    }

    /** {@code subscribe.allowedOrigins}: empty for {@code *}, else each origin as a browser sends it. */
    private static Set<String> origins(Reader r) {
        String text = r.string(ConfigKey.SUBSCRIBE_ALLOWED_ORIGINS);
        if (text.equals("*")) {
            return Set.of();
        }
        Set<String> origins = new java.util.LinkedHashSet<>();
        for (String part : text.split(",")) {
            String origin = part.trim();
            if (origin.isEmpty()) {
                continue;
            }
            if (!origin.matches("(?i)^https?://[^/\\s]+$")) {
                throw new ConfigException(ConfigKey.SUBSCRIBE_ALLOWED_ORIGINS,
                        "is `*` or a list of origins like https://app.example.com (scheme://host[:port], no path), got '"
                                + origin + "'");
            }
            origins.add(origin.toLowerCase(java.util.Locale.ROOT));
        }
        if (origins.isEmpty()) {
            throw new ConfigException(ConfigKey.SUBSCRIBE_ALLOWED_ORIGINS, "names no origin; `*` allows any");
        }
        return Set.copyOf(origins);
    }

    /**
     * How much of the global log a node keeps: whichever bound is reached first expires the oldest
     * slots (docs/CONFIG.md, "Retention"). {@link Long#MAX_VALUE} is "unlimited".
     */
    public record Retention(long maxMessages, long maxBytes, long maxAgeMillis) {
        public static final Retention UNLIMITED = new Retention(Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE);
    }

    public static NodeConfig from(JsonObject flat) {
        Reader r = new Reader(flat);
        String nodeId = r.string(ConfigKey.NODE_ID);
        List<Member> members = new ArrayList<>();
        for (String part : r.string(ConfigKey.CLUSTER_MEMBERS).split(",")) {
            if (part.isBlank()) {
                continue;
            }
            try {
                members.add(Member.parse(part.trim()));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(ConfigKey.CLUSTER_MEMBERS, e.getMessage());
            }
        }
        if (members.isEmpty()) {
            throw new ConfigException(ConfigKey.CLUSTER_MEMBERS, "no member");
        }
        Member self = members.stream().filter(m -> m.id().equals(nodeId)).findFirst()
                .orElseThrow(() -> new ConfigException(ConfigKey.NODE_ID, "'" + nodeId + "' is not in cluster.members"));
        List<String> ids = members.stream().map(Member::id).toList();
        if (ids.stream().distinct().count() != ids.size()) {
            throw new ConfigException(ConfigKey.CLUSTER_MEMBERS, "duplicate member id");
        }
        List<String> voters = ids;
        String votersText = r.string(ConfigKey.CLUSTER_VOTERS);
        if (!votersText.isBlank()) {
            voters = new ArrayList<>();
            for (String part : votersText.split(",")) {
                String id = part.trim();
                if (id.isEmpty()) {
                    continue;
                }
                if (!ids.contains(id) || voters.contains(id)) {
                    throw new ConfigException(ConfigKey.CLUSTER_VOTERS, "'" + id + "' is " + (voters.contains(id)
                            ? "listed twice" : "not in cluster.members"));
                }
                voters.add(id);
            }
            if (voters.isEmpty()) {
                throw new ConfigException(ConfigKey.CLUSTER_VOTERS, "no voter");
            }
            voters = List.copyOf(voters);
        }
        String host = r.string(ConfigKey.CLUSTER_HOST);
        if (host.isBlank()) {
            host = self.host();
        }
        int ebPort = r.integer(ConfigKey.CLUSTER_EVENT_BUS_PORT, 0, 65535);
        if (ebPort == 0) {
            ebPort = self.port() + 1000;
        }
        long dedupe = r.longValue(ConfigKey.PUBLISH_DEDUPE_WINDOW_MILLIS, 0, Long.MAX_VALUE);
        long tickMillis = r.longValue(ConfigKey.PAXOS_TICK_MILLIS, 1, 10_000);
        int maxPending = r.integer(ConfigKey.PUBLISH_MAX_PENDING, 1, 10_000_000);
        long maxPendingBytes = r.longValue(ConfigKey.PUBLISH_MAX_PENDING_BYTES, 1024, 1L << 40);
        boolean mayVote = edge(r, nodeId, voters);
        PaxosConfig paxos;
        try {
            paxos = PaxosConfig.builder(nodeId, voters)
                    .batching(r.integer(ConfigKey.PAXOS_PIPELINE_WINDOW, 1, 100_000),
                            r.integer(ConfigKey.PAXOS_MAX_BATCH_COMMANDS, 1, 1_000_000),
                            r.integer(ConfigKey.PAXOS_MAX_BATCH_BYTES, 1, 64 * 1024 * 1024))
                    .timeouts(r.integer(ConfigKey.PAXOS_HEARTBEAT_TICKS, 1, 1_000_000),
                            r.integer(ConfigKey.PAXOS_ELECTION_TIMEOUT_TICKS, 2, 1_000_000),
                            r.integer(ConfigKey.PAXOS_RETRANSMIT_TICKS, 1, 1_000_000),
                            r.integer(ConfigKey.PAXOS_RESUBMIT_TICKS, 1, 1_000_000))
                    .catchup(64, r.integer(ConfigKey.PAXOS_CATCHUP_REPLY_BYTES, 1024, 256 * 1024 * 1024))
                    .millisPerTick(tickMillis)
                    .pending(maxPending, maxPendingBytes)
                    .maxQueuedBytes(r.longValue(ConfigKey.PAXOS_MAX_QUEUED_BYTES, 1024, 1L << 40))
                    .forwardWindowBytes(r.longValue(ConfigKey.PAXOS_FORWARD_WINDOW_BYTES, 1024, 1L << 40))
                    .maxRecentBytes(r.longValue(ConfigKey.PAXOS_MAX_RECENT_BYTES, 1024, 1L << 40))
                    .checkpointEverySlots(r.integer(ConfigKey.SNAPSHOT_CHECKPOINT_EVERY_SLOTS, 1, 1 << 30))
                    .voting(mayVote)
                    .build();
        } catch (IllegalArgumentException e) {
            throw new ConfigException(ConfigKey.PAXOS_ELECTION_TIMEOUT_TICKS, e.getMessage());
        }
        Limits limits = new Limits(maxPendingBytes,
                r.integer(ConfigKey.PUBLISH_IDEMPOTENCY_MAX_KEYS, 1, 100_000_000),
                r.integer(ConfigKey.LIMITS_MAX_CHANNELS, 1, 100_000_000),
                r.longValue(ConfigKey.SUBSCRIBE_MAX_QUEUED_BYTES, 1024, 1L << 34),
                r.integer(ConfigKey.SUBSCRIBE_PING_SECONDS, 1, 3600),
                r.integer(ConfigKey.HTTP_MAX_CONNECTIONS, 1, 1_000_000),
                r.integer(ConfigKey.HTTP_IDLE_TIMEOUT_SECONDS, 1, 86_400),
                r.integer(ConfigKey.HTTP_READ_IDLE_TIMEOUT_SECONDS, 1, 86_400),
                r.longValue(ConfigKey.HTTP_MAX_BUFFERED_BODY_BYTES, 1024, 1L << 40),
                r.longValue(ConfigKey.READ_MAX_WAIT_MILLIS, 1, 600_000),
                r.integer(ConfigKey.READ_MAX_WAITING, 1, 10_000_000),
                origins(r),
                r.integer(ConfigKey.SUBSCRIBE_MAX_FRAME_BYTES, 1024, 64 * 1024 * 1024),
                r.integer(ConfigKey.SUBSCRIBE_MAX_CHANNELS, 1, 1_000_000),
                r.integer(ConfigKey.HTTP_MAX_CONNECTIONS_PER_IP, 1, 1_000_000),
                r.decimal(ConfigKey.PUBLISH_RATE_PER_IP, 0, 1e9),
                r.decimal(ConfigKey.PUBLISH_RATE_PER_TOKEN, 0, 1e9),
                r.decimal(ConfigKey.PUBLISH_RATE_BURST_SECONDS, 0.001, 3600));
        FsyncPolicy fsync;
        try {
            fsync = FsyncPolicy.parse(r.string(ConfigKey.STORAGE_FSYNC));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(ConfigKey.STORAGE_FSYNC, e.getMessage());
        }
        return new NodeConfig(nodeId, r.string(ConfigKey.CLUSTER_NAME), List.copyOf(members), host, self.port(), ebPort,
                r.string(ConfigKey.HTTP_HOST), r.integer(ConfigKey.HTTP_PORT, 0, 65535),
                Path.of(r.string(ConfigKey.DATA_DIR)), fsync,
                r.longValue(ConfigKey.STORAGE_FSYNC_INTERVAL_MILLIS, 1, 60_000),
                r.longValue(ConfigKey.STORAGE_SEGMENT_BYTES, 1L << 20, 1L << 34),
                r.powerOfTwo(ConfigKey.STORAGE_INDEX_SEGMENT_RECORDS, 1 << 10, 1 << 24),
                tickMillis, paxos,
                r.longValue(ConfigKey.PUBLISH_TIMEOUT_MILLIS, 1, 3_600_000),
                r.integer(ConfigKey.PUBLISH_MAX_PAYLOAD_BYTES, 1, 16 * 1024 * 1024),
                r.integer(ConfigKey.PUBLISH_MAX_BATCH_ITEMS, 1, 100_000),
                r.integer(ConfigKey.PUBLISH_MAX_REQUEST_BYTES, 1, 256 * 1024 * 1024),
                maxPending,
                dedupe,
                r.integer(ConfigKey.SUBSCRIBE_MAX_QUEUED_FRAMES, 1, 10_000_000),
                limits,
                new Retention(r.limit(ConfigKey.RETENTION_MAX_MESSAGES, 1), r.limit(ConfigKey.RETENTION_MAX_BYTES, 1),
                        r.limit(ConfigKey.RETENTION_MAX_AGE_MILLIS, 1)),
                r.longValue(ConfigKey.SNAPSHOT_INTERVAL_MESSAGES, 1, Long.MAX_VALUE),
                r.string(ConfigKey.AUTH_JWT_SECRET),
                kafkaExport(r, r.string(ConfigKey.CLUSTER_NAME)),
                kafkaIngest(r, r.integer(ConfigKey.PUBLISH_MAX_BATCH_ITEMS, 1, 100_000)),
                transport(r), r.integer(ConfigKey.CLUSTER_PAXOS_PORT_OFFSET, 1, 60000),
                r.bool(ConfigKey.EDGE_AUTO_JOIN) && !mayVote,
                r.string(ConfigKey.AUTH_JWKS_FILE),
                r.integer(ConfigKey.AUTH_JWKS_RELOAD_SECONDS, 1, 86_400),
                clusterTls(r),
                r.string(ConfigKey.AUTH_JWT_ISSUER),
                r.string(ConfigKey.AUTH_JWT_AUDIENCE));
    }

    /** Null (export off) unless {@code kafka.export.bootstrapServers} is set. */
    private static KafkaExportConfig kafkaExport(Reader r, String clusterName) {
        String servers = r.string(ConfigKey.KAFKA_EXPORT_BOOTSTRAP_SERVERS);
        if (servers.isBlank()) {
            return null;
        }
        String topic = r.topic(ConfigKey.KAFKA_EXPORT_TOPIC, r.string(ConfigKey.KAFKA_EXPORT_TOPIC));
        int partition = r.integer(ConfigKey.KAFKA_EXPORT_PARTITION, 0, 1_000_000);
        ChannelPatterns channels;
        try {
            channels = ChannelPatterns.parse(r.string(ConfigKey.KAFKA_EXPORT_CHANNELS));
        } catch (RuntimeException e) {
            throw new ConfigException(ConfigKey.KAFKA_EXPORT_CHANNELS, e.getMessage());
        }
        String transactionalId = r.string(ConfigKey.KAFKA_EXPORT_TRANSACTIONAL_ID);
        if (transactionalId.isBlank()) {
            transactionalId = "paxcast-export-" + clusterName + "-" + topic + "-" + partition;
        }
        return new KafkaExportConfig(servers, topic, partition, channels, transactionalId,
                r.integer(ConfigKey.KAFKA_EXPORT_BATCH_MESSAGES, 1, 100_000),
                r.longValue(ConfigKey.KAFKA_EXPORT_TIMEOUT_MILLIS, 100, 600_000),
                r.longValue(ConfigKey.KAFKA_RETRY_MILLIS, 10, 600_000),
                kafkaClientProperties(r));
    }

    /** The properties file of {@code kafka.clientProperties}, read now so a bad path stops the node at start. */
    private static Map<String, String> kafkaClientProperties(Reader r) {
        String file = r.string(ConfigKey.KAFKA_CLIENT_PROPERTIES);
        if (file.isBlank()) {
            return Map.of();
        }
        java.util.Properties props = new java.util.Properties();
        try (var in = java.nio.file.Files.newBufferedReader(Path.of(file))) {
            props.load(in);
        } catch (java.io.IOException | IllegalArgumentException e) {
            throw new ConfigException(ConfigKey.KAFKA_CLIENT_PROPERTIES, "cannot read " + file + ": " + e.getMessage());
        }
        Map<String, String> out = new LinkedHashMap<>();
        props.stringPropertyNames().forEach(name -> out.put(name, props.getProperty(name)));
        return Map.copyOf(out);
    }

    /** Null (ingest off) unless {@code kafka.ingest.bootstrapServers} is set. */
    private static KafkaIngestConfig kafkaIngest(Reader r, int maxBatchItems) {
        String servers = r.string(ConfigKey.KAFKA_INGEST_BOOTSTRAP_SERVERS);
        if (servers.isBlank()) {
            return null;
        }
        Map<String, String> channels = new LinkedHashMap<>();
        for (String pair : r.string(ConfigKey.KAFKA_INGEST_TOPICS).split(",")) {
            if (pair.isBlank()) {
                continue;
            }
            int eq = pair.indexOf('=');
            if (eq <= 0 || eq == pair.length() - 1) {
                throw new ConfigException(ConfigKey.KAFKA_INGEST_TOPICS, "'" + pair.trim() + "' is not topic=channel");
            }
            String topic = r.topic(ConfigKey.KAFKA_INGEST_TOPICS, pair.substring(0, eq).trim());
            String channel = pair.substring(eq + 1).trim();
            try {
                Validation.channel(channel);
            } catch (RuntimeException e) {
                throw new ConfigException(ConfigKey.KAFKA_INGEST_TOPICS, e.getMessage());
            }
            if (channels.put(topic, channel) != null) {
                throw new ConfigException(ConfigKey.KAFKA_INGEST_TOPICS, "topic " + topic + " is mapped twice");
            }
        }
        if (channels.isEmpty()) {
            throw new ConfigException(ConfigKey.KAFKA_INGEST_TOPICS,
                    "kafka.ingest.bootstrapServers is set but no topic=channel pair is given");
        }
        KafkaIngestConfig.ValueFormat format;
        try {
            format = KafkaIngestConfig.ValueFormat.valueOf(r.string(ConfigKey.KAFKA_INGEST_VALUE_FORMAT).toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(ConfigKey.KAFKA_INGEST_VALUE_FORMAT,
                    "'" + r.string(ConfigKey.KAFKA_INGEST_VALUE_FORMAT) + "' is not json or string");
        }
        String groupId = r.string(ConfigKey.KAFKA_INGEST_GROUP_ID);
        if (groupId.isBlank()) {
            throw new ConfigException(ConfigKey.KAFKA_INGEST_GROUP_ID, "empty");
        }
        return new KafkaIngestConfig(servers, Map.copyOf(channels), groupId, format,
                r.integer(ConfigKey.KAFKA_INGEST_BATCH_RECORDS, 1, maxBatchItems),
                r.longValue(ConfigKey.KAFKA_INGEST_SESSION_TIMEOUT_MILLIS, 1000, 3_600_000),
                r.longValue(ConfigKey.KAFKA_INGEST_TIMEOUT_MILLIS, 100, 600_000),
                r.longValue(ConfigKey.KAFKA_RETRY_MILLIS, 10, 600_000),
                kafkaClientProperties(r));
    }

    private static final Pattern TOPIC = Pattern.compile("^[a-zA-Z0-9._-]{1," + KafkaIngestConfig.MAX_TOPIC_LENGTH + "}$");

    /** Reads typed values, naming the key in every error. */
    private record Reader(JsonObject flat) {
        String string(ConfigKey key) {
            Object value = flat.getValue(key.key);
            return value == null ? key.defaultValue : String.valueOf(value).trim();
        }

        long longValue(ConfigKey key, long min, long max) {
            String text = string(key);
            long value;
            try {
                value = Long.parseLong(text);
            } catch (NumberFormatException e) {
                throw new ConfigException(key, "'" + text + "' is not an integer");
            }
            if (value < min || value > max) {
                throw new ConfigException(key, value + " is outside [" + min + ", " + max + "]");
            }
            return value;
        }

        /** A bound of at least {@code min}, or {@code unlimited} ({@link Long#MAX_VALUE}). */
        long limit(ConfigKey key, long min) {
            return "unlimited".equals(string(key).trim()) ? Long.MAX_VALUE : longValue(key, min, Long.MAX_VALUE - 1);
        }

        boolean bool(ConfigKey key) {
            String text = string(key);
            if (!text.equals("true") && !text.equals("false")) {
                throw new ConfigException(key, "is true or false, got '" + text + "'");
            }
            return text.equals("true");
        }

        double decimal(ConfigKey key, double min, double max) {
            String text = string(key);
            double value;
            try {
                value = Double.parseDouble(text);
            } catch (NumberFormatException e) {
                throw new ConfigException(key, "is a number, got '" + text + "'");
            }
            if (!(value >= min && value <= max)) {
                throw new ConfigException(key, "is within " + min + ".." + max + ", got " + text);
            }
            return value;
        }

        int integer(ConfigKey key, int min, int max) {
            return (int) longValue(key, min, max);
        }

        /** An integer in {@code [min, max]} that is a power of two. */
        int powerOfTwo(ConfigKey key, int min, int max) {
            int value = integer(key, min, max);
            if (Integer.bitCount(value) != 1) {
                throw new ConfigException(key, value + " is not a power of two");
            }
            return value;
        }

        /** A Kafka topic name ([a-zA-Z0-9._-]) short enough for the ingest's idempotency keys. */
        String topic(ConfigKey key, String name) {
            if (!TOPIC.matcher(name).matches()) {
                throw new ConfigException(key, "'" + name + "' is not a Kafka topic name ([a-zA-Z0-9._-], 1.."
                        + KafkaIngestConfig.MAX_TOPIC_LENGTH + " characters)");
            }
            return name;
        }
    }
}
