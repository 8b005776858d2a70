package dev.fleet.engine;

import dev.fleet.engine.ClusterSnapshot.Unit;
import dev.fleet.unit.DesiredState;
import dev.fleet.unit.Glob;
import dev.fleet.unit.Requirements;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The planner's mutable picture of the cluster: who runs where and each machine's load, indexed so that the
 * least-loaded eligible machine is found without scanning every machine for every unit.
 */
final class ClusterState {

    /** One live machine and what the engine counts on it. */
    static final class Slot {
        final String id;
        final Map<String, String> metadata;
        int load;
        /** Placed non-global units, and the subset declaring Replaces (rare: scanned). */
        final TreeSet<String> units = new TreeSet<>();
        final TreeSet<String> withReplaces = new TreeSet<>();
        /** Non-inactive global units this machine qualifies for (static during a plan). */
        final TreeSet<String> globals = new TreeSet<>();
        /** {@link ConflictIndex}: pattern id -> units here (placed or global) matched by / declaring it. */
        final Map<Integer, TreeSet<String>> matching = new HashMap<>();
        final Map<Integer, TreeSet<String>> declaring = new HashMap<>();
        /** Every ordered index holding this slot; it must leave them while its load changes. */
        final List<TreeSet<Slot>> indexes = new ArrayList<>();

        Slot(String id, Map<String, String> metadata) {
            this.id = id;
            this.metadata = metadata;
        }

        @Override
        public String toString() {
            return id + "(" + load + ")";
        }
    }

    /** fleet's scheduler order: fewest units first, then the lowest machine ID. */
    static final Comparator<Slot> BY_LOAD = Comparator.comparingInt((Slot s) -> s.load).thenComparing(s -> s.id);
    static final Comparator<Slot> BY_ID = Comparator.comparing((Slot s) -> s.id);

    /** Every unit by name; name order is the order decisions are taken in. */
    final TreeMap<String, Unit> units = new TreeMap<>();
    final Map<String, Slot> slots = new LinkedHashMap<>();
    /** Absent machines whose units stay scheduled there ({@link ClusterSnapshot#awaited()}). */
    private final Set<String> awaited;
    private final Map<String, Slot> placement = new HashMap<>();
    private final TreeSet<Slot> byLoad = new TreeSet<>(BY_LOAD);
    private final Map<Map<String, Set<String>>, TreeSet<Slot>> byMetadata = new HashMap<>();
    private final Map<String, List<Slot>> byIdPrefix = new HashMap<>();
    private final Map<Fit, List<Slot>> fitting = new HashMap<>();
    /** Non-inactive global unit -> number of machines it qualifies for. */
    private final Map<String, Integer> globalSpread = new HashMap<>();
    private final ConflictIndex conflicts;
    /** Compiled Replaces globs per unit: the same few are tried against many names. */
    private final Map<String, Glob[]> replaceGlobs = new HashMap<>();
    /** Counts units taken off machines: only that can make a unit that fitted nowhere fit somewhere. */
    private int removals;

    ClusterState(ClusterSnapshot s) {
        s.units().forEach(u -> units.put(u.name(), u));
        awaited = s.awaited();
        conflicts = new ConflictIndex(units.values(), this::requirements);
        s.machines().stream().sorted(Comparator.comparing(ClusterSnapshot.Machine::id))
                .forEach(m -> slots.put(m.id(), new Slot(m.id(), m.metadata())));
        for (Slot slot : slots.values()) {
            if (slot.id.length() >= 8) {
                byIdPrefix.computeIfAbsent(slot.id.substring(0, 8), k -> new ArrayList<>()).add(slot);
            }
        }
        for (Unit u : units.values()) {
            if (isGlobal(u) && active(u)) {
                addGlobal(u);
            }
        }
        // Loads start from the schedule as stored; ineligible units leave in the unschedule pass.
        for (Unit u : units.values()) {
            Slot slot = u.target() == null ? null : slots.get(u.target());
            if (!isGlobal(u) && active(u) && slot != null) {
                add(u.name(), slot);
                slot.load++;
            }
        }
        for (Slot slot : slots.values()) {
            slot.indexes.add(byLoad);
            byLoad.add(slot);
        }
    }

    private void addGlobal(Unit g) {
        Requirements r = g.requirements();
        int n = 0;
        for (Slot slot : slots.values()) {
            if (r.machineIdMatches(slot.id) && r.metadataSatisfiedBy(slot.metadata)) {
                slot.globals.add(g.name());
                conflicts.add(g.name(), slot);
                slot.load++;
                n++;
            }
        }
        globalSpread.put(g.name(), n);
    }

    static boolean isGlobal(Unit u) {
        return u.requirements().global();
    }

    static boolean active(Unit u) {
        return u.desired() != DesiredState.INACTIVE;
    }

    /** True if {@code u} keeps its place on an absent machine the snapshot awaits (it is not inactive, not global). */
    boolean held(Unit u) {
        return u.target() != null && !isGlobal(u) && active(u) && !slots.containsKey(u.target())
                && awaited.contains(u.target());
    }

    Requirements requirements(String unit) {
        Unit u = units.get(unit);
        return u == null ? Requirements.NONE : u.requirements();
    }

    /** The first (by name) unit counted on {@code slot} that conflicts with {@code unit} either way, or null. */
    String firstConflict(String unit, Slot slot) {
        return conflicts.firstConflict(unit, slot);
    }

    /** {@code Requirements.replacesUnit}, with the globs compiled once per plan. */
    boolean replaces(String unit, String other) {
        return anyMatches(replaceGlobs.computeIfAbsent(unit, k -> compile(requirements(k).replaces())), other);
    }

    private static Glob[] compile(List<String> patterns) {
        return patterns.stream().map(Glob::compile).toArray(Glob[]::new);
    }

    private static boolean anyMatches(Glob[] globs, String name) {
        for (Glob g : globs) {
            if (g.matches(name)) {
                return true;
            }
        }
        return false;
    }

    int removals() {
        return removals;
    }

    Slot slotOf(String unit) {
        return placement.get(unit);
    }

    Map<String, String> targets() {
        Map<String, String> t = new HashMap<>();
        placement.forEach((unit, slot) -> t.put(unit, slot.id));
        return t;
    }

    /** True if {@code unit} counts as running on {@code slot}: placed there, or a global that qualifies. */
    boolean present(String unit, Slot slot) {
        return placement.get(unit) == slot || slot.globals.contains(unit);
    }

    /** True if {@code unit} counts as running on some machine. */
    boolean scheduledAnywhere(String unit) {
        return placement.containsKey(unit) || globalSpread.getOrDefault(unit, 0) > 0;
    }

    void place(String unit, Slot slot) {
        add(unit, slot);
        changeLoad(slot, +1);
    }

    void remove(String unit) {
        Slot slot = placement.remove(unit);
        slot.units.remove(unit);
        slot.withReplaces.remove(unit);
        conflicts.remove(unit, slot);
        changeLoad(slot, -1);
        removals++;
    }

    private void add(String unit, Slot slot) {
        Requirements r = requirements(unit);
        placement.put(unit, slot);
        slot.units.add(unit);
        conflicts.add(unit, slot);
        if (!r.replaces().isEmpty()) {
            slot.withReplaces.add(unit);
        }
    }

    private static void changeLoad(Slot slot, int delta) {
        slot.indexes.forEach(ix -> ix.remove(slot));
        slot.load += delta;
        slot.indexes.forEach(ix -> ix.add(slot));
    }

    /**
     * The machines worth asking for {@code u}, least loaded first: a superset of the eligible ones, narrowed
     * by the requirements that are cheap to index (a non-global MachineOf peer, MachineID, MachineMetadata).
     */
    Iterable<Slot> candidates(Unit u) {
        Requirements r = u.requirements();
        Slot peerSlot = null;
        for (String peer : r.machineOf()) {
            Unit p = units.get(peer);
            if (p != null && isGlobal(p)) {
                continue; // present on many machines; checked per machine
            }
            Slot s = placement.get(peer);
            if (s == null || (peerSlot != null && s != peerSlot)) {
                return List.of();
            }
            peerSlot = s;
        }
        if (peerSlot != null) {
            return List.of(peerSlot);
        }
        if (r.machineId() != null) {
            List<Slot> matching = new ArrayList<>(machinesWithId(r.machineId()));
            matching.sort(BY_LOAD);
            return matching;
        }
        if (!r.metadata().isEmpty()) {
            return byMetadata.computeIfAbsent(r.metadata(), k -> metadataIndex(r));
        }
        return byLoad;
    }

    /** Machines whose full ID, or (as fleet's code) 8-character prefix, equals {@code machineId}. */
    Set<Slot> machinesWithId(String machineId) {
        Set<Slot> out = new LinkedHashSet<>();
        Slot exact = slots.get(machineId);
        if (exact != null) {
            out.add(exact);
        }
        out.addAll(byIdPrefix.getOrDefault(machineId, List.of()));
        return out;
    }

    private record Fit(String machineId, Map<String, Set<String>> metadata) { }

    /** Machines passing MachineID and MachineMetadata, in ID order; both are fixed during a plan. */
    List<Slot> fitting(Requirements r) {
        return fitting.computeIfAbsent(new Fit(r.machineId(), r.metadata()), k -> {
            var withId = r.machineId() == null ? slots.values() : machinesWithId(r.machineId());
            return withId.stream().filter(s -> r.metadataSatisfiedBy(s.metadata)).sorted(BY_ID).toList();
        });
    }

    /** Machine metadata is fixed during a plan, so each distinct MachineMetadata gets its own ordered set. */
    private TreeSet<Slot> metadataIndex(Requirements r) {
        TreeSet<Slot> ix = new TreeSet<>(BY_LOAD);
        for (Slot slot : slots.values()) {
            if (r.metadataSatisfiedBy(slot.metadata)) {
                ix.add(slot);
                slot.indexes.add(ix);
            }
        }
        return ix;
    }
}
