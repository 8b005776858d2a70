package dev.fleet.registry;

import dev.fleet.unit.DesiredState;

/**
 * A unit as the registry holds it: name -> content hash, desired state, target machine (null when not
 * scheduled; always null for global units), and its launch number. {@code index} is the store's modifiedIndex, for
 * compare-and-swap.
 *
 * <p>{@code launch} counts the times the desired state has become {@code launched} (0: never). A new launch is a new
 * run: an agent that runs the unit under an earlier launch number restarts it, even if it never saw the desired state
 * between the two (fleet's own {@code fleetctl restart} sets loaded and then launched at once), and the unit's
 * {@code currentState} is {@code launched} only once the agent reports it started under the current launch.
 */
public record UnitRecord(String name, String hash, DesiredState desired, String target, boolean global, long launch,
                         long index) {

    /** A new record: launch 1 if it starts out launched. */
    static UnitRecord created(String name, String hash, DesiredState desired, String target, boolean global) {
        return new UnitRecord(name, hash, desired, target, global, desired == DesiredState.LAUNCHED ? 1 : 0, 0);
    }

    String encode() {
        return hash + " " + desired.wire() + " " + (target == null ? "-" : target) + " " + (global ? "G" : "-")
                + " " + launch;
    }

    /** Also reads records written before launch numbers (four fields: launch 0). */
    static UnitRecord decode(String name, String value, long index) {
        String[] f = value.split(" ");
        if (f.length != 4 && f.length != 5) {
            throw new IllegalStateException("corrupt unit record " + name + ": " + value);
        }
        return new UnitRecord(name, f[0], DesiredState.fromWire(f[1]).orElseThrow(), "-".equals(f[2]) ? null : f[2],
                "G".equals(f[3]), f.length == 5 ? Long.parseLong(f[4]) : 0, index);
    }

    UnitRecord withTarget(String machine) {
        return new UnitRecord(name, hash, desired, machine, global, launch, index);
    }

    /** The desired state changed to {@code d}: becoming launched from anything else is the next launch. */
    UnitRecord withDesired(DesiredState d) {
        return new UnitRecord(name, hash, d, target, global, launchAfter(d), index);
    }

    /** This unit's contents replaced ({@code hash}), desired {@code d}, same launch numbering. */
    UnitRecord replaced(String newHash, DesiredState d, String newTarget, boolean newGlobal) {
        return new UnitRecord(name, newHash, d, newTarget, newGlobal, launchAfter(d), 0);
    }

    private long launchAfter(DesiredState d) {
        return d == DesiredState.LAUNCHED && desired != DesiredState.LAUNCHED ? launch + 1 : launch;
    }

    /** The schedule entry an agent reads: "HASH DESIRED LAUNCH". */
    String scheduleEntry() {
        return hash + " " + desired.wire() + " " + launch;
    }
}
