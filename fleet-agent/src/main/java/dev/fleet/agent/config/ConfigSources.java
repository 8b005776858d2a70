package dev.fleet.agent.config;

import dev.fleet.model.FleetConf;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Merges fleet's configuration sources: an INI file of global {@code key=value} lines, then
 * {@code FLEET_<KEY>} environment variables, then command-line options; a later source wins. Pure.
 *
 * <p>Keys: {@code endpoint}, {@code metadata}, {@code public_ip}, {@code agent_ttl},
 * {@code units_directory}, {@code agent_port}, {@code verbosity}, {@code systemd_user}, fleet's TLS files
 * {@code etcd_cafile}, {@code etcd_certfile}, {@code etcd_keyfile}, and fleet's {@code etcd_servers} (the control-plane
 * nodes when {@code endpoint} is not given: they serve etcd's v2 API too). Unknown keys in the file are ignored
 * (fleetd's file also holds server keys); fleet keys that mean nothing to this agent are named by {@link #notes}; an
 * unknown command-line option is an error (picocli).
 */
public final class ConfigSources {

    public static final List<String> KEYS = List.of("endpoint", "metadata", "public_ip", "agent_ttl",
            "units_directory", "agent_port", "verbosity", "etcd_servers", "systemd_user", "etcd_cafile", "etcd_certfile",
            "etcd_keyfile");

    /** fleet.conf keys this agent reads but does not act on, with what to do instead. */
    private static final Map<String, String> NOT_HERE = notHere();

    private static Map<String, String> notHere() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("etcd_username", "the control plane takes no etcd basic auth");
        m.put("etcd_password", "the control plane takes no etcd basic auth");
        m.put("etcd_key_prefix", "the control plane keeps its own keyspace");
        m.put("etcd_request_timeout", "the agent's request timeouts are fixed");
        String node = "a control-plane setting: give it to bin/fleet-node";
        for (String k : List.of("engine_reconcile_interval", "disable_engine", "token_limit", "disable_watches", "enable_grpc")) {
            m.put(k, node);
        }
        m.put("verify_units", "deprecated in fleet");
        m.put("authorized_keys_file", "deprecated in fleet");
        return Map.copyOf(m);
    }

    private static final Pattern IPV4 = Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");

    private ConfigSources() {
    }

    /** Parses fleet.conf: {@code key=value} lines, {@code #}/{@code ;} comments, optional double or single quotes, an optional {@code [section]} ignored. */
    public static Map<String, String> parseFile(String text) {
        try {
            return FleetConf.parse(text);
        } catch (FleetConf.Invalid e) {
            throw new ConfigException(e.getMessage());
        }
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
        if ((endpoint == null || endpoint.isBlank()) && m.get("etcd_servers") != null) {
            endpoint = serverList(m.get("etcd_servers"));
        }
        if (endpoint == null || endpoint.isBlank()) {
            throw new ConfigException("no control plane: give --endpoint=URL[,URL...] (or FLEET_ENDPOINT, or endpoint= or etcd_servers= in the config file)");
        }
        String ip = ipLiteral(m.getOrDefault("public_ip", "").strip());
        Duration ttl = m.containsKey("agent_ttl") ? duration("agent_ttl", m.get("agent_ttl")) : AgentConfig.DEFAULT_TTL;
        if (ttl.compareTo(Duration.ofSeconds(1)) < 0 || ttl.compareTo(Duration.ofHours(1)) > 0) {
            throw new ConfigException("agent_ttl " + m.get("agent_ttl") + " is outside 1s..1h");
        }
        boolean user = bool("systemd_user", m.getOrDefault("systemd_user", "false"));
        String defaultDir = AgentConfig.DEFAULT_UNITS_DIRECTORY.toString();
        if (user && !m.containsKey("units_directory")) {
            String runtime = m.get("xdg_runtime_dir");
            if (runtime == null || runtime.isBlank()) {
                throw new ConfigException("systemd_user needs XDG_RUNTIME_DIR (the user's runtime directory) or units_directory");
            }
            defaultDir = Path.of(runtime, "fleet", "units").toString();
        }
        Path dir = Path.of(m.getOrDefault("units_directory", defaultDir));
        if (!dir.isAbsolute()) {
            throw new ConfigException("units_directory '" + dir + "' must be an absolute path");
        }
        int port = integer("agent_port", m.getOrDefault("agent_port", Integer.toString(AgentConfig.DEFAULT_AGENT_PORT)), 0, 65535);
        int verbosity = integer("verbosity", m.getOrDefault("verbosity", "0"), 0, 10);
        return new AgentConfig(endpoints(endpoint), metadata(m.getOrDefault("metadata", "")), ip, ttl,
                dir.normalize(), port, verbosity, user, tlsFiles(m));
    }

    /**
     * What the agent will not act on among fleet's keys in {@code file}, one line each: fleet users bring their
     * fleet.conf, and a key silently ignored is a surprise.
     */
    public static List<String> notes(Map<String, String> file) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, String> e : file.entrySet()) {
            String why = NOT_HERE.get(e.getKey());
            if (why != null && !e.getValue().isBlank()) {
                out.add(e.getKey() + " is ignored: " + why);
            }
        }
        if (file.containsKey("etcd_servers") && file.containsKey("endpoint")) {
            out.add("etcd_servers is ignored: endpoint is given");
        }
        return out;
    }

    /** fleet's etcd_cafile, etcd_certfile, etcd_keyfile: absolute paths; a certificate and its key come together. */
    static AgentConfig.TlsFiles tlsFiles(Map<String, String> m) {
        Path ca = file(m, "etcd_cafile");
        Path cert = file(m, "etcd_certfile");
        Path key = file(m, "etcd_keyfile");
        if ((cert == null) != (key == null)) {
            throw new ConfigException("etcd_certfile and etcd_keyfile come together (this machine's certificate and its key)");
        }
        return ca == null && cert == null ? null : new AgentConfig.TlsFiles(ca, cert, key);
    }

    private static Path file(Map<String, String> m, String key) {
        String v = m.getOrDefault(key, "").strip();
        if (v.isEmpty()) {
            return null;
        }
        Path p = Path.of(v);
        if (!p.isAbsolute()) {
            throw new ConfigException(key + " '" + v + "' must be an absolute path");
        }
        return p;
    }

    /** fleet's etcd_servers: a comma list or a Go/JSON-style list {@code ["http://a:4001","http://b:4001"]}. */
    static String serverList(String spec) {
        String s = spec.strip();
        if (s.startsWith("[") && s.endsWith("]")) {
            s = s.substring(1, s.length() - 1);
        }
        List<String> out = new ArrayList<>();
        for (String part : s.split(",")) {
            String p = FleetConf.unquote(part.strip());
            if (!p.isEmpty()) {
                out.add(p);
            }
        }
        return String.join(",", out);
    }

    /** An IPv4 or IPv6 literal (brackets allowed around IPv6, and dropped), never a host name; "" stays "". */
    static String ipLiteral(String ip) {
        if (ip.isEmpty() || IPV4.matcher(ip).matches()) {
            return ip;
        }
        String v6 = ip.startsWith("[") && ip.endsWith("]") ? ip.substring(1, ip.length() - 1) : ip;
        if (v6.contains(":") && v6.matches("[0-9A-Fa-f:.]+")) {
            try {
                // a literal of these characters is parsed, never looked up
                return java.net.InetAddress.getByName(v6) instanceof java.net.Inet6Address ? v6 : fail(ip);
            } catch (java.net.UnknownHostException e) {
                return fail(ip);
            }
        }
        return fail(ip);
    }

    private static String fail(String ip) {
        throw new ConfigException("public_ip '" + ip + "' is not an IPv4 or IPv6 address");
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
        String s = FleetConf.unquote(spec.strip());
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
        try {
            return FleetConf.duration(key, value);
        } catch (FleetConf.Invalid e) {
            throw new ConfigException(e.getMessage());
        }
    }

    /** fleet's booleans (Go's: true, false, 1, 0, t, f, ...). */
    static boolean bool(String key, String value) {
        try {
            return FleetConf.bool(key, value);
        } catch (FleetConf.Invalid e) {
            throw new ConfigException(e.getMessage());
        }
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


    /** A configuration value or file is wrong; the message says which and why. */
    public static final class ConfigException extends RuntimeException {
        public ConfigException(String message) {
            super(message);
        }
    }
}
