package dev.fleet.schema;

import java.util.Map;
import java.util.TreeMap;

/**
 * A machine's presence, as its agent registers it ({@code PUT /fleet/agent/v1/machines/ID}; a heartbeat is the
 * same registration again) and as the registry stores it: ID, public IP ("" = none), static metadata, agent
 * version, the agent's session (a second agent with the same machine ID is refused), its TTL in seconds, and the TCP
 * port its agent serves unit status and journals on ({@code agentPort}, 0 = none).
 */
public record Presence(String id, String publicIP, Map<String, String> metadata, String version, String session,
                       long ttlSeconds, int agentPort) {
    public Presence {
        publicIP = publicIP == null ? "" : publicIP;
        version = version == null ? "" : version;
        metadata = metadata == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(metadata));
        if (agentPort < 0 || agentPort > 65535) {
            throw new IllegalArgumentException("agentPort must be 0 (none) or 1..65535: " + agentPort);
        }
    }

    /** A presence without an agent port (an agent that serves no status or journal). */
    public Presence(String id, String publicIP, Map<String, String> metadata, String version, String session,
                    long ttlSeconds) {
        this(id, publicIP, metadata, version, session, ttlSeconds, 0);
    }
}
