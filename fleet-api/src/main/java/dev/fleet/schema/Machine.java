package dev.fleet.schema;

import java.util.Map;
import java.util.TreeMap;

/** A live machine of API v1: ID, primary (public) IP ("" = none) and metadata (static merged with dynamic). */
public record Machine(String id, String primaryIP, Map<String, String> metadata) {
    public Machine {
        primaryIP = primaryIP == null ? "" : primaryIP;
        metadata = metadata == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(metadata));
    }
}
