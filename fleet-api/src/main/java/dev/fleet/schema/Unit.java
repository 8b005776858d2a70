package dev.fleet.schema;

import dev.fleet.unit.UnitOption;

import java.util.List;

/**
 * A unit of API v1: {@code GET /fleet/v1/units[/NAME]} and the body of a {@code PUT}. Every field but {@code name}
 * may be absent (null, or an empty option list) and is then left out on the wire. {@code reason} is ours: why a unit
 * that wants to run has no machine.
 */
public record Unit(String name, List<UnitOption> options, String desiredState, String currentState, String machineID,
                   String reason) {
    public Unit {
        options = options == null ? List.of() : List.copyOf(options);
    }

    /** A PUT body: options (empty = none sent) and a desired state (null = none sent). */
    public static Unit put(String name, List<UnitOption> options, String desiredState) {
        return new Unit(name, options, desiredState, null, null, null);
    }
}
