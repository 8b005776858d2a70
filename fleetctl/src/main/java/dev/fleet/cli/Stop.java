package dev.fleet.cli;

import jakarta.json.JsonObject;

/** stop: desired state loaded for launched units (global ones always); an inactive unit is an error. */
final class Stop extends StoppingCommand {
    Stop() {
        super("Instruct systemd to stop one or more units in the cluster", "loaded", "stop", "stopped");
    }

    @Override
    boolean actsOn(JsonObject u) {
        if (Tables.isGlobal(u)) {
            return true;
        }
        String cs = u.getString("currentState", "inactive");
        if (cs.equals("inactive")) {
            throw new Fleetctl.Fail(Fleetctl.EXIT_FAILURE, "Unable to stop unit " + u.getString("name") + " in state inactive");
        }
        return !cs.equals("loaded");
    }
}
