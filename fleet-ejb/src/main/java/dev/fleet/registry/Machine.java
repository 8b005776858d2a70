package dev.fleet.registry;

import java.util.Map;

/** A live machine as users see it: ID, public IP, metadata (static merged with dynamic), agent version. */
public record Machine(String id, String publicIP, Map<String, String> metadata, String version) {
    public Machine {
        metadata = Map.copyOf(metadata);
    }
}
