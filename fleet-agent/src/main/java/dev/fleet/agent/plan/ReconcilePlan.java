package dev.fleet.agent.plan;

import dev.fleet.unit.DesiredState;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * fleet's agent task table, pure: from the desired set and the unit files present on this
 * machine, the ordered tasks of one reconcile pass.
 *
 * <p>Per unit:
 * <ul>
 *   <li>not desired, or desired inactive, but present → Unload;</li>
 *   <li>desired but absent → Load (and Start if desired launched);</li>
 *   <li>present with a different hash → Unload, Load (and Start if desired launched);</li>
 *   <li>cached launched under launch number M, desired launched under a later one N (its desired state went
 *       launched, loaded or inactive, launched again, whether or not this agent saw the step between: fleet's own
 *       {@code fleetctl restart} takes it at once) → Stop, Start: a new run;</li>
 *   <li>cached loaded, desired launched → Start; cached launched, desired loaded → Stop; equal → nothing.
 *       With a cached state systemd's ActiveState is not consulted (as fleet: a launched unit that
 *       crashed is left to systemd's {@code Restart=}, never restarted by the agent);</li>
 *   <li>found on disk after an agent restart (current {@code inactive}), same hash:
 *     <ul>
 *       <li>systemd does not know the unit ({@code activeState == null}, so it is not linked) →
 *           fleet's rows: desired loaded → Load; desired launched → Load, Start;</li>
 *       <li>systemd knows it: <b>assumption</b>: the file is still linked and (if it has
 *           {@code [Install]}) enabled, because the units directory ({@code /run/fleet/units}) and
 *           the runtime links ({@code /run/systemd/system}) both live on {@code /run} and so are
 *           lost together, so no Load is needed. Desired launched and running (active, activating,
 *           reloading) → nothing (improvement over fleet: an agent restart never restarts a
 *           running unit); desired launched and not running → Start; desired loaded and running →
 *           Stop (it may have been left running by an agent that died before stopping it);
 *           desired loaded and not running → nothing.</li>
 *     </ul>
 *   </li>
 * </ul>
 * Tasks are sorted Unload &lt; Load &lt; ReloadUnitFiles &lt; Stop &lt; Start, by unit name within a
 * kind; exactly one ReloadUnitFiles is inserted iff there is some Load or Unload. After a pass that
 * succeeded, the executor records the desired state as the unit's cached state.
 */
public final class ReconcilePlan {

    private static final Comparator<Task> ORDER = Comparator.comparing(Task::kind)
            .thenComparing(t -> t.unitName() == null ? "" : t.unitName());

    private ReconcilePlan() {
    }

    /**
     * @param desired the desired set
     * @param current the unit files present in the units directory, by unit name
     * @return the tasks, in execution order (empty when nothing is to be done)
     */
    public static List<Task> plan(DesiredSet desired, Map<String, CurrentUnit> current) {
        Objects.requireNonNull(desired, "desired");
        Objects.requireNonNull(current, "current");
        Map<String, CurrentUnit> cur = new TreeMap<>();
        current.forEach((k, v) -> cur.put(v.name(), v));
        TreeSet<String> names = new TreeSet<>(desired.byName().keySet());
        names.addAll(cur.keySet());

        List<Task> tasks = new ArrayList<>();
        for (String name : names) {
            unit(name, desired.byName().get(name), cur.get(name), tasks);
        }
        List<String> changed = tasks.stream()
                .filter(t -> t.kind() == Task.Kind.LOAD || t.kind() == Task.Kind.UNLOAD)
                .map(Task::unitName).distinct().sorted().toList();
        if (!changed.isEmpty()) {
            tasks.add(new Task.ReloadUnitFiles("unit files changed: " + String.join(", ", changed)));
        }
        tasks.sort(ORDER); // stable
        return List.copyOf(tasks);
    }

    private static void unit(String name, DesiredUnit d, CurrentUnit c, List<Task> tasks) {
        if (d == null || d.state() == DesiredState.INACTIVE) {
            if (c != null) {
                tasks.add(new Task.Unload(name, d == null ? "unit not scheduled here" : "desired state inactive"));
            }
            return;
        }
        boolean launch = d.state() == DesiredState.LAUNCHED;
        if (c == null) {
            load(d, "unit not loaded here", tasks);
            if (launch) {
                tasks.add(new Task.Start(name, "desired state launched, unit not loaded here", d.launch()));
            }
            return;
        }
        if (!c.hash().equals(d.hash())) {
            tasks.add(new Task.Unload(name, "hash changed from " + shortHash(c.hash()) + " to " + shortHash(d.hash())));
            load(d, "hash changed from " + shortHash(c.hash()) + " to " + shortHash(d.hash()), tasks);
            if (launch) {
                tasks.add(new Task.Start(name, "desired state launched, contents replaced", d.launch()));
            }
            return;
        }
        String wanted = "desired state " + d.state().wire();
        switch (c.state()) {
            case LOADED -> {
                if (launch) {
                    tasks.add(new Task.Start(name, wanted + ", current loaded", d.launch()));
                }
            }
            case LAUNCHED -> {
                if (!launch) {
                    tasks.add(new Task.Stop(name, wanted + ", current launched"));
                } else if (c.launch() > 0 && d.launch() > c.launch()) {
                    String why = "launch " + d.launch() + " desired, running launch " + c.launch() + ": restart";
                    tasks.add(new Task.Stop(name, why));
                    tasks.add(new Task.Start(name, why, d.launch()));
                }
            }
            case INACTIVE -> {
                if (!c.knownToSystemd()) {
                    load(d, wanted + ", current inactive (file on disk, not known to systemd)", tasks);
                    if (launch) {
                        tasks.add(new Task.Start(name, wanted + ", current inactive", d.launch()));
                    }
                } else if (launch && !c.running()) {
                    tasks.add(new Task.Start(name, wanted + ", current inactive, systemd " + c.activeState(), d.launch()));
                } else if (!launch && c.running()) {
                    tasks.add(new Task.Stop(name, wanted + ", current inactive, systemd " + c.activeState()));
                }
            }
        }
    }

    private static void load(DesiredUnit d, String reason, List<Task> tasks) {
        tasks.add(new Task.Load(d.name(), d.contents(), d.enable(), reason));
    }

    private static String shortHash(String hash) {
        return hash.length() > 7 ? hash.substring(0, 7) : hash;
    }
}
