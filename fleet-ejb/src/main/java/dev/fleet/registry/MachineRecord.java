package dev.fleet.registry;

import static dev.fleet.json.Jsonp.JSON;

import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonString;

import java.io.StringReader;
import java.util.Map;
import java.util.TreeMap;

/**
 * A machine's presence, as its agent registered it: ID, public IP, static metadata, agent version, the
 * agent's session (so that a second agent with the same machine ID is refused), its TTL in seconds, and the
 * TCP port its agent serves unit status and journals on ({@code agentPort}, 0 = none; the control plane
 * reaches it at {@code http://publicIP:agentPort}).
 */
public record MachineRecord(String id, String publicIP, Map<String, String> metadata, String version, String session,
                            long ttlSeconds, int agentPort) {
    public MachineRecord {
        metadata = Map.copyOf(metadata);
        if (agentPort < 0 || agentPort > 65535) {
            throw new IllegalArgumentException("agentPort must be 0 (none) or 1..65535: " + agentPort);
        }
    }

    /** A presence without an agent port (an agent that serves no status or journal). */
    public MachineRecord(String id, String publicIP, Map<String, String> metadata, String version, String session,
                         long ttlSeconds) {
        this(id, publicIP, metadata, version, session, ttlSeconds, 0);
    }

    String encode() {
        JsonObjectBuilder md = JSON.createObjectBuilder();
        new TreeMap<>(metadata).forEach(md::add);
        JsonObjectBuilder o = JSON.createObjectBuilder().add("id", id).add("publicIP", publicIP == null ? "" : publicIP)
                .add("metadata", md).add("version", version == null ? "" : version).add("session", session)
                .add("ttl", ttlSeconds);
        if (agentPort > 0) { // absent rather than 0: presences of agents without a port encode as before
            o.add("agentPort", agentPort);
        }
        return o.build().toString();
    }

    static MachineRecord decode(String value) {
        JsonObject o = JSON.createReader(new StringReader(value)).readObject();
        Map<String, String> md = new TreeMap<>();
        o.getJsonObject("metadata").forEach((k, v) -> md.put(k, ((JsonString) v).getString()));
        return new MachineRecord(o.getString("id"), o.getString("publicIP", ""), md, o.getString("version", ""),
                o.getString("session", ""), o.getJsonNumber("ttl").longValue(), o.getInt("agentPort", 0));
    }
}
