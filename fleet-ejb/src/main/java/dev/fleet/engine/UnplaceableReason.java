package dev.fleet.engine;

import dev.fleet.engine.ClusterSnapshot.Unit;
import dev.fleet.engine.ClusterState.Slot;
import dev.fleet.engine.Eligibility.Stage;
import dev.fleet.engine.Eligibility.Verdict;
import dev.fleet.unit.Requirements;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Why a unit has no machine, in one short deterministic sentence naming the constraint (fleet logged only
 * "no agents able to run job"; §10 asks for the reason). Only run for units that stay unplaced.
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
        List<Miss> misses = new ArrayList<>();
        Stage furthest = Stage.MACHINE_ID;
        for (Slot slot : st.slots.values()) {
            Verdict v = Eligibility.check(st, u, slot);
            if (v.ok()) {
                return "waiting for the next pass"; // only if the plan stopped before settling
            }
            misses.add(new Miss(slot, v));
            furthest = v.failed().compareTo(furthest) > 0 ? v.failed() : furthest;
        }
        if (furthest == Stage.MACHINE_ID) {
            return "no machine with id " + r.machineId();
        }
        if (furthest == Stage.METADATA) {
            return "no machine with metadata " + Eligibility.metadataText(missingMetadata(st, r));
        }
        for (String peer : r.machineOf()) {
            if (!st.scheduledAnywhere(peer)) {
                return "MachineOf peer " + peer + " is not scheduled";
            }
        }
        // Machines with another ID are no candidates: leave them out of the story.
        misses.removeIf(m -> m.verdict().failed() == Stage.MACHINE_ID);
        String why = misses.get(0).verdict().why();
        if (misses.stream().allMatch(m -> m.verdict().why().equals(why))) {
            if (misses.size() == st.slots.size()) {
                return why + " on every machine";
            }
            return misses.size() == 1 ? why + " on " + misses.get(0).slot().id
                    : why + " on every machine with id " + r.machineId();
        }
        // The machines that came closest first, then by ID.
        misses.sort(Comparator.comparing((Miss m) -> m.verdict().failed()).reversed()
                .thenComparing(m -> m.slot().id));
        StringBuilder sb = new StringBuilder("no machine can run it: ");
        for (int i = 0; i < Math.min(SHOWN, misses.size()); i++) {
            sb.append(i == 0 ? "" : "; ").append(misses.get(i).slot().id).append(": ")
                    .append(misses.get(i).verdict().why());
        }
        if (misses.size() > SHOWN) {
            sb.append("; +").append(misses.size() - SHOWN).append(" more");
        }
        return sb.toString();
    }

    /**
     * The narrowest MachineMetadata statement no machine (with the right ID) meets: a single key nobody
     * has, else the whole requirement (each key exists somewhere, never all together).
     */
    private static Map<String, Set<String>> missingMetadata(ClusterState st, Requirements r) {
        List<Slot> candidates = r.machineId() == null ? new ArrayList<>(st.slots.values())
                : new ArrayList<>(st.machinesWithId(r.machineId()));
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
