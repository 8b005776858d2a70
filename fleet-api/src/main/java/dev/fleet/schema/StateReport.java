package dev.fleet.schema;

import java.util.List;

/**
 * An agent's report of its machine's unit states ({@code PUT /fleet/agent/v1/machines/ID/states}): states set and
 * unit names removed, in one transaction, under the agent's session.
 */
public record StateReport(String session, List<UnitState> states, List<String> removed) {
    public StateReport {
        states = List.copyOf(states);
        removed = List.copyOf(removed);
    }
}
