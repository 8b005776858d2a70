package dev.fleet.schema;

import dev.fleet.unit.UnitOption;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A machine's schedule as its agent reads it ({@code GET /fleet/agent/v1/machines/ID/schedule}): its own units and
 * the global units, its merged metadata, and the store index to long-poll from.
 */
public record Schedule(String machineID, long index, Map<String, String> metadata, List<Entry> units) {
    public Schedule {
        metadata = metadata == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(metadata));
        units = List.copyOf(units);
    }

    /**
     * One schedule entry: a unit with its hash, desired state ({@code loaded}/{@code launched}), file, and launch
     * number (how many times its desired state has become launched; an agent running it under an earlier number
     * restarts it; 0 = none given).
     */
    public record Entry(String name, String hash, String desiredState, boolean global, List<UnitOption> options,
                        long launch) {
        public Entry {
            options = options == null ? List.of() : List.copyOf(options);
        }

        public Entry(String name, String hash, String desiredState, boolean global, List<UnitOption> options) {
            this(name, hash, desiredState, global, options, 0);
        }
    }
}
