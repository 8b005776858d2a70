package dev.fleet.cli;

import java.util.Set;

/** submit: upload units without scheduling them. */
final class Submit extends CreatingCommand {
    Submit() {
        super("Upload one or more units to the cluster without starting them", Set.of("inactive"));
    }

    @Override
    public Integer call() {
        Integer refused = refused();
        if (refused != null) {
            return refused;
        }
        lazyCreate();
        return Fleetctl.EXIT_OK;
    }
}
