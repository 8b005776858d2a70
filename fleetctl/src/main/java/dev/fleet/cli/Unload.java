package dev.fleet.cli;

import jakarta.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/** unload: desired state inactive, for every unit not inactive already. */
final class Unload extends StoppingCommand {
    Unload() {
        super("Unschedule one or more units in the cluster");
    }

    @Override
    public Integer call() {
        List<JsonObject> units = unitsToActOn();
        if (units == null) {
            return Fleetctl.EXIT_OK;
        }
        List<JsonObject> unloading = new ArrayList<>();
        for (JsonObject u : units) {
            if (!Tables.isGlobal(u) && u.getString("currentState", "inactive").equals("inactive")
                    && u.getString("desiredState", "").equals("inactive")) {
                continue;
            }
            unloading.add(u);
        }
        return setAndWait(unloading, "inactive", "unload", "unloaded");
    }
}
