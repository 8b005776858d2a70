package dev.fleet.cli;

import dev.fleet.schema.Unit;

/** unload: desired state inactive, for every unit not inactive already. */
final class Unload extends StoppingCommand {
    Unload() {
        super("Unschedule one or more units in the cluster", "inactive", "unload", "unloaded");
    }

    @Override
    boolean actsOn(Unit u) {
        return Tables.isGlobal(u) || !Tables.or(u.currentState(), "inactive").equals("inactive")
                || !"inactive".equals(u.desiredState());
    }
}
