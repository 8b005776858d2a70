package dev.fleet.cli;

import dev.fleet.schema.Unit;

import java.util.ArrayList;
import java.util.List;

/** stop and unload: lower the desired state of units, wait for it (§1.4), and say how it went. */
abstract class StoppingCommand extends UnitCommand {
    private final BlockOptions block;
    /** The desired state set: loaded or inactive. */
    private final String state;
    /** The verb as the messages name it (stop, unload), and what it did (stopped, unloaded). */
    private final String verb;
    private final String done;

    StoppingCommand(String description, String state, String verb, String done) {
        super(description);
        this.state = state;
        this.verb = verb;
        this.done = done;
        block = new BlockOptions(this, "", "do not wait");
    }

    /** Whether {@code unit} is to be set to the state (or a {@link Fleetctl.Fail} when it cannot be). */
    abstract boolean actsOn(Unit unit);

    /**
     * Sets the state on the units that need it (and are not there already), waits for the triggered ones and prints
     * "Successfully stopped units [...]" or "Failed to stop units [...]"; returns the exit code.
     */
    @Override
    public final Integer call() {
        List<Unit> units = unitsToActOn();
        if (units == null) {
            return Fleetctl.EXIT_OK;
        }
        List<Unit> chosen = new ArrayList<>();
        for (Unit u : units) {
            if (actsOn(u)) {
                chosen.add(u);
            }
        }
        List<Unit> triggered = setTargetState(chosen, state);
        List<String> all = new ArrayList<>();
        for (Unit u : triggered) {
            all.add(u.name());
        }
        int attempts = block.block();
        List<String> wait = toWaitFor(triggered, verb, attempts);
        int code = wait.isEmpty() ? 0 : waitFor(wait, state, attempts);
        if (code == 0) {
            root.err.println("Successfully " + done + " units " + goList(all) + ".");
        } else {
            root.err.println("Failed to " + verb + " units " + goList(all) + ". exit: " + code);
        }
        return code;
    }
}
