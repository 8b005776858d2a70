package dev.fleet.model;

import java.util.List;

/**
 * journalctl's {@code --output} modes, the only values a journal request's {@code output} may carry (fleetctl's
 * {@code journal --output}, fleet passed it to journalctl): the control plane and the agent both check against this
 * list, so that nothing else reaches journalctl's command line.
 */
public final class JournalOutputs {
    private JournalOutputs() {
    }

    /** In journalctl's order (journalctl(1), systemd 252). */
    public static final List<String> MODES = List.of("short", "short-full", "short-iso", "short-iso-precise", "short-precise",
            "short-monotonic", "short-delta", "short-unix", "verbose", "export", "json", "json-pretty", "json-sse", "json-seq",
            "cat", "with-unit");

    public static boolean isValid(String mode) {
        return mode != null && MODES.contains(mode);
    }

    /** The error message for a mode that is not one of {@link #MODES}. */
    public static String invalid(String mode) {
        return "output must be one of journalctl's modes (" + String.join(", ", MODES) + "), not \"" + mode + "\"";
    }
}
