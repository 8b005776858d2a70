package dev.fleet.unit;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A unit's {@code [X-Fleet]} requirements after specifier expansion (%n %N %p %i), deprecated
 * {@code X-} aliases merged into the modern keys. Immutable.
 *
 * @param machineId     the required machine (first value only), or null
 * @param machineOf     units this one must share a machine with (all of them)
 * @param metadata      key -> allowed values (OR within a key, AND across keys), insertion-ordered
 * @param conflicts     glob patterns of units this one must not share a machine with
 * @param global        runs on every eligible machine, never placed by the engine
 * @param replaces      glob patterns of units this one displaces from its machine
 * @param unknownKeys   keys of [X-Fleet] that fleet does not know (fleetctl warns)
 */
public record Requirements(String machineId, List<String> machineOf, Map<String, Set<String>> metadata,
                           List<String> conflicts, boolean global, List<String> replaces,
                           List<String> unknownKeys) {

    public static final Requirements NONE = new Requirements(null, List.of(), Map.of(), List.of(), false, List.of(), List.of());

    public Requirements {
        machineOf = List.copyOf(machineOf);
        metadata = copyOf(metadata);
        conflicts = List.copyOf(conflicts);
        replaces = List.copyOf(replaces);
        unknownKeys = List.copyOf(unknownKeys);
    }

    private static Map<String, Set<String>> copyOf(Map<String, Set<String>> m) {
        var copy = new java.util.LinkedHashMap<String, Set<String>>();
        m.forEach((k, v) -> copy.put(k, java.util.Collections.unmodifiableSet(new java.util.LinkedHashSet<>(v))));
        return java.util.Collections.unmodifiableMap(copy);
    }

    /** True if one of this unit's Conflicts globs matches {@code unitName}. */
    public boolean conflictsWith(String unitName) {
        return conflicts.stream().anyMatch(p -> Glob.matches(p, unitName));
    }

    /** True if one of this unit's Replaces globs matches {@code unitName}. */
    public boolean replacesUnit(String unitName) {
        return replaces.stream().anyMatch(p -> Glob.matches(p, unitName));
    }

    /** True if a machine with these (merged) metadata satisfies MachineMetadata. */
    public boolean metadataSatisfiedBy(Map<String, String> machineMetadata) {
        for (var e : metadata.entrySet()) {
            String have = machineMetadata.get(e.getKey());
            if (have == null || !e.getValue().contains(have)) {
                return false;
            }
        }
        return true;
    }

    /** True if MachineID matches a machine ID: the full ID, or (as fleet's code) its first 8 characters. */
    public boolean machineIdMatches(String id) {
        if (machineId == null) {
            return true;
        }
        return machineId.equals(id) || (id.length() >= 8 && machineId.equals(id.substring(0, 8)));
    }
}
