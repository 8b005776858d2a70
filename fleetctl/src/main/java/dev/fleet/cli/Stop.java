package dev.fleet.cli;

import jakarta.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/** stop: desired state loaded for launched units (global ones always). */
final class Stop extends StoppingCommand {
    Stop() {
        super("Instruct systemd to stop one or more units in the cluster");
    }

    @Override
    public Integer call() {
        List<JsonObject> units = unitsToActOn();
        if (units == null) {
            return Fleetctl.EXIT_OK;
        }
        List<JsonObject> stopping = new ArrayList<>();
        for (JsonObject u : units) {
            String name = u.getString("name");
            if (!Tables.isGlobal(u)) {
                String cs = u.getString("currentState", "inactive");
                if (cs.equals("inactive")) {
                    root.err.println("Unable to stop unit " + name + " in state inactive");
                    return Fleetctl.EXIT_FAILURE;
                }
                if (cs.equals("loaded")) {
                    continue;
                }
            }
            stopping.add(u);
        }
        return setAndWait(stopping, "loaded", "stop", "stopped");
    }
}
