package dev.fleet.engine;

import dev.fleet.engine.ClusterSnapshot.Unit;
import dev.fleet.engine.ClusterState.Slot;
import dev.fleet.unit.Requirements;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/** fleet's AbleToRun (§3.3): can a unit run on a machine, given who already runs there? */
final class Eligibility {
    private Eligibility() { }

    /** The checks in fleet's order; a failure names the first one that failed. */
    enum Stage { MACHINE_ID, METADATA, PEER, CONFLICT, REPLACED }

    /**
     * {@code failed == null}: eligible, and placing the unit there displaces {@code displaces} (units it
     * replaces). {@code REPLACED}: a unit there replaces this one, so it must not stay or go there.
     */
    record Verdict(Stage failed, String why, List<String> displaces) {
        static final Verdict OK = new Verdict(null, null, List.of());

        boolean ok() {
            return failed == null;
        }
    }

    static Verdict check(ClusterState st, Unit u, Slot slot) {
        String name = u.name();
        Requirements r = u.requirements();
        if (!r.machineIdMatches(slot.id)) {
            return fail(Stage.MACHINE_ID, "requires machine " + r.machineId());
        }
        Map<String, Set<String>> unmet = unmetMetadata(r, slot.metadata);
        if (!unmet.isEmpty()) {
            return fail(Stage.METADATA, "metadata " + metadataText(unmet) + " not met");
        }
        for (String peer : r.machineOf()) {
            if (!st.present(peer, slot)) {
                return fail(Stage.PEER, "MachineOf peer " + peer + " not here");
            }
        }
        String conflict = conflictOn(st, name, r, slot);
        if (conflict != null) {
            return fail(Stage.CONFLICT, "conflicts with " + conflict);
        }
        return replaces(st, name, r, slot);
    }

    private static Verdict fail(Stage stage, String why) {
        return new Verdict(stage, why, List.of());
    }

    /** The first (by name) unit on the machine that conflicts with {@code name}, either direction, or null. */
    private static String conflictOn(ClusterState st, String name, Requirements r, Slot slot) {
        String found = null;
        if (!r.conflicts().isEmpty()) {
            found = min(found, first(slot.units, name, e -> r.conflictsWith(e)));
            found = min(found, first(slot.globals, name, e -> r.conflictsWith(e)));
        }
        // A unit never conflicts with itself, so units sharing one Conflicts glob (web@*.service) still work.
        found = min(found, first(slot.withConflicts, name, e -> st.requirements(e).conflictsWith(name)));
        found = min(found, first(slot.globalsWithConflicts, name, e -> st.requirements(e).conflictsWith(name)));
        return found;
    }

    /**
     * Replaces between placed non-global units; a mutual pair is ignored (as fleet), and a global unit can be
     * neither moved nor move anything.
     */
    private static Verdict replaces(ClusterState st, String name, Requirements r, Slot slot) {
        String replacedBy = first(slot.withReplaces, name,
                e -> st.requirements(e).replacesUnit(name) && !r.replacesUnit(e));
        if (replacedBy != null) {
            return fail(Stage.REPLACED, "replaced by " + replacedBy);
        }
        if (r.replaces().isEmpty() || r.global()) {
            return Verdict.OK;
        }
        List<String> displaced = new ArrayList<>();
        for (String e : slot.units) {
            if (!e.equals(name) && r.replacesUnit(e) && !st.requirements(e).replacesUnit(name)) {
                displaced.add(e);
            }
        }
        return displaced.isEmpty() ? Verdict.OK : new Verdict(null, null, List.copyOf(displaced));
    }

    private static String first(Iterable<String> sortedNames, String self, java.util.function.Predicate<String> p) {
        for (String e : sortedNames) {
            if (!e.equals(self) && p.test(e)) {
                return e;
            }
        }
        return null;
    }

    private static String min(String a, String b) {
        return a == null ? b : b == null ? a : a.compareTo(b) <= 0 ? a : b;
    }

    /** The MachineMetadata keys a machine fails, with their allowed values, in declaration order. */
    static Map<String, Set<String>> unmetMetadata(Requirements r, Map<String, String> machineMetadata) {
        if (r.metadata().isEmpty() || r.metadataSatisfiedBy(machineMetadata)) {
            return Map.of();
        }
        Map<String, Set<String>> unmet = new java.util.LinkedHashMap<>();
        r.metadata().forEach((k, values) -> {
            if (!values.contains(machineMetadata.get(k))) {
                unmet.put(k, values);
            }
        });
        return unmet;
    }

    /** {@code region=eu|us, disk=ssd}: values of one key are alternatives, keys are all required. */
    static String metadataText(Map<String, Set<String>> metadata) {
        return metadata.entrySet().stream()
                .map(e -> e.getKey() + "=" + String.join("|", e.getValue()))
                .collect(Collectors.joining(", "));
    }
}
