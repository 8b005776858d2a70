package dev.fleet.cli;

import jakarta.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/** stop and unload: lower the desired state of units, wait for it (§1.4), and say how it went. */
abstract class StoppingCommand extends UnitCommand {
    private final BlockOptions block;

    StoppingCommand(String description) {
        super(description);
        block = new BlockOptions(this, "", "do not wait");
    }

    /**
     * Sets {@code state} on {@code units} (those not already there), waits for the triggered ones and prints
     * "Successfully {@code done} units [...]" or "Failed to {@code verb} units [...]"; returns the exit code.
     */
    final int setAndWait(List<JsonObject> units, String state, String verb, String done) {
        List<JsonObject> triggered = setTargetState(units, state);
        List<String> all = new ArrayList<>();
        for (JsonObject u : triggered) {
            all.add(u.getString("name"));
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
