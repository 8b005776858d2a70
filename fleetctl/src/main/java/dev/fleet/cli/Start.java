package dev.fleet.cli;

import java.util.Set;

/** start: launch units (desired state launched), submitting and loading them first if need be. */
final class Start extends ActivatingCommand {
    Start() {
        super("Instruct systemd to start one or more units in the cluster, first submitting and loading if necessary",
                Set.of("inactive", "loaded", "launched"), "launched", "start");
    }
}
