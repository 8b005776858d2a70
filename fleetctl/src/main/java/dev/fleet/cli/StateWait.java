package dev.fleet.cli;

import dev.fleet.schema.Unit;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * A blocking verb's wait for its units to report a state (§1.4), polled by {@link Waiter}: prints
 * "Unit X state [on legend]" as each unit gets there and, while a unit waits without a machine, the engine's reason
 * (once per change). A unit waited for as inactive may disappear (destroyed meanwhile); any other that does ends the
 * wait with exit 1.
 */
final class StateWait implements BooleanSupplier {
    private final UnitCommand verb;
    private final String state;
    private final int attempts;
    /** The units still waited for, each with the last reason printed for it ("" for none). */
    private final Map<String, String> pending = new LinkedHashMap<>();
    private final Map<String, Unit> last = new HashMap<>();
    private int code = Fleetctl.EXIT_OK;

    StateWait(UnitCommand verb, List<String> names, String state, int attempts) {
        this.verb = verb;
        this.state = state;
        this.attempts = attempts;
        for (String n : names) {
            pending.put(n, "");
        }
    }

    /** Waits; returns the exit code: 0, 1 (fleet's timeout, or a unit gone), or 3 when a unit could not be placed. */
    int run() {
        if (Waiter.until(attempts, this)) {
            return code;
        }
        code = Fleetctl.EXIT_FAILURE;
        for (String name : pending.keySet()) {
            Unit o = last.get(name);
            String reason = o == null ? "" : Tables.or(o.reason(), "");
            if (!state.equals("inactive") && o != null && Tables.or(o.machineID(), "").isEmpty()) {
                verb.root.err.println("Error waiting for unit states, exit status: unit " + name + " could not be placed: "
                        + (reason.isEmpty() ? "no machine has taken it" : reason));
                code = Fleetctl.EXIT_UNPLACEABLE;
            } else {
                verb.root.err.println("Error waiting for unit states, exit status: timed out waiting for unit " + name
                        + " to report state " + state);
            }
        }
        return code;
    }

    /** One look at every pending unit; true when none is left to wait for (or one is gone). */
    @Override
    public boolean getAsBoolean() {
        for (String name : new ArrayList<>(pending.keySet())) {
            Optional<Unit> u = verb.unit(name);
            if (u.isEmpty()) {
                pending.remove(name);
                if (state.equals("inactive")) {
                    continue; // destroyed meanwhile: nothing left to wait for
                }
                verb.root.err.println("Error waiting for unit states, exit status: unit " + name + " no longer exists");
                code = Fleetctl.EXIT_FAILURE;
                return true;
            }
            Unit o = u.get();
            last.put(name, o);
            String machine = Tables.or(o.machineID(), "");
            if (state.equals(Tables.or(o.currentState(), "inactive"))) {
                pending.remove(name);
                verb.root.out.println("Unit " + name + " " + state
                        + (state.equals("inactive") || machine.isEmpty() ? "" : " on " + verb.legend(machine)));
                continue;
            }
            String reason = Tables.or(o.reason(), "");
            if (!state.equals("inactive") && machine.isEmpty() && !reason.isEmpty() && !reason.equals(pending.get(name))) {
                pending.put(name, reason);
                verb.root.err.println("Unit " + name + " is not placed: " + reason + " (waiting"
                        + (attempts == 0 ? "; --block-attempts=N gives up after about N*2 s" : "") + ")");
            }
        }
        return pending.isEmpty();
    }
}
