package io.paxcast.broadcast.config;

import io.vertx.core.Vertx;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Loads configurations as a node does ({@link ConfigLoader#load}), on one Vert.x instance for the
 * test class: created before its first test, closed after its last.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final ConfigLoads configs = new ConfigLoads();
 * }</pre>
 */
final class ConfigLoads implements BeforeAllCallback, AfterAllCallback {
    private Vertx vertx;

    @Override
    public void beforeAll(ExtensionContext context) {
        vertx = Vertx.vertx();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        vertx.close();
    }

    /** The configuration of {@code file} (null: none) and {@code env}, waited for at most 10 s; a failed load throws ExecutionException. */
    NodeConfig load(String file, Map<String, String> env) throws Exception {
        return ConfigLoader.load(vertx, file, env).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}
