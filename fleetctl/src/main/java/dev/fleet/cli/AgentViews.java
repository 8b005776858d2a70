package dev.fleet.cli;

import dev.fleet.schema.Machine;
import dev.fleet.schema.Unit;
import dev.fleet.schema.UnitState;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** What status and why print, from the API's answers: pure functions, tested without a server. */
public final class AgentViews {
    private AgentViews() {
    }

    /** systemctl status's exit code for a unit that is not running (LSB "program is not running"). */
    public static final int EXIT_NOT_RUNNING = 3;

    /** Text for stdout and stderr, and the exit code. */
    public record Printed(String out, String err, int code) {
    }

    /**
     * One unit's status as fleet printed it: the agent's {@code systemctl status} text. With several machines
     * (a global unit) each block is headed by the machine, as fleet's SSH output would have been had it worked.
     * Exit code as systemctl's: 0 when active everywhere, 3 when not running somewhere, 1 when a machine could
     * not be asked or the unit is on no machine.
     */
    public static Printed status(String unit, JsonObject answer, Map<String, Machine> machines) {
        JsonArray statuses = answer.getJsonArray("statuses");
        if (statuses == null || statuses.isEmpty()) {
            String reason = answer.getString("reason", "");
            return new Printed("", "Unit " + unit + " does not appear to be loaded."
                    + (reason.isEmpty() ? "" : " It is not placed: " + reason) + "\n", Fleetctl.EXIT_FAILURE);
        }
        StringBuilder out = new StringBuilder();
        StringBuilder err = new StringBuilder();
        boolean failed = false;
        boolean notRunning = false;
        boolean headed = statuses.size() > 1;
        for (JsonValue v : statuses) {
            JsonObject s = v.asJsonObject();
            String legend = Tables.fullLegend(s.getString("machineID", ""), machines, false);
            if (s.containsKey("error")) {
                failed = true;
                err.append("Error: unit ").append(unit).append(" on ").append(legend).append(": ")
                        .append(s.getString("error", "")).append('\n');
                continue;
            }
            if (headed) {
                out.append("--- ").append(legend).append(" ---\n");
            }
            String text = s.getString("text", "");
            out.append(text);
            if (!text.isEmpty() && !text.endsWith("\n")) {
                out.append('\n');
            }
            JsonObject props = s.getJsonObject("properties");
            notRunning |= props == null || !"active".equals(props.getString("ActiveState", ""));
        }
        int code = failed ? Fleetctl.EXIT_FAILURE : notRunning ? EXIT_NOT_RUNNING : Fleetctl.EXIT_OK;
        return new Printed(out.toString(), err.toString(), code);
    }

    /**
     * Why a unit is not placed (the engine's reason) or not running: desired vs current state, and systemd's
     * state and result on each machine that reports it. {@code unit} null = it does not exist.
     */
    public static Printed why(String name, Unit unit, List<UnitState> states, Map<String, Machine> machines) {
        if (unit == null) {
            return new Printed("", "Unit " + name + " does not exist.\n", Fleetctl.EXIT_FAILURE);
        }
        StringBuilder out = new StringBuilder();
        String desired = Tables.or(unit.desiredState(), "inactive");
        String target = Tables.or(unit.machineID(), "");
        boolean global = Tables.isGlobal(unit);
        if (desired.equals("inactive")) {
            out.append("Unit ").append(name).append(" is not placed: its desired state is inactive (load or start it).\n");
            return new Printed(out.toString(), "", Fleetctl.EXIT_OK);
        }
        if (global) {
            out.append("Unit ").append(name).append(" is global: desired ").append(desired)
                    .append(" on every machine that fits it; ").append(states.size()).append(" machine")
                    .append(states.size() == 1 ? "" : "s").append(" report it.\n");
        } else if (target.isEmpty()) {
            String reason = Tables.or(unit.reason(), "");
            out.append("Unit ").append(name).append(" is not placed: ")
                    .append(reason.isEmpty() ? "the engine has not placed it yet (no reason recorded)" : reason).append('\n');
            return new Printed(out.toString(), "", Fleetctl.EXIT_OK);
        } else {
            out.append("Unit ").append(name).append(": desired ").append(desired).append(", current ")
                    .append(Tables.or(unit.currentState(), "inactive")).append(", on ")
                    .append(Tables.fullLegend(target, machines, false)).append('\n');
            if (states.isEmpty()) {
                out.append("  ").append(Tables.fullLegend(target, machines, false))
                        .append(": no state reported yet (its agent has not loaded the unit)\n");
            }
        }
        List<String> notRunning = new ArrayList<>();
        for (UnitState s : states) {
            String legend = Tables.fullLegend(s.machineId(), machines, false);
            // the API leaves out an empty state: "-", as for any field the agent has not reported
            String active = Tables.dash(s.activeState());
            String result = s.result();
            out.append("  ").append(legend).append(": ").append(Tables.dash(s.loadState())).append(' ')
                    .append(active).append(' ').append(Tables.dash(s.subState()))
                    .append(result.isEmpty() ? "" : ", result " + result).append('\n');
            boolean wantsRunning = desired.equals("launched");
            if (wantsRunning && !RUNNING.contains(active)) {
                notRunning.add(legend + " (" + active + (result.isEmpty() || result.equals("success") ? "" : ", " + result) + ")");
            }
        }
        if (!notRunning.isEmpty()) {
            out.append("Unit ").append(name).append(" is not running on ").append(String.join(", ", notRunning))
                    .append(": see fleetctl status ").append(name).append(" and fleetctl journal ").append(name).append('\n');
        } else if (!states.isEmpty() && desired.equals("launched")) {
            out.append("Unit ").append(name).append(" is running as desired.\n");
        }
        return new Printed(out.toString(), "", Fleetctl.EXIT_OK);
    }

    private static final Set<String> RUNNING = Set.of("active", "reloading", "activating");
}
