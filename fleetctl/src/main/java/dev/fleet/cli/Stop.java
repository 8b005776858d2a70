package dev.fleet.cli;

import dev.fleet.schema.Unit;

/** stop: desired state loaded for launched units (global ones always); an inactive unit is an error. */
final class Stop extends StoppingCommand {
    Stop() {
        super("Instruct systemd to stop one or more units in the cluster", "loaded", "stop", "stopped");
    }

    @Override
    boolean actsOn(Unit u) {
        if (Tables.isGlobal(u)) {
            return true;
        }
        String cs = Tables.or(u.currentState(), "inactive");
        if (cs.equals("inactive")) {
            throw new Fleetctl.Fail(Fleetctl.EXIT_FAILURE, "Unable to stop unit " + u.name() + " in state inactive");
        }
        return !cs.equals("loaded");
    }
}
