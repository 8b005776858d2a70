package dev.fleet.registry;

import dev.fleet.unit.DesiredState;

/**
 * A unit as the registry holds it: name -> content hash, desired state, target machine (null when not
 * scheduled; always null for global units). {@code index} is the store's modifiedIndex, for compare-and-swap.
 */
public record UnitRecord(String name, String hash, DesiredState desired, String target, boolean global, long index) {

    String encode() {
        return hash + " " + desired.wire() + " " + (target == null ? "-" : target) + " " + (global ? "G" : "-");
    }

    static UnitRecord decode(String name, String value, long index) {
        String[] f = value.split(" ");
        if (f.length != 4) {
            throw new IllegalStateException("corrupt unit record " + name + ": " + value);
        }
        return new UnitRecord(name, f[0], DesiredState.fromWire(f[1]).orElseThrow(), "-".equals(f[2]) ? null : f[2],
                "G".equals(f[3]), index);
    }

    UnitRecord withTarget(String machine) {
        return new UnitRecord(name, hash, desired, machine, global, index);
    }

    UnitRecord withDesired(DesiredState d) {
        return new UnitRecord(name, hash, d, target, global, index);
    }

    /** The schedule entry an agent reads: "HASH DESIRED". */
    String scheduleEntry() {
        return hash + " " + desired.wire();
    }
}
