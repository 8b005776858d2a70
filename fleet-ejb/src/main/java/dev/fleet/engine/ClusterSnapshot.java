package dev.fleet.engine;

import dev.fleet.unit.DesiredState;
import dev.fleet.unit.Requirements;

import java.util.List;
import java.util.Map;

/**
 * What the engine decides over: live machines and every unit, immutable. Built by the engine shell from the
 * registry; the pure {@link Placement} never touches the store.
 */
public record ClusterSnapshot(List<Machine> machines, List<Unit> units) {
    public ClusterSnapshot {
        machines = List.copyOf(machines);
        units = List.copyOf(units);
    }

    /** A live machine; {@code metadata} is already merged (static, then dynamic overrides and deletions). */
    public record Machine(String id, Map<String, String> metadata) {
        public Machine {
            metadata = Map.copyOf(metadata);
        }
    }

    /** A unit; {@code target} is the machine it is scheduled to, or null. Global units never have one. */
    public record Unit(String name, Requirements requirements, DesiredState desired, String target) { }
}
