package dev.fleet.engine;

import dev.fleet.engine.ClusterSnapshot.Unit;
import dev.fleet.engine.ClusterState.Slot;
import dev.fleet.engine.Eligibility.Stage;
import dev.fleet.engine.Eligibility.Verdict;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * fleet's engine reconciliation as a pure, deterministic function of a snapshot: an unschedule
 * pass over scheduled units, then a least-loaded schedule pass over unscheduled ones, both in unit-name order
 * (fleet used map order) on an in-memory state updated after every decision, so a batch spreads.
 *
 * <p>Where fleet needed another reconcile tick to settle (a MachineOf follower whose peer just moved, a unit
 * displaced by Replaces onto a machine it cannot run on), the two passes repeat within the plan until nothing
 * changes, at most {@link #MAX_ROUNDS} times; the plan reports only the net moves.
 *
 * <p>A unit scheduled to an awaited machine ({@link ClusterSnapshot#awaited()}) that is not inactive is held: it
 * gets no decision, keeps its target, and counts on no live machine.
 */
public final class Placement {
    /** Bounds pathological Replaces cycles; MachineOf chains settle in about one round per link. */
    static final int MAX_ROUNDS = 8;

    private final ClusterState st;
    private final List<Decision> log = new ArrayList<>();
    /** Unit -> {@link ClusterState#removals()} when it last fitted nowhere. */
    private final Map<String, Integer> failedAt = new HashMap<>();

    private Placement(ClusterSnapshot s) {
        this.st = new ClusterState(s);
    }

    public static Plan plan(ClusterSnapshot s) {
        return new Placement(s).run();
    }

    private Plan run() {
        for (int round = 0; round < MAX_ROUNDS; round++) {
            int before = log.size();
            unschedulePass(round == 0);
            schedulePass();
            if (log.size() == before) {
                break;
            }
        }
        List<Decision> decisions = netChanges(st.targets());
        Map<String, String> scheduled = new HashMap<>();
        for (Unit u : st.units.values()) {
            if (wantsMachine(u) && st.slotOf(u.name()) == null) {
                decisions.add(new Decision.Unplaceable(u.name(), UnplaceableReason.explain(st, u)));
            }
            if (!ClusterState.isGlobal(u) && u.target() != null) {
                scheduled.put(u.name(), u.target());
            }
        }
        return new Plan(scheduled, decisions);
    }

    /** Non-global, not inactive, and not kept on an awaited machine: the passes look for a machine for it. */
    private boolean wantsMachine(Unit u) {
        return !ClusterState.isGlobal(u) && ClusterState.active(u) && !st.held(u);
    }

    /** fleet's first pass; units of inactive or vanished targets never entered the state. */
    private void unschedulePass(boolean first) {
        for (Unit u : st.units.values()) {
            if (ClusterState.isGlobal(u)) {
                continue;
            }
            if (first && u.target() != null && !ClusterState.active(u)) {
                log.add(new Decision.Unschedule(u.name(), u.target(), "target state inactive"));
            } else if (st.held(u)) {
                continue; // its machine is awaited: no decision about it in this plan
            } else if (first && u.target() != null && !st.slots.containsKey(u.target())) {
                log.add(new Decision.Unschedule(u.name(), u.target(), "target machine " + u.target() + " went away"));
            } else if (st.slotOf(u.name()) != null) {
                recheck(u, st.slotOf(u.name()));
            }
        }
    }

    private void recheck(Unit u, Slot slot) {
        Verdict v = Eligibility.check(st, u, slot);
        if (v.ok()) {
            return; // a unit it replaces there is moved when that unit's own turn comes (REPLACED below)
        }
        if (v.failed() == Stage.REPLACED) {
            displace(u.name(), slot, v.why());
        } else {
            st.remove(u.name());
            log.add(new Decision.Unschedule(u.name(), slot.id, v.why()));
        }
    }

    private void schedulePass() {
        for (Unit u : st.units.values()) {
            if (!wantsMachine(u) || st.slotOf(u.name()) != null || stillHopeless(u)) {
                continue;
            }
            Slot chosen = null;
            Verdict verdict = null;
            for (Slot slot : st.candidates(u)) { // least loaded first; the loads change only after the loop
                verdict = Eligibility.check(st, u, slot);
                if (verdict.ok()) {
                    chosen = slot;
                    break;
                }
            }
            if (chosen == null) {
                failedAt.put(u.name(), st.removals());
            } else {
                Slot to = chosen;
                st.place(u.name(), to);
                log.add(new Decision.Schedule(u.name(), to.id,
                        "target state " + u.desired().wire() + " and unit not scheduled"));
                verdict.displaces().forEach(e -> displace(e, to, "replaced by " + u.name()));
            }
        }
    }

    /**
     * Placing units only adds conflicts, so a unit that fitted nowhere still fits nowhere unless some unit left
     * a machine since, or it waits for a MachineOf peer (cheap to ask: one candidate at most).
     */
    private boolean stillHopeless(Unit u) {
        Integer at = failedAt.get(u.name());
        return at != null && at == st.removals() && u.requirements().machineOf().isEmpty();
    }

    /**
     * Replaces: the replaced unit goes to the least-loaded other machine it can run on. fleet moved it
     * unchecked, which could land it next to a unit it conflicts with and evict a healthy one; with no such
     * machine it stays unscheduled and the schedule pass gives the reason.
     */
    private void displace(String unit, Slot from, String why) {
        st.remove(unit);
        log.add(new Decision.Unschedule(unit, from.id, why));
        Unit u = st.units.get(unit);
        for (Slot to : st.candidates(u)) {
            if (to != from && Eligibility.check(st, u, to).ok()) {
                st.place(unit, to);
                log.add(new Decision.Schedule(unit, to.id, "moved off " + from.id + ": " + why));
                return;
            }
        }
    }

    /**
     * Collapses the log to what the store must change: per unit, the first Unschedule from its stored target
     * and the last Schedule to its final one, unless both are the same machine.
     */
    private List<Decision> netChanges(Map<String, String> finalTargets) {
        Map<String, Integer> firstUnschedule = new HashMap<>();
        Map<String, Integer> lastSchedule = new HashMap<>();
        for (int i = 0; i < log.size(); i++) {
            Decision d = log.get(i);
            if (d instanceof Decision.Schedule) {
                lastSchedule.put(d.unit(), i);
            } else {
                firstUnschedule.putIfAbsent(d.unit(), i);
            }
        }
        List<Decision> out = new ArrayList<>();
        for (int i = 0; i < log.size(); i++) {
            Decision d = log.get(i);
            String stored = st.units.get(d.unit()).target();
            String now = finalTargets.get(d.unit());
            if (Objects.equals(stored, now)) {
                continue;
            }
            boolean keep = d instanceof Decision.Schedule
                    ? now != null && lastSchedule.get(d.unit()) == i
                    : stored != null && firstUnschedule.get(d.unit()) == i;
            if (keep) {
                out.add(d);
            }
        }
        return out;
    }
}
