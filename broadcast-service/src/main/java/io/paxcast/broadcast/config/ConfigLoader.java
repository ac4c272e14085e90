package io.paxcast.broadcast.config;

import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Merges the configuration sources, later ones winning: the defaults of {@link ConfigKey}, then a
 * YAML or JSON file ({@code --config FILE}, {@code PAXCAST_CONFIG} or {@code -Dpaxcast.config}),
 * then {@code PAXCAST_*} environment variables, then {@code -Dpaxcast.*} system properties.
 * Nested file sections ({@code paxos: {tickMillis: 10}}) are read as dotted keys.
 */
public final class ConfigLoader {
    private ConfigLoader() {
    }

    public static Future<NodeConfig> load(Vertx vertx, String configFile, Map<String, String> env) {
        String file = configFile != null ? configFile
                : System.getProperty("paxcast.config", env.getOrDefault("PAXCAST_CONFIG", ""));
        JsonObject defaults = new JsonObject();
        for (ConfigKey key : ConfigKey.values()) {
            defaults.put(key.key, key.defaultValue);
        }
        ConfigRetrieverOptions options = new ConfigRetrieverOptions().setScanPeriod(0)
                .addStore(new ConfigStoreOptions().setType("json").setConfig(defaults));
        if (!file.isBlank()) {
            if (!Files.isReadable(Path.of(file))) {
                return Future.failedFuture(new ConfigException("configuration file " + file + " is not readable"));
            }
            String format = file.endsWith(".json") ? "json" : "yaml";
            options.addStore(new ConfigStoreOptions().setType("file").setFormat(format)
                    .setConfig(new JsonObject().put("path", file)));
        }
        ConfigRetriever retriever = ConfigRetriever.create(vertx, options);
        return retriever.getConfig().eventually(retriever::close).map(merged -> {
            JsonObject flat = new JsonObject();
            flatten("", merged, flat);
            for (ConfigKey key : ConfigKey.values()) {
                String fromEnv = env.get(key.envName());
                if (fromEnv != null) {
                    flat.put(key.key, fromEnv);
                }
                String fromProperty = System.getProperty(key.systemProperty());
                if (fromProperty != null) {
                    flat.put(key.key, fromProperty);
                }
            }
            for (String name : flat.fieldNames()) {
                boolean known = false;
                for (ConfigKey key : ConfigKey.values()) {
                    known |= key.key.equals(name);
                }
                if (!known) {
                    throw new ConfigException("unknown configuration key " + name + " (see docs/CONFIG.md)");
                }
            }
            return NodeConfig.from(flat);
        });
    }

    private static void flatten(String prefix, JsonObject source, JsonObject into) {
        for (Map.Entry<String, Object> entry : source) {
            String name = prefix.isEmpty() ? entry.getKey() : prefix + "." + entry.getKey();
            if (entry.getValue() instanceof JsonObject nested) {
                flatten(name, nested, into);
            } else if (entry.getValue() instanceof io.vertx.core.json.JsonArray list) {
                StringBuilder joined = new StringBuilder();
                for (Object item : list) {
                    joined.append(joined.length() == 0 ? "" : ",").append(item);
                }
                into.put(name, joined.toString());
            } else {
                into.put(name, entry.getValue());
            }
        }
    }
}
