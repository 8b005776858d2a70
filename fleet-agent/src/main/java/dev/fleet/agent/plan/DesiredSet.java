package dev.fleet.agent.plan;

import dev.fleet.unit.DesiredState;
import dev.fleet.unit.Requirements;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The units this machine should have (fleet's "desired set" and its global units).
 *
 * <p>Rules:
 * <ul>
 *   <li>Non-global units are the engine's decision and are all kept as given (the engine already
 *       checked eligibility and conflicts, including those with global units). Unlike fleet,
 *       which ran every unit through the conflict check, an engine-placed unit is never dropped
 *       here: dropping it would make the engine believe it runs.</li>
 *   <li>A global unit is accepted if this machine satisfies its MachineID and MachineMetadata
 *       requirements and it does not conflict, in either direction, with a unit already accepted.
 *       Global units are considered in unit-name order, after the non-global units, so of two
 *       mutually conflicting global units the first by name wins on every machine.</li>
 *   <li>A unit whose desired state is {@code inactive} never runs: it is kept (so a present file is
 *       unloaded with a clear reason) but takes no part in conflict checks, and a global one is
 *       not checked for eligibility.</li>
 * </ul>
 * Every global unit that is dropped has its reason in {@link #skipped()}.
 */
public final class DesiredSet {

    private final Map<String, DesiredUnit> units;
    private final Map<String, String> skipped;

    private DesiredSet(Map<String, DesiredUnit> units, Map<String, String> skipped) {
        this.units = Collections.unmodifiableMap(units);
        this.skipped = Collections.unmodifiableMap(skipped);
    }

    /**
     * @param machineId this machine's ID
     * @param metadata  this machine's (static plus dynamic) metadata
     * @param schedule  this machine's own units plus all global units
     * @throws IllegalArgumentException if a unit name appears twice in {@code schedule}
     */
    public static DesiredSet of(String machineId, Map<String, String> metadata, List<DesiredUnit> schedule) {
        Objects.requireNonNull(machineId, "machineId");
        Objects.requireNonNull(metadata, "metadata");
        Map<String, DesiredUnit> byName = new TreeMap<>();
        for (DesiredUnit u : schedule) {
            if (byName.putIfAbsent(u.name(), u) != null) {
                throw new IllegalArgumentException("unit " + u.name() + " appears twice in the schedule");
            }
        }
        Map<String, DesiredUnit> accepted = new TreeMap<>();
        // (name, requirements) of accepted units that will be loaded or launched: the conflict checks' subjects
        Map<String, Requirements> running = new LinkedHashMap<>();
        List<DesiredUnit> globals = new ArrayList<>();
        for (DesiredUnit u : byName.values()) {
            if (u.global()) {
                globals.add(u);
            } else {
                accepted.put(u.name(), u);
                if (u.state() != DesiredState.INACTIVE) {
                    running.put(u.name(), u.requirements());
                }
            }
        }
        Map<String, String> skipped = new TreeMap<>();
        for (DesiredUnit g : globals) { // already in name order
            if (g.state() == DesiredState.INACTIVE) {
                accepted.put(g.name(), g);
                continue;
            }
            Requirements r = g.requirements();
            Optional<String> why = ineligible(g.name(), r, machineId, metadata, running);
            if (why.isPresent()) {
                skipped.put(g.name(), why.get());
            } else {
                accepted.put(g.name(), g);
                running.put(g.name(), r);
            }
        }
        return new DesiredSet(accepted, skipped);
    }

    private static Optional<String> ineligible(String name, Requirements r, String machineId,
                                               Map<String, String> metadata, Map<String, Requirements> running) {
        if (!r.machineIdMatches(machineId)) {
            return Optional.of("requires machine " + r.machineId() + ", this is " + machineId);
        }
        if (!r.metadataSatisfiedBy(metadata)) {
            return Optional.of("machine metadata " + metadata + " do not satisfy MachineMetadata " + r.metadata());
        }
        for (var e : running.entrySet()) {
            if (r.conflictsWith(e.getKey())) {
                return Optional.of("conflicts with " + e.getKey());
            }
            if (e.getValue().conflictsWith(name)) {
                return Optional.of(e.getKey() + " conflicts with it");
            }
        }
        return Optional.empty();
    }

    /** The accepted units, in name order. */
    public List<DesiredUnit> units() {
        return List.copyOf(units.values());
    }

    /** The accepted units by name (name order). */
    public Map<String, DesiredUnit> byName() {
        return units;
    }

    public Optional<DesiredUnit> get(String name) {
        return Optional.ofNullable(units.get(name));
    }

    public boolean contains(String name) {
        return units.containsKey(name);
    }

    /** Dropped global units, name -> reason (name order). */
    public Map<String, String> skipped() {
        return skipped;
    }

    @Override
    public String toString() {
        return "DesiredSet" + units.keySet() + (skipped.isEmpty() ? "" : " skipped " + skipped);
    }
}
