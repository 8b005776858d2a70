package dev.fleet.cli;

import jakarta.json.JsonObject;

/** unload: desired state inactive, for every unit not inactive already. */
final class Unload extends StoppingCommand {
    Unload() {
        super("Unschedule one or more units in the cluster", "inactive", "unload", "unloaded");
    }

    @Override
    boolean actsOn(JsonObject u) {
        return Tables.isGlobal(u) || !u.getString("currentState", "inactive").equals("inactive")
                || !u.getString("desiredState", "").equals("inactive");
    }
}
