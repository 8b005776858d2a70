package dev.fleet.agent.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Merges fleet's configuration sources: an INI file of global {@code key=value} lines, then
 * {@code FLEET_<KEY>} environment variables, then command-line options; a later source wins. Pure.
 *
 * <p>Keys: {@code endpoint}, {@code metadata}, {@code public_ip}, {@code agent_ttl},
 * {@code units_directory}, {@code agent_port}, {@code verbosity}. Unknown keys in the file are
 * ignored (fleetd's file also holds server keys); an unknown command-line option is an error (picocli).
 */
public final class ConfigSources {

    public static final List<String> KEYS = List.of("endpoint", "metadata", "public_ip", "agent_ttl",
            "units_directory", "agent_port", "verbosity");

    private static final Pattern GO_DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|µs|ms|s|m|h)");
    private static final Pattern IPV4 = Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");

    private ConfigSources() {
    }

    /** Parses fleet.conf: {@code key=value} lines, {@code #}/{@code ;} comments, optional double quotes, an optional {@code [section]} ignored. */
    public static Map<String, String> parseFile(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        int lineNo = 0;
        for (String raw : text.split("\r?\n", -1)) {
            lineNo++;
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith(";") || line.startsWith("[")) {
                continue;
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                throw new ConfigException("line " + lineNo + ": expected key=value, got '" + line + "'");
            }
            out.put(line.substring(0, eq).strip().toLowerCase(Locale.ROOT), unquote(line.substring(eq + 1).strip()));
        }
        return out;
    }

    /** The {@code FLEET_*} variables for the known keys, by key. */
    public static Map<String, String> fromEnvironment(Map<String, String> env) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String key : KEYS) {
            String v = env.get("FLEET_" + key.toUpperCase(Locale.ROOT));
            if (v != null) {
                out.put(key, v);
            }
        }
        return out;
    }

    /** Merges the layers (later wins) and validates every value; the message names the key and the bad value. */
    @SafeVarargs
    public static AgentConfig merge(Map<String, String>... layers) {
        Map<String, String> m = new LinkedHashMap<>();
        for (Map<String, String> layer : layers) {
            m.putAll(layer);
        }
        String endpoint = m.get("endpoint");
        if (endpoint == null || endpoint.isBlank()) {
            throw new ConfigException("no control plane: give --endpoint=URL[,URL...] (or FLEET_ENDPOINT, or endpoint= in the config file)");
        }
        String ip = m.getOrDefault("public_ip", "").strip();
        if (!ip.isEmpty() && !IPV4.matcher(ip).matches()) {
            throw new ConfigException("public_ip '" + ip + "' is not an IPv4 address");
        }
        Duration ttl = m.containsKey("agent_ttl") ? duration("agent_ttl", m.get("agent_ttl")) : AgentConfig.DEFAULT_TTL;
        if (ttl.compareTo(Duration.ofSeconds(1)) < 0 || ttl.compareTo(Duration.ofHours(1)) > 0) {
            throw new ConfigException("agent_ttl " + m.get("agent_ttl") + " is outside 1s..1h");
        }
        Path dir = Path.of(m.getOrDefault("units_directory", AgentConfig.DEFAULT_UNITS_DIRECTORY.toString()));
        if (!dir.isAbsolute()) {
            throw new ConfigException("units_directory '" + dir + "' must be an absolute path");
        }
        int port = integer("agent_port", m.getOrDefault("agent_port", Integer.toString(AgentConfig.DEFAULT_AGENT_PORT)), 0, 65535);
        int verbosity = integer("verbosity", m.getOrDefault("verbosity", "0"), 0, 10);
        return new AgentConfig(endpoints(endpoint), metadata(m.getOrDefault("metadata", "")), ip, ttl,
                dir.normalize(), port, verbosity);
    }

    /** {@code URL[,URL...]}, http or https, each with a host. */
    public static List<URI> endpoints(String spec) {
        List<URI> out = new ArrayList<>();
        for (String s : spec.split(",")) {
            String t = s.strip();
            if (t.isEmpty()) {
                continue;
            }
            URI u;
            try {
                u = URI.create(t.endsWith("/") ? t.substring(0, t.length() - 1) : t);
            } catch (IllegalArgumentException e) {
                throw new ConfigException("endpoint '" + t + "' is not a URL");
            }
            if (u.getScheme() == null || !(u.getScheme().equals("http") || u.getScheme().equals("https")) || u.getHost() == null) {
                throw new ConfigException("endpoint '" + t + "' is not an http:// or https:// URL with a host");
            }
            out.add(u);
        }
        if (out.isEmpty()) {
            throw new ConfigException("no endpoint given");
        }
        return out;
    }

    /**
     * fleet's metadata syntax: {@code k=v,k2=v2}, the whole optionally quoted; whitespace around
     * {@code =} and {@code ,} trimmed; the value may contain {@code =}; the last duplicate wins.
     */
    public static Map<String, String> metadata(String spec) {
        Map<String, String> out = new LinkedHashMap<>();
        String s = unquote(spec.strip());
        if (s.isEmpty()) {
            return out;
        }
        for (String pair : s.split(",")) {
            String p = pair.strip();
            if (p.isEmpty()) {
                continue;
            }
            int eq = p.indexOf('=');
            if (eq <= 0) {
                throw new ConfigException("metadata '" + p + "' is not key=value");
            }
            String k = p.substring(0, eq).strip();
            if (!k.matches("[A-Za-z0-9_.-]+")) {
                throw new ConfigException("metadata key '" + k + "' may contain only letters, digits, '_', '.' and '-'");
            }
            out.put(k, p.substring(eq + 1).strip());
        }
        return out;
    }

    /** A Go duration ({@code 30s}, {@code 1m30s}, {@code 500ms}) or plain seconds. */
    public static Duration duration(String key, String value) {
        String v = value.strip();
        if (v.matches("\\d+")) {
            return Duration.ofSeconds(Long.parseLong(v));
        }
        if (v.matches("(" + GO_DURATION.pattern() + ")+")) {
            Matcher m = GO_DURATION.matcher(v);
            long nanos = 0;
            while (m.find()) {
                double n = Double.parseDouble(m.group(1));
                nanos += (long) (n * switch (m.group(2)) {
                    case "ns" -> 1L;
                    case "us", "µs" -> 1_000L;
                    case "ms" -> 1_000_000L;
                    case "s" -> 1_000_000_000L;
                    case "m" -> 60_000_000_000L;
                    default -> 3_600_000_000_000L;
                });
            }
            return Duration.ofNanos(nanos);
        }
        throw new ConfigException(key + " '" + value + "' is not a duration (e.g. 30s, 1m30s, 500ms)");
    }

    private static int integer(String key, String value, int min, int max) {
        try {
            int n = Integer.parseInt(value.strip());
            if (n < min || n > max) {
                throw new ConfigException(key + " " + n + " is outside " + min + ".." + max);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new ConfigException(key + " '" + value + "' is not a number");
        }
    }

    private static String unquote(String s) {
        if (s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"")) {
            return s.substring(1, s.length() - 1);
        }
        return s;
    }

    /** A configuration value or file is wrong; the message says which and why. */
    public static final class ConfigException extends RuntimeException {
        public ConfigException(String message) {
            super(message);
        }
    }
}
