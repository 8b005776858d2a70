package dev.fleet.engine;

import dev.fleet.engine.ClusterSnapshot.Unit;
import dev.fleet.engine.ClusterState.Slot;
import dev.fleet.unit.Requirements;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/** fleet's AbleToRun: can a unit run on a machine, given who already runs there? */
final class Eligibility {
    private Eligibility() { }

    /** The checks in fleet's order; a failure names the first one that failed. */
    enum Stage { MACHINE_ID, METADATA, PEER, CONFLICT, REPLACED }

    /**
     * {@code failed == null}: eligible, and placing the unit there displaces {@code displaces} (units it
     * replaces). {@code REPLACED}: a unit there replaces this one, so it must not stay or go there.
     */
    record Verdict(Stage failed, Supplier<String> reason, List<String> displaces) {
        static final Verdict OK = new Verdict(null, null, List.of());

        boolean ok() {
            return failed == null;
        }

        /** Built on demand: most failed checks only mean "try the next machine". */
        String why() {
            return reason == null ? null : reason.get();
        }
    }

    static Verdict check(ClusterState st, Unit u, Slot slot) {
        String name = u.name();
        Requirements r = u.requirements();
        if (!r.machineIdMatches(slot.id)) {
            return fail(Stage.MACHINE_ID, () -> "requires machine " + r.machineId());
        }
        if (!r.metadataSatisfiedBy(slot.metadata)) {
            return fail(Stage.METADATA, () -> "metadata " + metadataText(unmetMetadata(r, slot.metadata)) + " not met");
        }
        for (String peer : r.machineOf()) {
            if (!st.present(peer, slot)) {
                return fail(Stage.PEER, () -> "MachineOf peer " + peer + " not here");
            }
        }
        String conflict = st.firstConflict(name, slot);
        if (conflict != null) {
            return fail(Stage.CONFLICT, () -> "conflicts with " + conflict);
        }
        return replaces(st, name, r, slot);
    }

    private static Verdict fail(Stage stage, Supplier<String> why) {
        return new Verdict(stage, why, List.of());
    }

    /**
     * Replaces between placed non-global units (a global unit is never moved, nor moves anything); a mutual
     * pair is ignored, as fleet does, since each would evict the other forever.
     */
    private static Verdict replaces(ClusterState st, String name, Requirements r, Slot slot) {
        String replacedBy = first(slot.withReplaces, name,
                e -> st.replaces(e, name) && !st.replaces(name, e));
        if (replacedBy != null) {
            return fail(Stage.REPLACED, () -> "replaced by " + replacedBy);
        }
        if (r.replaces().isEmpty()) {
            return Verdict.OK;
        }
        List<String> displaced = new ArrayList<>();
        for (String e : slot.units) {
            if (!e.equals(name) && st.replaces(name, e) && !st.replaces(e, name)) {
                displaced.add(e);
            }
        }
        return displaced.isEmpty() ? Verdict.OK : new Verdict(null, null, List.copyOf(displaced));
    }

    private static String first(Iterable<String> sortedNames, String self, Predicate<String> p) {
        for (String e : sortedNames) {
            if (!e.equals(self) && p.test(e)) {
                return e;
            }
        }
        return null;
    }

    /** The MachineMetadata keys a machine fails, with their allowed values, in declaration order. */
    private static Map<String, Set<String>> unmetMetadata(Requirements r, Map<String, String> machineMetadata) {
        Map<String, Set<String>> unmet = new LinkedHashMap<>();
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
