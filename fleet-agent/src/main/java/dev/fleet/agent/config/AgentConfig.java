package dev.fleet.agent.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The agent's configuration, merged from fleet's sources (defaults, then {@code fleet.conf}, then
 * {@code FLEET_*} environment variables, then the command line; later wins). See {@link ConfigSources}.
 *
 * @param endpoints      control-plane node URLs, tried in turn
 * @param metadata       static machine metadata
 * @param publicIp       the address published for this machine and where the local API listens ("" = none: local API on 127.0.0.1)
 * @param ttl            presence TTL ({@code agent_ttl})
 * @param unitsDirectory where unit files are written ({@code /run/fleet/units})
 * @param agentPort      the local API port (status and journal for the control plane); 0 = no local API
 * @param verbosity      > 0 logs every task and report
 * @param systemdUser    drive the user's {@code systemd --user} (its session bus) instead of the system instance
 *                       ({@code systemd_user})
 * @param tls            TLS to https endpoints from fleet's {@code etcd_cafile}, {@code etcd_certfile},
 *                       {@code etcd_keyfile} (PEM), or null
 */
public record AgentConfig(List<URI> endpoints, Map<String, String> metadata, String publicIp, Duration ttl,
                          Path unitsDirectory, int agentPort, int verbosity, boolean systemdUser, TlsFiles tls) {

    /** The PEM files for TLS to the control plane: its CA, and this machine's certificate and PKCS#8 key (or none). */
    public record TlsFiles(Path caFile, Path certFile, Path keyFile) {
    }

    public static final Duration DEFAULT_TTL = Duration.ofSeconds(30);
    public static final Path DEFAULT_UNITS_DIRECTORY = Path.of("/run/fleet/units");
    public static final int DEFAULT_AGENT_PORT = 4002;

    public AgentConfig {
        endpoints = List.copyOf(endpoints);
        metadata = Map.copyOf(metadata);
        Objects.requireNonNull(publicIp, "publicIp");
        Objects.requireNonNull(ttl, "ttl");
        Objects.requireNonNull(unitsDirectory, "unitsDirectory");
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("no endpoint given");
        }
    }

    public AgentConfig(List<URI> endpoints, Map<String, String> metadata, String publicIp, Duration ttl,
                       Path unitsDirectory, int agentPort, int verbosity) {
        this(endpoints, metadata, publicIp, ttl, unitsDirectory, agentPort, verbosity, false, null);
    }

    /** The same configuration with another public IP (one detected when none was given). */
    public AgentConfig withPublicIp(String ip) {
        return new AgentConfig(endpoints, metadata, ip, ttl, unitsDirectory, agentPort, verbosity, systemdUser, tls);
    }

    /** How often presence is refreshed: TTL/3, so two refreshes may fail before the TTL runs out. */
    public Duration heartbeatInterval() {
        return ttl.dividedBy(3);
    }

    /** How often every state is re-published (fleet: TTL×4/5 if TTL > 10 s, else TTL/2). */
    public Duration republishInterval() {
        return ttl.compareTo(Duration.ofSeconds(10)) > 0 ? ttl.multipliedBy(4).dividedBy(5) : ttl.dividedBy(2);
    }
}
