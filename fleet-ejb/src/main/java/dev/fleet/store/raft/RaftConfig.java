package dev.fleet.store.raft;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Everything one RAFT member needs to start. {@code members} maps every member's name (its RAFT id)
 * to its RAFT address, in a stable order; it must contain this member.
 */
public record RaftConfig(String name, String bindAddress, int raftPort, Map<String, InetSocketAddress> members,
                         Path dataDir, long maxLogSize, int historyCapacity, long joinTimeoutMillis, RaftTls tls) {

    public static final String STACK_RESOURCE = "fleet/raft-tcp.xml";
    /**
     * Log bytes (JGroups-RAFT's max_log_size counts bytes, not entries) before a snapshot compacts it. Each snapshot
     * writes the whole store and rewrites the log's tail, both fsync'd: at the former 10,000 bytes that was every ≈ 65
     * small writes, 37 % of a node's CPU outside requests in `fleet-bench store` (docs/performance.md). 16 MiB is
     * ≈ 100,000 small writes, as etcd's default snapshot count, and bounds a restart's replay and the log's memory.
     */
    public static final long DEFAULT_MAX_LOG_SIZE = 16L * 1024 * 1024;
    /**
     * How often the leader sends AppendEntries (heartbeat, commit index, missing entries) to each follower.
     * Followers learn of a commit with the next one, so this bounds how stale a follower's reads and
     * watches are. JGroups-RAFT's send_commits_immediately would remove that delay, but 1.1.4 then floods a
     * lagging follower with empty commit messages and never resends it the entries it misses (a restarted
     * member never catches up); so it is off, RaftStore pushes each new commit index itself, and this
     * interval is short as the bound for what that push misses.
     */
    public static final long RESEND_INTERVAL_MILLIS = 50;

    public RaftConfig {
        if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,62}")) {
            throw new IllegalArgumentException("invalid member name '" + name + "': use letters, digits, '.', '_' and '-' (at most 63)");
        }
        members = new LinkedHashMap<>(members);
        if (!members.containsKey(name)) {
            throw new IllegalArgumentException("the member list " + members.keySet() + " does not contain this member '" + name + "'");
        }
        members = Map.copyOf(members).entrySet().stream().sorted(Map.Entry.comparingByKey())
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, LinkedHashMap::new));
    }

    /** A member without TLS on its RAFT channel. */
    public RaftConfig(String name, String bindAddress, int raftPort, Map<String, InetSocketAddress> members,
                      Path dataDir, long maxLogSize, int historyCapacity, long joinTimeoutMillis) {
        this(name, bindAddress, raftPort, members, dataDir, maxLogSize, historyCapacity, joinTimeoutMillis, null);
    }

    /** Directory of the RAFT log and snapshots (durable, never the temp dir). */
    public Path logDir() {
        return dataDir.resolve("raft");
    }

    /** The JGroups stack XML with every placeholder filled in. */
    public InputStream stackXml() throws IOException {
        String template;
        try (InputStream in = RaftConfig.class.getClassLoader().getResourceAsStream(STACK_RESOURCE)) {
            if (in == null) {
                throw new IOException("JGroups stack " + STACK_RESOURCE + " is not on the class path (fleet-config jar missing?)");
            }
            template = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Map<String, String> values = Map.of(
                "bind_addr", bindAddress,
                "bind_port", Integer.toString(raftPort),
                "initial_hosts", initialHosts(members),
                "members", String.join(",", members.keySet()),
                "raft_id", name,
                "log_dir", logDir().toAbsolutePath().toString(),
                "max_log_size", Long.toString(maxLogSize),
                "join_timeout", Long.toString(joinTimeoutMillis),
                "resend_interval", Long.toString(RESEND_INTERVAL_MILLIS));
        Matcher m = Pattern.compile("\\$\\{([a-z_]+)}").matcher(template);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String v = values.get(m.group(1));
            if (v == null) {
                throw new IllegalStateException("unknown placeholder ${" + m.group(1) + "} in " + STACK_RESOURCE);
            }
            m.appendReplacement(out, Matcher.quoteReplacement(xmlEscape(v)));
        }
        m.appendTail(out);
        String xml = out.toString();
        if (tls != null) {
            xml = withTls(xml, tls);
        }
        return new java.io.ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The stack with mutual TLS on {@code <TCP>} and without {@code FD_SOCK2}, whose own plain socket (TCP port + 100)
     * transport TLS does not cover; {@code FD_ALL3}'s heartbeats travel over the TLS transport and detect failures.
     */
    static String withTls(String xml, RaftTls tls) {
        if (!xml.contains("<TCP ")) {
            throw new IllegalStateException(STACK_RESOURCE + " has no <TCP> transport to put TLS on");
        }
        return xml.replaceFirst("<TCP ", Matcher.quoteReplacement("<TCP" + tls.tcpAttributes() + " "))
                .replaceAll("(?m)^\\s*<FD_SOCK2[^>]*/>\\s*\\n", "");
    }

    static String initialHosts(Map<String, InetSocketAddress> members) {
        return members.values().stream().map(a -> a.getHostString() + "[" + a.getPort() + "]").collect(Collectors.joining(","));
    }

    private static String xmlEscape(String s) {
        return s.replace("&", "&amp;").replace("\"", "&quot;").replace("<", "&lt;");
    }

    /** Parses {@code NAME=HOST:PORT,...}. */
    public static Map<String, InetSocketAddress> parseMembers(String spec) {
        Map<String, InetSocketAddress> out = new LinkedHashMap<>();
        for (String part : spec.split(",")) {
            String p = part.trim();
            if (p.isEmpty()) {
                continue;
            }
            int eq = p.indexOf('=');
            int colon = p.lastIndexOf(':');
            if (eq <= 0 || colon < eq + 2 || colon == p.length() - 1) {
                throw new IllegalArgumentException("member '" + p + "' is not NAME=HOST:PORT");
            }
            int port;
            try {
                port = Integer.parseInt(p.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("member '" + p + "' has a non-numeric port");
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("member '" + p + "' has port " + port + " outside 1..65535");
            }
            String name = p.substring(0, eq);
            if (out.put(name, InetSocketAddress.createUnresolved(p.substring(eq + 1, colon), port)) != null) {
                throw new IllegalArgumentException("member name '" + name + "' is listed twice");
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("the member list is empty");
        }
        return out;
    }

    public static String formatMembers(Map<String, InetSocketAddress> members) {
        return members.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue().getHostString() + ":" + e.getValue().getPort())
                .collect(Collectors.joining(","));
    }
}
