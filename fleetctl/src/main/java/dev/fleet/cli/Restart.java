package dev.fleet.cli;

import dev.fleet.schema.Unit;
import dev.fleet.schema.UnitState;

import java.util.List;
import java.util.Set;

/** restart: stop then start each unit, waiting for each step; a global unit on every machine. */
final class Restart extends UnitCommand {
    /** systemd active states in which a unit still runs (or is on its way up or down). */
    private static final Set<String> RUNNING = Set.of("active", "activating", "reloading", "deactivating");

    private final BlockOptions block;
    /** A global unit's states as last read while waiting for it to come up. */
    private List<UnitState> lastStates;

    Restart() {
        super("Instruct systemd to restart one or more units in the cluster");
        block = new BlockOptions(this, " for each step", null);
    }

    @Override
    public Integer call() {
        List<Unit> units = unitsToActOn();
        if (units == null) {
            return Fleetctl.EXIT_OK;
        }
        int attempts = block.block();
        for (Unit u : units) {
            String name = u.name();
            if (Tables.isGlobal(u)) {
                // fleet ran systemctl over SSH here (and, by a bug, did nothing): we stop it everywhere, then start it
                int c = restartGlobal(u, attempts);
                if (c != 0) {
                    return c;
                }
                continue;
            }
            String cs = Tables.or(u.currentState(), "inactive");
            if (cs.equals("inactive")) {
                root.err.println("Unable to restart unit " + name + " in state inactive");
                continue;
            }
            if (cs.equals("launched")) {
                // fixed (§1.8): wait for loaded (the unit stopped) before launching it again
                setDesiredState(name, "loaded");
                int c = waitFor(List.of(name), "loaded", attempts);
                if (c != 0) {
                    return c;
                }
            }
            setDesiredState(name, "launched");
            int c = waitFor(List.of(name), "launched", attempts);
            if (c != 0) {
                return c;
            }
        }
        return Fleetctl.EXIT_OK;
    }

    /**
     * Restarts a global unit on every machine: desired loaded, wait until no machine runs it; desired launched,
     * wait until every machine that reports it is active. Returns the exit code.
     */
    private int restartGlobal(Unit u, int attempts) {
        String name = u.name();
        String desired = Tables.or(u.desiredState(), "inactive");
        if (desired.equals("inactive")) {
            root.err.println("Unable to restart unit " + name + " in state inactive");
            return Fleetctl.EXIT_OK;
        }
        if (desired.equals("launched")) {
            setDesiredState(name, "loaded");
            if (!Waiter.until(attempts, () -> stoppedEverywhere(name))) {
                root.err.println("Error waiting for unit states, exit status: timed out waiting for global unit " + name
                        + " to stop on every machine");
                return Fleetctl.EXIT_FAILURE;
            }
        }
        setDesiredState(name, "launched");
        if (!Waiter.until(attempts, () -> activeEverywhere(name))) {
            root.err.println("Error waiting for unit states, exit status: timed out waiting for global unit " + name
                    + " to become active on every machine");
            return Fleetctl.EXIT_FAILURE;
        }
        for (UnitState s : lastStates) {
            root.out.println("Unit " + name + " launched on " + legend(s.machineId()));
        }
        return Fleetctl.EXIT_OK;
    }

    private boolean stoppedEverywhere(String name) {
        for (UnitState s : states(name)) {
            if (RUNNING.contains(s.activeState())) {
                return false;
            }
        }
        return true;
    }

    /** True when some machine reports the unit and every one that does reports it active. */
    private boolean activeEverywhere(String name) {
        lastStates = states(name);
        for (UnitState s : lastStates) {
            if (!"active".equals(s.activeState())) {
                return false;
            }
        }
        return !lastStates.isEmpty();
    }
}
