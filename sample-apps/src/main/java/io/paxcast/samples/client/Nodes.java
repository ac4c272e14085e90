package io.paxcast.samples.client;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** Node addresses: parsing {@code --node} / {@code PAXCAST_NODE} lists, and the URLs of the API. */
public final class Nodes {
    /** The node used when neither {@code --node} nor {@code PAXCAST_NODE} names one. */
    public static final String DEFAULT_NODE = "http://127.0.0.1:8081";
    public static final String ENV = "PAXCAST_NODE";

    /** docs/API.md: channel names. */
    private static final Pattern CHANNEL = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$");

    private Nodes() {
    }

    /**
     * The nodes named by {@code option} (a comma-separated list, possibly given several times),
     * else by the environment's {@code PAXCAST_NODE}, else {@link #DEFAULT_NODE}.
     */
    public static List<URI> resolve(List<String> option, Map<String, String> env) {
        List<String> texts = new ArrayList<>();
        if (option != null) {
            option.forEach(o -> texts.addAll(List.of(o.split(","))));
        }
        if (texts.stream().allMatch(String::isBlank)) {
            texts.clear();
            String fromEnv = env.get(ENV);
            texts.addAll(List.of((fromEnv == null || fromEnv.isBlank() ? DEFAULT_NODE : fromEnv).split(",")));
        }
        List<URI> nodes = new ArrayList<>();
        for (String text : texts) {
            if (!text.isBlank()) {
                nodes.add(parse(text.trim()));
            }
        }
        if (nodes.isEmpty()) {
            throw new IllegalArgumentException("no node URL given");
        }
        return List.copyOf(nodes);
    }

    /** {@code http://host:port} (a trailing slash or path prefix is kept as the API's root). */
    public static URI parse(String text) {
        URI uri;
        try {
            uri = new URI(text.endsWith("/") ? text.substring(0, text.length() - 1) : text);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a node URL: '" + text + "' (expected http://host:port)");
        }
        if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
                || uri.getHost() == null || uri.getQuery() != null || uri.getFragment() != null) {
            throw new IllegalArgumentException("not a node URL: '" + text + "' (expected http://host:port)");
        }
        return uri;
    }

    /** {@code node + path}; {@code path} starts with '/'. */
    public static URI http(URI node, String path) {
        return URI.create(node.toString() + path);
    }

    /** {@code ws://host:port/v1/subscribe?channels=..[&after=..][&token=..]} for this node. */
    public static URI subscribe(URI node, String channels, Long after, String token) {
        String scheme = node.getScheme().equals("https") ? "wss" : "ws";
        StringBuilder query = new StringBuilder("channels=").append(encode(channels));
        if (after != null) {
            query.append("&after=").append(after);
        }
        if (token != null) {
            query.append("&token=").append(encode(token));
        }
        String rest = node.toString().substring(node.getScheme().length());
        return URI.create(scheme + rest + "/v1/subscribe?" + query);
    }

    /** The same request as plain HTTP (to read the JSON error of a refused upgrade). */
    public static URI subscribeOverHttp(URI node, String channels, Long after, String token) {
        URI ws = subscribe(node, channels, after, token);
        return URI.create(node.getScheme() + ws.toString().substring(ws.getScheme().length()));
    }

    public static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }

    /** Checks a channel name against docs/API.md's pattern; returns it. */
    public static String channel(String name) {
        if (name == null || !CHANNEL.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid channel name '" + name
                    + "': channel names match ^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$");
        }
        return name;
    }

    /** {@code *} or a comma-separated list of channel names, each checked. */
    public static String channels(String list) {
        if (list.trim().equals("*")) {
            return "*";
        }
        List<String> names = new ArrayList<>();
        for (String part : list.split(",")) {
            names.add(channel(part.trim()));
        }
        return String.join(",", names);
    }

    /** The nodes rotated so that node {@code k} (0-based, modulo the size) comes first: "mine, then the others". */
    public static List<URI> startingAt(List<URI> nodes, int k) {
        List<URI> rotated = new ArrayList<>(nodes.size());
        for (int i = 0; i < nodes.size(); i++) {
            rotated.add(nodes.get((k + i) % nodes.size()));
        }
        return List.copyOf(rotated);
    }

    /** A short label for output: {@code :8082} for loopback nodes, else the URL. */
    public static String label(URI node) {
        String host = node.getHost();
        boolean local = host.equals("127.0.0.1") || host.equals("localhost") || host.equals("[::1]");
        return local && node.getPort() > 0 && (node.getPath() == null || node.getPath().isEmpty())
                ? ":" + node.getPort() : node.toString();
    }
}
