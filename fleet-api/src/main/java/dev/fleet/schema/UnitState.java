package dev.fleet.schema;

/**
 * What an agent reports about one unit on its machine: systemd's load/active/sub state, the hash of the file it
 * runs, whether the agent has started it ({@code launched}: fleet's launched heartbeat), and, when the agent knows
 * them, systemd's {@code Result} of the last run (e.g. {@code exit-code}) and the {@code InvocationID} of the current
 * or last run ("" = not reported), and the unit's launch number the agent started it under ({@code launch}; 0 = not
 * reported; see the schedule entry's). The same record is API v1's unit state ({@code systemd*} field names, without
 * {@code launched}), an entry of the agent's state report, and the registry's stored state: {@link Codec} writes
 * each shape.
 */
public record UnitState(String name, String machineId, String hash, String loadState, String activeState,
                        String subState, boolean launched, String result, String invocationId, long launch) {

    public UnitState {
        hash = hash == null ? "" : hash;
        loadState = loadState == null ? "" : loadState;
        activeState = activeState == null ? "" : activeState;
        subState = subState == null ? "" : subState;
        result = result == null ? "" : result;
        invocationId = invocationId == null ? "" : invocationId;
    }

    public UnitState(String name, String machineId, String hash, String loadState, String activeState,
                     String subState, boolean launched) {
        this(name, machineId, hash, loadState, activeState, subState, launched, "", "");
    }

    /** A state without a launch number (0: not reported). */
    public UnitState(String name, String machineId, String hash, String loadState, String activeState,
                     String subState, boolean launched, String result, String invocationId) {
        this(name, machineId, hash, loadState, activeState, subState, launched, result, invocationId, 0);
    }

    /** The same state on another machine (the agent API names the machine in the URL, not in each state). */
    public UnitState onMachine(String machine) {
        return new UnitState(name, machine, hash, loadState, activeState, subState, launched, result, invocationId, launch);
    }
}
