package dev.fleet.agent.plan;

import dev.fleet.unit.DesiredState;
import dev.fleet.unit.Requirements;
import dev.fleet.unit.UnitFile;

import java.util.Objects;

/**
 * One entry of this machine's schedule as the control plane states it: the machine's own units
 * plus every global unit (the agent itself decides which global units it runs, see
 * {@link DesiredSet}).
 *
 * @param name     the unit name
 * @param hash     the hash of {@code contents} (40 hex); compared with the hash of the file on disk
 * @param state    the desired (target) state
 * @param contents the unit file
 * @param global   true for a global unit ({@code Global=true} in {@code [X-Fleet]})
 * @param launch   the unit's launch number (how many times its desired state has become launched; 0 = none given):
 *                 a unit this agent started under an earlier one is restarted
 */
public record DesiredUnit(String name, String hash, DesiredState state, UnitFile contents, boolean global, long launch) {

    public DesiredUnit {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(contents, "contents");
        if (hash == null) {
            hash = contents.hash();
        }
    }

    public DesiredUnit(String name, String hash, DesiredState state, UnitFile contents, boolean global) {
        this(name, hash, state, contents, global, 0);
    }

    /** A unit whose hash is computed from {@code contents} and whose globality is read from its {@code [X-Fleet]} section. */
    public static DesiredUnit of(String name, DesiredState state, UnitFile contents) {
        return new DesiredUnit(name, contents.hash(), state, contents, Requirements.of(name, contents).global());
    }

    /** True if loading this unit also enables it (it has an {@code [Install]} section, as in fleet). */
    public boolean enable() {
        return contents.hasSection("Install");
    }

    /** The {@code [X-Fleet]} requirements, specifiers expanded for this unit's name. */
    public Requirements requirements() {
        return Requirements.of(name, contents);
    }
}
