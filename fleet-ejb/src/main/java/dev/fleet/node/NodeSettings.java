package dev.fleet.node;

import dev.fleet.store.raft.RaftConfig;
import dev.fleet.store.raft.RaftTls;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;

/**
 * A node's settings, read from {@code fleet.*} system properties (bin/fleet-node sets them from its
 * asadmin-style options). Defaults give the embedded single-member cluster on 127.0.0.1. {@code tuning}: fleet's
 * knobs ({@code engine_reconcile_interval}, {@code disable_engine}, {@code token_limit}, {@code agent_ttl}), see
 * {@link NodeTuning}. {@code raftTls}: mutual TLS on the RAFT channel, from {@code fleet.raft.tls.keystore},
 * {@code fleet.raft.tls.truststore} (PKCS#12) and {@code fleet.raft.tls.passwordFile} (null: plain TCP).
 * {@code httpTls}: the node's HTTPS identity ({@link NodeTls}; null: plain HTTP, which bin/fleet-node allows on
 * loopback only). {@code limits}: the request limits ({@link NodeLimits}, {@code fleet.limits.*}).
 */
public record NodeSettings(String name, String httpHost, int httpPort, String raftHost, int raftPort,
                           Map<String, InetSocketAddress> members, Path dataDir, URI join,
                           long maxLogSize, int historyCapacity, Duration requestTimeout, NodeTuning tuning,
                           RaftTls raftTls, NodeTls httpTls, NodeLimits limits) {

    public static final String DEFAULT_NAME = "node1";
    public static final int DEFAULT_HTTP_PORT = 4001;
    public static final int DEFAULT_RAFT_PORT = 7800;

    public static NodeSettings fromSystemProperties() {
        return from(System.getProperties());
    }

    public static NodeSettings from(Properties p) {
        String name = p.getProperty("fleet.name", DEFAULT_NAME);
        String httpHost = p.getProperty("fleet.http.host", "127.0.0.1");
        int httpPort = intProp(p, "fleet.http.port", DEFAULT_HTTP_PORT);
        String raftHost = p.getProperty("fleet.raft.host", httpHost);
        int raftPort = intProp(p, "fleet.raft.port", DEFAULT_RAFT_PORT);
        String membersSpec = p.getProperty("fleet.members", "");
        Map<String, InetSocketAddress> members = membersSpec.isBlank()
                ? Map.of(name, InetSocketAddress.createUnresolved(raftHost, raftPort))
                : RaftConfig.parseMembers(membersSpec);
        Path dataDir = Path.of(p.getProperty("fleet.data.dir", defaultDataDir(name)));
        String join = p.getProperty("fleet.join", "");
        return new NodeSettings(name, httpHost, httpPort, raftHost, raftPort, members, dataDir,
                join.isBlank() ? null : URI.create(join),
                longProp(p, "fleet.raft.maxLogSize", RaftConfig.DEFAULT_MAX_LOG_SIZE),
                (int) longProp(p, "fleet.store.history", 1000),
                Duration.ofMillis(longProp(p, "fleet.request.timeoutMillis", 5000)),
                NodeTuning.fromSystemProperties(p), raftTls(p), NodeTls.from(p), NodeLimits.fromSystemProperties(p));
    }

    /** All three RAFT TLS properties, or none; the password is read from its file (never a command-line value). */
    static RaftTls raftTls(Properties p) {
        String keystore = p.getProperty("fleet.raft.tls.keystore", "");
        String truststore = p.getProperty("fleet.raft.tls.truststore", "");
        String passwordFile = p.getProperty("fleet.raft.tls.passwordFile", "");
        if (keystore.isBlank() && truststore.isBlank() && passwordFile.isBlank()) {
            return null;
        }
        if (keystore.isBlank() || truststore.isBlank() || passwordFile.isBlank()) {
            throw new IllegalArgumentException("RAFT TLS needs all of fleet.raft.tls.keystore, fleet.raft.tls.truststore and "
                    + "fleet.raft.tls.passwordFile");
        }
        String password;
        try {
            password = java.nio.file.Files.readString(Path.of(passwordFile)).strip();
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("RAFT TLS: cannot read the password file " + passwordFile + ": " + e.getMessage());
        }
        return new RaftTls(Path.of(keystore), Path.of(truststore), password).checked();
    }

    /** The documented default: $XDG_DATA_HOME/fleet/NAME, else ~/.local/share/fleet/NAME. */
    public static String defaultDataDir(String name) {
        String xdg = System.getenv("XDG_DATA_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".local", "share");
        return base.resolve("fleet").resolve(name).toString();
    }

    public String clientUrl() {
        String host = httpHost.contains(":") ? "[" + httpHost + "]" : httpHost;
        return (httpTls == null ? "http://" : "https://") + host + ":" + httpPort;
    }

    public String peerUrl() {
        return "tcp://" + raftHost + ":" + raftPort;
    }

    public RaftConfig raftConfig(Map<String, InetSocketAddress> clusterMembers) {
        return new RaftConfig(name, raftHost, raftPort, clusterMembers, dataDir, maxLogSize, historyCapacity, 1000, raftTls);
    }

    private static int intProp(Properties p, String key, int def) {
        return (int) longProp(p, key, def);
    }

    private static long longProp(Properties p, String key, long def) {
        String v = p.getProperty(key);
        if (v == null || v.isBlank()) {
            return def;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("system property " + key + "='" + v + "' is not a number");
        }
    }
}
