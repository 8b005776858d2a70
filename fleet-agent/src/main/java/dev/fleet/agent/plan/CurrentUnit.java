package dev.fleet.agent.plan;

import dev.fleet.unit.DesiredState;

import java.util.Objects;
import java.util.Set;

/**
 * A unit file present in this machine's units directory.
 *
 * @param name        the unit name
 * @param hash        the hash of the file (remembered when loaded, re-hashed from disk at start-up)
 * @param state       the agent's cached state: {@link DesiredState#LOADED} or
 *                    {@link DesiredState#LAUNCHED} when this agent process loaded/started it;
 *                    {@link DesiredState#INACTIVE} for a file found on disk after an agent restart
 *                    (no cached state)
 * @param activeState systemd's {@code ActiveState} of the unit ({@code active}, {@code inactive},
 *                    {@code failed}, {@code activating}, ...), or {@code null} when systemd does not
 *                    know the unit (LoadState {@code not-found}: the file is not linked) or was not
 *                    asked. Only consulted for {@link DesiredState#INACTIVE} (see {@link ReconcilePlan}).
 * @param launch      the unit's launch number this agent started it under ({@link DesiredUnit#launch()}; 0 = not
 *                    known: never restarted for a newer one)
 */
public record CurrentUnit(String name, String hash, DesiredState state, String activeState, long launch) {

    /** ActiveStates in which the unit is (or is becoming) up: starting it again would be wrong or useless. */
    private static final Set<String> RUNNING = Set.of("active", "activating", "reloading");

    public CurrentUnit {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(hash, "hash");
        Objects.requireNonNull(state, "state");
    }

    public CurrentUnit(String name, String hash, DesiredState state, String activeState) {
        this(name, hash, state, activeState, 0);
    }

    /** A unit this agent process loaded or started itself ({@code state} LOADED or LAUNCHED); systemd state not consulted. */
    public static CurrentUnit cached(String name, String hash, DesiredState state) {
        return new CurrentUnit(name, hash, state, null, 0);
    }

    /** As {@link #cached(String, String, DesiredState)}, started (or found running) under launch number {@code launch}. */
    public static CurrentUnit cached(String name, String hash, DesiredState state, long launch) {
        return new CurrentUnit(name, hash, state, null, launch);
    }

    /**
     * A file found on disk after an agent restart (no cached state), with systemd's ActiveState
     * ({@code null}: systemd does not know the unit, so it is not linked).
     */
    public static CurrentUnit onDisk(String name, String hash, String activeState) {
        return new CurrentUnit(name, hash, DesiredState.INACTIVE, activeState);
    }

    /** True if systemd knows the unit, i.e. its file is linked (meaningful only with an ActiveState). */
    public boolean knownToSystemd() {
        return activeState != null;
    }

    /** True if systemd says the unit is active, activating or reloading. */
    public boolean running() {
        return activeState != null && RUNNING.contains(activeState);
    }
}
