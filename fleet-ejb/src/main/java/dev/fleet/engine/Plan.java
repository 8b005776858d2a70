package dev.fleet.engine;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The outcome of one {@link Placement#plan} pass.
 *
 * @param decisions the net changes in the order they were decided: for a unit that moves, one Unschedule from
 *                  its old machine and one Schedule to its new one; then one Unplaceable per unit that wants
 *                  to run but has no machine, in unit-name order
 * @param targets   the target machine of every non-global unit that has one after the plan, by unit name
 */
public record Plan(List<Decision> decisions, Map<String, String> targets) {
    public Plan {
        decisions = List.copyOf(decisions);
        targets = Collections.unmodifiableMap(new TreeMap<>(targets));
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
}
