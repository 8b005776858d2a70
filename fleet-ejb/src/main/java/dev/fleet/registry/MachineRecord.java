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
 * agent's session (so that a second agent with the same machine ID is refused) and its TTL in seconds.
 */
public record MachineRecord(String id, String publicIP, Map<String, String> metadata, String version, String session,
                            long ttlSeconds) {
    public MachineRecord {
        metadata = Map.copyOf(metadata);
    }

    String encode() {
        JsonObjectBuilder md = JSON.createObjectBuilder();
        new TreeMap<>(metadata).forEach(md::add);
        return JSON.createObjectBuilder().add("id", id).add("publicIP", publicIP == null ? "" : publicIP)
                .add("metadata", md).add("version", version == null ? "" : version).add("session", session)
                .add("ttl", ttlSeconds).build().toString();
    }

    static MachineRecord decode(String value) {
        JsonObject o = JSON.createReader(new StringReader(value)).readObject();
        Map<String, String> md = new TreeMap<>();
        o.getJsonObject("metadata").forEach((k, v) -> md.put(k, ((JsonString) v).getString()));
        return new MachineRecord(o.getString("id"), o.getString("publicIP", ""), md, o.getString("version", ""),
                o.getString("session", ""), o.getJsonNumber("ttl").longValue());
    }
}
