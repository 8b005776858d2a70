package dev.fleet.engine;

import dev.fleet.unit.DesiredState;
import dev.fleet.unit.Requirements;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the engine decides over: live machines, every unit, and the absent machines whose units stay put for now,
 * immutable. Built by the engine shell from the registry; the pure {@link Placement} never touches the store.
 *
 * @param awaited absent machines a unit scheduled there keeps its place on (unless it is inactive): a new leader's
 *                grace for machines it has not seen alive yet (see {@link Engine#UNSEEN_MACHINE_GRACE}). Empty
 *                otherwise: a unit on an absent machine is unscheduled.
 */
public record ClusterSnapshot(List<Machine> machines, List<Unit> units, Set<String> awaited) {
    public ClusterSnapshot {
        machines = List.copyOf(machines);
        units = List.copyOf(units);
        awaited = Set.copyOf(awaited);
    }

    /** A snapshot that awaits no absent machine. */
    public ClusterSnapshot(List<Machine> machines, List<Unit> units) {
        this(machines, units, Set.of());
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
