package dev.fleet.engine;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The outcome of one {@link Placement#plan} pass: its decisions, which the engine shell applies as they are. The
 * targets and reasons are views derived from them.
 */
public final class Plan {
    private final List<Decision> decisions;
    private final Map<String, String> targets;

    /**
     * @param scheduled the target machine of every non-global unit that had one in the snapshot, by unit name
     * @param decisions the net changes in the order they were decided: for a unit that moves, one Unschedule from
     *                  its old machine and one Schedule to its new one; then one Unplaceable per unit that wants
     *                  to run but has no machine, in unit-name order
     */
    Plan(Map<String, String> scheduled, List<Decision> decisions) {
        this.decisions = List.copyOf(decisions);
        Map<String, String> t = new TreeMap<>(scheduled);
        for (Decision d : decisions) {
            if (d instanceof Decision.Unschedule u) {
                t.remove(u.unit());
            } else if (d instanceof Decision.Schedule s) {
                t.put(s.unit(), s.machine());
            }
        }
        this.targets = Collections.unmodifiableMap(t);
    }

    public List<Decision> decisions() {
        return decisions;
    }

    /** The target machine of every non-global unit that has one after the plan (the snapshot's, with the decisions applied). */
    public Map<String, String> targets() {
        return targets;
    }

    /** Unit name to the reason it cannot be placed, for every Unplaceable decision, in unit-name order. */
    public Map<String, String> reasons() {
        Map<String, String> reasons = new LinkedHashMap<>();
        for (Decision d : decisions) {
            if (d instanceof Decision.Unplaceable u) {
                reasons.put(u.unit(), u.reason());
            }
        }
        return Collections.unmodifiableMap(reasons);
    }

    /** Plans are equal when their decisions are (and so their targets, derived from the same snapshot). */
    @Override
    public boolean equals(Object o) {
        return o instanceof Plan p && decisions.equals(p.decisions) && targets.equals(p.targets);
    }

    @Override
    public int hashCode() {
        return decisions.hashCode() * 31 + targets.hashCode();
    }

    @Override
    public String toString() {
        return "Plan" + decisions;
    }
}
