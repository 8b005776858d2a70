package dev.fleet.agent.plan;

import dev.fleet.unit.UnitFile;

import java.util.Objects;

/**
 * One step of a reconcile pass, with a human-readable {@code reason}. The executor runs a plan's
 * tasks in order and stops at the first failure.
 */
public sealed interface Task {

    /** Kinds in execution order: Unload &lt; Load &lt; ReloadUnitFiles &lt; Stop &lt; Start. */
    enum Kind { UNLOAD, LOAD, RELOAD_UNIT_FILES, STOP, START }

    Kind kind();

    /** The unit acted on, or {@code null} for {@link ReloadUnitFiles}. */
    String unitName();

    String reason();

    /** Stop, disable, reset-failed and delete the unit's file (the last three only if the stop succeeded). */
    record Unload(String name, String reason) implements Task {
        public Unload {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(reason, "reason");
        }
        public Kind kind() { return Kind.UNLOAD; }
        public String unitName() { return name; }
    }

    /** Write the file (0644), link it (runtime), enable it if {@code enable} ({@code [Install]} present). */
    record Load(String name, UnitFile contents, boolean enable, String reason) implements Task {
        public Load {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(contents, "contents");
            Objects.requireNonNull(reason, "reason");
        }
        public Kind kind() { return Kind.LOAD; }
        public String unitName() { return name; }
        public String hash() { return contents.hash(); }
    }

    /** systemd's daemon-reload; at most one per plan, present iff the plan loads or unloads something. */
    record ReloadUnitFiles(String reason) implements Task {
        public ReloadUnitFiles {
            Objects.requireNonNull(reason, "reason");
        }
        public Kind kind() { return Kind.RELOAD_UNIT_FILES; }
        public String unitName() { return null; }
    }

    /** {@code StopUnit(name, "replace")}. */
    record Stop(String name, String reason) implements Task {
        public Stop {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(reason, "reason");
        }
        public Kind kind() { return Kind.STOP; }
        public String unitName() { return name; }
    }

    /** {@code StartUnit(name, "replace")}, for the unit's launch number {@code launch} (0: none given). */
    record Start(String name, String reason, long launch) implements Task {
        public Start {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(reason, "reason");
        }

        public Start(String name, String reason) {
            this(name, reason, 0);
        }
        public Kind kind() { return Kind.START; }
        public String unitName() { return name; }
    }
}
