package dev.fleet.cli;

import java.util.ArrayList;
import java.util.List;

/** destroy: remove units from the registry and (fixed, §1.8) wait until they are gone. */
final class Destroy extends UnitCommand {
    private final BlockOptions block;

    Destroy() {
        super("Destroy one or more units in the cluster");
        block = new BlockOptions(this, "", "do not wait");
    }

    @Override
    public Integer call() {
        if (noUnitsGiven()) {
            return Fleetctl.EXIT_OK;
        }
        List<String> destroyed = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        for (String a : args) {
            String name = mangle(a);
            if (seen.contains(name)) {
                continue;
            }
            seen.add(name);
            if (destroy(name)) {
                destroyed.add(name);
                root.out.println("Destroyed " + name);
            }
        }
        if (destroyed.isEmpty()) {
            root.err.println("Units not found in registry");
            return Fleetctl.EXIT_OK;
        }
        int attempts = block.block();
        if (attempts < 0) {
            return Fleetctl.EXIT_OK;
        }
        if (Waiter.until(attempts, () -> allGone(destroyed))) {
            return Fleetctl.EXIT_OK;
        }
        root.err.println("Error waiting for units to be destroyed: " + goList(destroyed));
        return Fleetctl.EXIT_FAILURE;
    }

    /** Drops the units the registry no longer has; true when none is left. */
    private boolean allGone(List<String> names) {
        names.removeIf(n -> unit(n).isEmpty());
        return names.isEmpty();
    }
}
