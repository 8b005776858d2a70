package dev.fleet.agent.plan;

import dev.fleet.unit.DesiredState;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
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
 *   <li>cached launched, named for a restart (its stop was taken back before it was carried out, see
 *       {@link #stoppedAndBack}), still desired launched with the same hash → Stop, Start;</li>
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
        return plan(desired, current, Set.of());
    }

    /**
     * As {@link #plan(DesiredSet, Map)}, and each unit named in {@code restart} that this agent launched and that is
     * still desired launched with the same hash is stopped and started again (see {@link #stoppedAndBack}).
     */
    public static List<Task> plan(DesiredSet desired, Map<String, CurrentUnit> current, Set<String> restart) {
        Objects.requireNonNull(desired, "desired");
        Objects.requireNonNull(restart, "restart");
        Objects.requireNonNull(current, "current");
        Map<String, CurrentUnit> cur = new TreeMap<>();
        current.forEach((k, v) -> cur.put(v.name(), v));
        TreeSet<String> names = new TreeSet<>(desired.byName().keySet());
        names.addAll(cur.keySet());

        List<Task> tasks = new ArrayList<>();
        for (String name : names) {
            DesiredUnit d = desired.byName().get(name);
            CurrentUnit c = cur.get(name);
            if (restart.contains(name) && d != null && c != null && d.state() == DesiredState.LAUNCHED
                    && c.state() == DesiredState.LAUNCHED && c.hash().equals(d.hash())) {
                String why = "desired state went loaded and back to launched before the stop was carried out: restart";
                tasks.add(new Task.Stop(name, why));
                tasks.add(new Task.Start(name, why));
            } else {
                unit(name, d, c, tasks);
            }
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

    /**
     * The units a stop was asked for and then taken back before the agent carried it out: launched here (cached),
     * desired loaded in {@code first}, and desired launched again, same hash, in {@code confirmed} (the schedule read
     * again before anything is stopped). The desired state went launched, loaded, launched: what the user asked for is
     * a new run, as fleet's own {@code fleetctl restart} does it (it sets loaded, then launched at once).
     */
    public static Set<String> stoppedAndBack(DesiredSet first, DesiredSet confirmed, Map<String, CurrentUnit> current) {
        Set<String> out = new TreeSet<>();
        for (CurrentUnit c : current.values()) {
            DesiredUnit a = first.byName().get(c.name());
            DesiredUnit b = confirmed.byName().get(c.name());
            if (c.state() == DesiredState.LAUNCHED && a != null && b != null && a.state() == DesiredState.LOADED
                    && b.state() == DesiredState.LAUNCHED && a.hash().equals(c.hash()) && b.hash().equals(c.hash())) {
                out.add(c.name());
            }
        }
        return out;
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
                tasks.add(new Task.Start(name, "desired state launched, unit not loaded here"));
            }
            return;
        }
        if (!c.hash().equals(d.hash())) {
            tasks.add(new Task.Unload(name, "hash changed from " + shortHash(c.hash()) + " to " + shortHash(d.hash())));
            load(d, "hash changed from " + shortHash(c.hash()) + " to " + shortHash(d.hash()), tasks);
            if (launch) {
                tasks.add(new Task.Start(name, "desired state launched, contents replaced"));
            }
            return;
        }
        String wanted = "desired state " + d.state().wire();
        switch (c.state()) {
            case LOADED -> {
                if (launch) {
                    tasks.add(new Task.Start(name, wanted + ", current loaded"));
                }
            }
            case LAUNCHED -> {
                if (!launch) {
                    tasks.add(new Task.Stop(name, wanted + ", current launched"));
                }
            }
            case INACTIVE -> {
                if (!c.knownToSystemd()) {
                    load(d, wanted + ", current inactive (file on disk, not known to systemd)", tasks);
                    if (launch) {
                        tasks.add(new Task.Start(name, wanted + ", current inactive"));
                    }
                } else if (launch && !c.running()) {
                    tasks.add(new Task.Start(name, wanted + ", current inactive, systemd " + c.activeState()));
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
