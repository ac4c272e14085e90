package io.paxcast.broadcast.config;

/** A configuration value that the node cannot start with; the message names the key. */
public final class ConfigException extends RuntimeException {
    public ConfigException(ConfigKey key, String problem) {
        super("configuration key " + key.key + " (env " + key.envName() + "): " + problem);
    }

    public ConfigException(String message) {
        super(message);
    }
}
