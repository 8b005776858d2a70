package dev.fleet.engine;

import dev.fleet.registry.EngineWrites;
import dev.fleet.schema.Machine;
import dev.fleet.registry.Registry;
import dev.fleet.registry.UnitRecord;

import java.util.ArrayList;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One engine pass: if this node leads, snapshot the registry, plan with the pure {@link Placement}, and write
 * the decisions fenced by this engine's leadership. Plain Java; the EJB shell only calls {@link #pass()}.
 */
public final class Engine {
    private static final Logger LOG = Logger.getLogger(Engine.class.getName());
    /** Unused bodies are collected every this many passes (and never when nothing changed). */
    private static final int GC_EVERY = 10;

    private final Registry registry;
    private final EngineWrites writes;
    private final String owner;
    private final BooleanSupplier isLeader;
    private final LongSupplier term;
    private final EngineMetrics metrics;

    /**
     * How long a new leader keeps units on machines it has not yet seen alive (fleet's default agent TTL). After a
     * control-plane outage every presence has expired on the store's clock, though the machines kept running their
     * units; they register again within their TTL. Without this grace the first pass would unschedule everything and
     * restart it elsewhere (fleet #1289). A machine this leader has seen and then lost moves at once, as before.
     */
    public static final Duration UNSEEN_MACHINE_GRACE = Duration.ofSeconds(
            Long.getLong("fleet.engine.unseenMachineGraceSeconds", 30));

    /** A machine counts as seen alive by a new leader only from this long after it took over (see pass()). */
    static final Duration SEEN_AFTER = Duration.ofSeconds(3);

    private long fenceIndex = -1;
    private long fenceTerm = -1;
    private long passes;
    private final LongSupplier nanoClock;
    private final Duration grace;
    private long leaderSinceNanos;
    private final Set<String> seenLive = new HashSet<>();

    public Engine(Registry registry, String owner, BooleanSupplier isLeader, LongSupplier term, EngineMetrics metrics) {
        this(registry, owner, isLeader, term, metrics, System::nanoTime, UNSEEN_MACHINE_GRACE);
    }

    public Engine(Registry registry, String owner, BooleanSupplier isLeader, LongSupplier term, EngineMetrics metrics,
                  LongSupplier nanoClock, Duration unseenMachineGrace) {
        this.registry = registry;
        this.writes = new EngineWrites(registry);
        this.owner = owner;
        this.isLeader = isLeader;
        this.term = term;
        this.metrics = metrics;
        this.nanoClock = nanoClock;
        this.grace = unseenMachineGrace;
    }

    /**
     * The absent machines a new leader still awaits: targets of units that are neither live nor seen alive by this
     * leader. Units scheduled there keep their place while the grace lasts ({@link ClusterSnapshot#awaited()}). Pure.
     */
    static Set<String> awaitedMachines(List<UnitRecord> units, Set<String> live, Set<String> seenLive) {
        Set<String> awaited = new HashSet<>();
        for (UnitRecord u : units) {
            String t = u.target();
            if (t != null && !live.contains(t) && !seenLive.contains(t)) {
                awaited.add(t);
            }
        }
        return awaited;
    }

    /**
     * The plan's decisions as the registry writes them: per unit, in the order of its first decision, the machine an
     * Unschedule takes it off and the machine a Schedule puts it on. Unplaceable decisions are the plan's reasons. Pure.
     */
    static List<EngineWrites.Move> moves(List<Decision> decisions) {
        Map<String, EngineWrites.Move> byUnit = new LinkedHashMap<>();
        for (Decision d : decisions) {
            EngineWrites.Move before = byUnit.get(d.unit());
            if (d instanceof Decision.Unschedule u) {
                if (before != null) {
                    throw new IllegalArgumentException("a plan unschedules " + u.unit() + " after deciding " + before);
                }
                byUnit.put(u.unit(), new EngineWrites.Move(u.unit(), u.machine(), null));
            } else if (d instanceof Decision.Schedule s) {
                if (before != null && before.to() != null) {
                    throw new IllegalArgumentException("a plan schedules " + s.unit() + " twice");
                }
                byUnit.put(s.unit(), new EngineWrites.Move(s.unit(), before == null ? null : before.from(), s.machine()));
            }
        }
        return List.copyOf(byUnit.values());
    }

    private ClusterSnapshot snapshot(List<UnitRecord> units, List<Machine> machines, Set<String> awaited) {
        List<ClusterSnapshot.Unit> snapUnits = new ArrayList<>(units.size());
        for (UnitRecord u : units) {
            snapUnits.add(new ClusterSnapshot.Unit(u.name(), registry.requirements(u), u.desired(), u.global() ? null : u.target()));
        }
        List<ClusterSnapshot.Machine> snapMachines = new ArrayList<>(machines.size());
        machines.forEach(m -> snapMachines.add(new ClusterSnapshot.Machine(m.id(), m.metadata())));
        return new ClusterSnapshot(snapMachines, snapUnits, awaited);
    }

    /** What one pass saw and did. {@code leader=false}: it did nothing. */
    public record PassReport(boolean leader, int units, int machines, int moved, int unplaced, int commits,
                             boolean conflicted, long nanos) { }

    /** Runs one pass; never two at once (the caller serialises). */
    public synchronized PassReport pass() {
        long start = System.nanoTime();
        if (!isLeader.getAsBoolean()) {
            if (fenceIndex >= 0) {
                LOG.info("engine on " + owner + ": leadership lost, standing by");
            }
            fenceIndex = -1;
            return new PassReport(false, 0, 0, 0, 0, 0, false, System.nanoTime() - start);
        }
        long t = term.getAsLong();
        if (fenceIndex < 0 || fenceTerm != t) {
            fenceIndex = writes.claimFence(owner, t);
            fenceTerm = t;
            metrics.leaderSince(System.currentTimeMillis());
            leaderSinceNanos = nanoClock.getAsLong();
            seenLive.clear();
            LOG.info("engine on " + owner + ": leadership acquired (term " + t + ", fence index " + fenceIndex + ")");
        }
        List<UnitRecord> units = registry.units();
        List<Machine> machines = registry.machines();
        Set<String> live = new HashSet<>();
        machines.forEach(m -> live.add(m.id()));
        if (nanoClock.getAsLong() - leaderSinceNanos >= SEEN_AFTER.toNanos()) {
            // Not before: right after an outage the presences still look alive until the leader's first clock tick
            // expires them, and a machine "seen" in that instant would then count as lost and have its units moved.
            seenLive.addAll(live);
        }
        Set<String> awaited = nanoClock.getAsLong() - leaderSinceNanos < grace.toNanos()
                ? awaitedMachines(units, live, seenLive) : Set.of();
        if (!awaited.isEmpty()) {
            LOG.fine(() -> "engine: units kept on " + awaited.size() + " machine(s) not seen since leadership was acquired");
        }
        Plan plan = Placement.plan(snapshot(units, machines, awaited));
        Map<String, String> reasons = plan.reasons();
        EngineWrites.Applied applied = writes.apply(fenceIndex, units, live, moves(plan.decisions()), reasons);
        if (applied.conflicted() && !writes.fenceHeld(fenceIndex)) {
            LOG.info("engine on " + owner + ": another engine wrote the fence; re-claiming only while still leader");
            fenceIndex = -1;
        }
        int commits = applied.commits();
        if (++passes % GC_EVERY == 0 && fenceIndex >= 0) {
            int collected = writes.collectBodies(fenceIndex) + writes.collectStates(fenceIndex, live);
            if (collected > 0) {
                commits++;
                LOG.fine(() -> "engine: collected " + collected + " unused unit bodies and states of gone machines");
            }
        }
        long nanos = System.nanoTime() - start;
        if (applied.unitsChanged() > 0) {
            LOG.log(Level.FINE, "engine pass: {0} units moved, {1} unplaced, {2} ms",
                    new Object[]{applied.unitsChanged(), reasons.size(), nanos / 1_000_000});
        }
        PassReport report = new PassReport(true, units.size(), machines.size(), applied.unitsChanged(),
                reasons.size(), commits, applied.conflicted(), nanos);
        metrics.record(report);
        return report;
    }
}
