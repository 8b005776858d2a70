package dev.fleet.cli;

import java.util.Set;

/** load: schedule units (desired state loaded), submitting them first if need be. */
final class Load extends ActivatingCommand {
    Load() {
        super("Schedule one or more units in the cluster, first submitting them if necessary",
                Set.of("inactive", "loaded"), "loaded", "load");
    }
}
