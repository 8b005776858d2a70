package dev.fleet.cli;

import dev.fleet.client.FleetClient;
import dev.fleet.schema.Machine;
import dev.fleet.schema.Unit;
import dev.fleet.schema.UnitState;
import dev.fleet.unit.UnitOption;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A verb over the units its arguments name: submit, load, start, stop, unload, destroy, restart, cat, status, why.
 * Its verbs reach the API only through the few methods below ({@link #unit}, {@link #states}, {@link #machines},
 * {@link #setDesiredState}, {@link #createUnit}, {@link #destroy}, {@link #unitStatus}): the one place that knows the client.
 */
abstract class UnitCommand extends Verb {
    /** The types fleetctl recognises in an argument; anything else gets ".service" appended (§1.5). */
    private static final Set<String> RECOGNISED = Set.of("service", "socket", "timer", "path", "device", "mount", "automount");

    List<String> args = new ArrayList<>();
    /** The machines by id, for legends; read on first use. */
    private Map<String, Machine> machineIndex;

    UnitCommand(String... description) {
        super(description);
        add(arguments(() -> args, v -> args = v).arity("0..*").paramLabel("UNIT"));
    }

    static String maybeAppendDefaultType(String arg) {
        int dot = arg.lastIndexOf('.');
        int slash = arg.lastIndexOf('/');
        if (dot > slash && RECOGNISED.contains(arg.substring(dot + 1))) {
            return arg;
        }
        return arg + ".service";
    }

    /** fleet's unitNameMangle: the basename, with ".service" appended unless it has a recognised type. */
    static String mangle(String arg) {
        String base = arg;
        while (base.length() > 1 && base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        int slash = base.lastIndexOf('/');
        if (slash >= 0 && slash < base.length() - 1) {
            base = base.substring(slash + 1);
        }
        return maybeAppendDefaultType(base);
    }

    /** A list as Go's fmt prints a slice: [a b c]. */
    static String goList(List<String> names) {
        return "[" + String.join(" ", names) + "]";
    }

    /** The mangled name of a verb's only argument, or null after printing {@code message} (when there is not one). */
    static String singleUnit(Fleetctl root, List<String> args, String message) {
        if (args.size() != 1) {
            root.err.println(message);
            return null;
        }
        return mangle(args.get(0));
    }

    /** True, after saying so as fleet does (exit 0), when no units were named. */
    final boolean noUnitsGiven() {
        if (args.isEmpty()) {
            root.err.println("No units given");
            return true;
        }
        return false;
    }

    Optional<Unit> unit(String name) {
        return root.client().unit(name);
    }

    /** The states the machines report for one unit. */
    List<UnitState> states(String name) {
        return root.client().states(null, name);
    }

    List<Machine> machines() {
        return root.client().machines();
    }

    void setDesiredState(String name, String state) {
        root.client().setDesiredState(name, state);
    }

    /** Creates (or replaces) a unit with these options; no desired state is sent. */
    void createUnit(String name, List<UnitOption> options) {
        root.client().putUnit(Unit.put(name, options, null));
    }

    /** False when there was no such unit. */
    boolean destroy(String name) {
        return root.client().destroy(name);
    }

    FleetClient.Response unitStatus(String name) {
        return root.client().unitStatus(name);
    }

    String legend(String machineId) {
        if (machineIndex == null) {
            try {
                machineIndex = Tables.machineIndex(machines());
            } catch (RuntimeException e) {
                machineIndex = new HashMap<>();
            }
        }
        return Tables.fullLegend(machineId, machineIndex, false);
    }

    /**
     * The registry units the arguments name (mangled), in argument order, missing ones skipped; or null after saying
     * (as fleet) that there are none.
     */
    List<Unit> unitsToActOn() {
        if (noUnitsGiven()) {
            return null;
        }
        List<Unit> found = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (String a : args) {
            String name = mangle(a);
            if (seen.add(name)) {
                unit(name).ifPresent(found::add);
            }
        }
        if (found.isEmpty()) {
            root.err.println("Units not found in registry");
            return null;
        }
        return found;
    }

    /** Sets the desired state of units whose desired state differs; returns those units. */
    List<Unit> setTargetState(List<Unit> units, String state) {
        List<Unit> triggered = new ArrayList<>();
        for (Unit u : units) {
            if (state.equals(u.desiredState())) {
                if (root.debug) {
                    root.err.println("DEBUG Unit(" + u.name() + ") already " + state + ", skipping.");
                }
                continue;
            }
            setDesiredState(u.name(), state);
            triggered.add(u);
        }
        return triggered;
    }

    /**
     * Says "Triggered ..." for each triggered unit that is not waited for (a global one, or every one under
     * --no-block, {@code block} &lt; 0) and returns the names of the others, in order.
     */
    List<String> toWaitFor(List<Unit> triggered, String verb, int block) {
        List<String> wait = new ArrayList<>();
        for (Unit u : triggered) {
            String name = u.name();
            if (Tables.isGlobal(u)) {
                root.out.println("Triggered global unit " + name + " " + verb);
            } else if (block < 0) {
                root.out.println("Triggered unit " + name + " " + verb);
            } else {
                wait.add(name);
            }
        }
        return wait;
    }

    /** Waits until every named unit reports {@code state}: see {@link StateWait}. Returns the exit code. */
    int waitFor(List<String> names, String state, int attempts) {
        return new StateWait(this, names, state, attempts).run();
    }
}
