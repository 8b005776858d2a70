package dev.fleet.cli;

import dev.fleet.client.FleetClient;
import dev.fleet.schema.Unit;
import dev.fleet.schema.UnitState;
import dev.fleet.unit.UnitName;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** load and start: create units as needed, set their desired state, wait for it (§1.4). */
abstract class ActivatingCommand extends CreatingCommand {
    private final BlockOptions block;
    /** The desired state set: loaded or launched. */
    private final String state;
    /** The verb as the messages name it: load or start. */
    private final String verb;

    ActivatingCommand(String description, Set<String> replaceableStates, String state, String verb) {
        super(description, replaceableStates);
        this.state = state;
        this.verb = verb;
        block = new BlockOptions(this, " for the units", "do not wait for the units to reach the state");
    }

    @Override
    public final Integer call() {
        Integer refused = refused();
        if (refused != null) {
            return refused;
        }
        List<String> names = lazyCreate();
        List<Unit> units = new ArrayList<>();
        for (String n : names) {
            units.add(unit(n).orElseThrow(() ->
                    new Fleetctl.Fail(Fleetctl.EXIT_FAILURE, "Error retrieving unit " + n + " from registry: unit does not exist")));
        }
        for (Unit u : units) {
            if (UnitName.isTemplate(u.name())) {
                throw new Fleetctl.Fail(Fleetctl.EXIT_FAILURE, "Unable to " + verb + " template unit " + u.name()
                        + ": start an instance of it (for example " + UnitName.prefix(u.name()) + "@1."
                        + UnitName.suffix(u.name()) + ")");
            }
        }
        List<Unit> triggered;
        try {
            triggered = setTargetState(units, state);
        } catch (FleetClient.ApiException e) {
            throw new Fleetctl.Fail(Fleetctl.EXIT_FAILURE, "Error setting target state: " + e.getMessage());
        }
        int attempts = block.block();
        List<String> wait = toWaitFor(triggered, verb, attempts);
        if (wait.isEmpty()) {
            return Fleetctl.EXIT_OK;
        }
        int code = waitFor(wait, state, attempts);
        if (code == 0 && state.equals("launched")) {
            code = waitForActive(wait, attempts);
        }
        return code;
    }

    /** After launched: the systemd state reported through the state API must be active. */
    private int waitForActive(List<String> names, int attempts) {
        for (String name : names) {
            if (!Waiter.until(attempts, () -> anyActive(name))) {
                root.err.println("Error waiting for systemd unit states, err: timed out waiting for unit " + name
                        + " to become active");
                return Fleetctl.EXIT_FAILURE;
            }
        }
        return Fleetctl.EXIT_OK;
    }

    private boolean anyActive(String name) {
        for (UnitState s : states(name)) {
            if ("active".equals(s.activeState())) {
                return true;
            }
        }
        return false;
    }
}
