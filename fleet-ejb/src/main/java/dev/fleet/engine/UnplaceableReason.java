package dev.fleet.engine;

import dev.fleet.engine.ClusterSnapshot.Unit;
import dev.fleet.engine.ClusterState.Slot;
import dev.fleet.engine.Eligibility.Stage;
import dev.fleet.engine.Eligibility.Verdict;
import dev.fleet.unit.Requirements;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Why a unit has no machine, in one short deterministic sentence naming the constraint (fleet logged only
 * "no agents able to run job"; its users asked for the reason). Only run for units that stay unplaced.
 */
final class UnplaceableReason {
    /** Machines named in a per-machine summary before "+N more". */
    private static final int SHOWN = 3;

    private UnplaceableReason() { }

    private record Miss(Slot slot, Verdict verdict) { }

    static String explain(ClusterState st, Unit u) {
        if (st.slots.isEmpty()) {
            return "no machines available";
        }
        Requirements r = u.requirements();
        Collection<Slot> withId = r.machineId() == null ? st.slots.values() : st.machinesWithId(r.machineId());
        if (withId.isEmpty()) {
            return "no machine with id " + r.machineId();
        }
        List<Slot> fit = st.fitting(r);
        if (fit.isEmpty()) {
            return "no machine with metadata " + Eligibility.metadataText(missingMetadata(withId, r));
        }
        for (String peer : r.machineOf()) {
            if (!st.scheduledAnywhere(peer)) {
                return "MachineOf peer " + peer + " is not scheduled";
            }
        }
        // Only machines with the right ID and metadata are checked in full: the rest fail for a known reason.
        List<Miss> misses = new ArrayList<>(fit.size());
        for (Slot slot : fit) {
            Verdict v = Eligibility.check(st, u, slot);
            if (v.ok()) {
                return "waiting for the next pass"; // only if the plan stopped before settling
            }
            misses.add(new Miss(slot, v));
        }
        if (fit.size() == withId.size()) {
            Stage stage = misses.get(0).verdict().failed();
            String why = misses.get(0).verdict().why();
            if (misses.stream().allMatch(m -> m.verdict().failed() == stage && m.verdict().why().equals(why))) {
                if (withId.size() == st.slots.size()) {
                    return why + " on every machine";
                }
                return withId.size() == 1 ? why + " on " + fit.get(0).id : why + " on every machine with id " + r.machineId();
            }
        }
        // The machines that came closest first, then by ID; metadata misses only fill up a short list.
        misses.sort(Comparator.comparing((Miss m) -> m.verdict().failed()).reversed().thenComparing(m -> m.slot().id));
        if (misses.size() < SHOWN) {
            withId.stream().filter(s -> !r.metadataSatisfiedBy(s.metadata)).sorted(ClusterState.BY_ID)
                    .limit(SHOWN - misses.size()).forEach(s -> misses.add(new Miss(s, Eligibility.check(st, u, s))));
        }
        StringBuilder sb = new StringBuilder("no machine can run it: ");
        int shown = Math.min(SHOWN, misses.size());
        for (int i = 0; i < shown; i++) {
            sb.append(i == 0 ? "" : "; ").append(misses.get(i).slot().id).append(": ")
                    .append(misses.get(i).verdict().why());
        }
        if (withId.size() > shown) {
            sb.append("; +").append(withId.size() - shown).append(" more");
        }
        return sb.toString();
    }

    /**
     * The narrowest MachineMetadata statement no machine (with the right ID) meets: a single key nobody
     * has, else the whole requirement (each key exists somewhere, never all together).
     */
    private static Map<String, Set<String>> missingMetadata(Collection<Slot> candidates, Requirements r) {
        for (Map.Entry<String, Set<String>> e : r.metadata().entrySet()) {
            boolean anyone = candidates.stream().anyMatch(s -> e.getValue().contains(s.metadata.get(e.getKey())));
            if (!anyone) {
                Map<String, Set<String>> one = new LinkedHashMap<>();
                one.put(e.getKey(), e.getValue());
                return one;
            }
        }
        return r.metadata();
    }
}
