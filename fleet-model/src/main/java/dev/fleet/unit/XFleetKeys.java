package dev.fleet.unit;

import java.util.Set;

/** The option names of {@code [X-Fleet]}, with the deprecated aliases fleet still honours. */
final class XFleetKeys {
    static final String SECTION = "X-Fleet";

    static final String MACHINE_ID = "MachineID";
    static final String X_MACHINE_ID = "X-ConditionMachineID";
    /** Legacy; fleet treats it as MachineID rather than silently ignoring a placement wish. */
    static final String X_MACHINE_BOOT_ID = "X-ConditionMachineBootID";
    static final String MACHINE_OF = "MachineOf";
    static final String X_MACHINE_OF = "X-ConditionMachineOf";
    static final String METADATA = "MachineMetadata";
    static final String X_METADATA = "X-ConditionMachineMetadata";
    static final String CONFLICTS = "Conflicts";
    static final String X_CONFLICTS = "X-Conflicts";
    static final String GLOBAL = "Global";
    static final String REPLACES = "Replaces";

    static final Set<String> KNOWN = Set.of(MACHINE_ID, X_MACHINE_ID, X_MACHINE_BOOT_ID, MACHINE_OF, X_MACHINE_OF,
            METADATA, X_METADATA, CONFLICTS, X_CONFLICTS, GLOBAL, REPLACES);

    private XFleetKeys() { }
}
