package dev.fleet.engine;

import dev.fleet.registry.EngineWrites;
import dev.fleet.registry.Machine;
import dev.fleet.registry.Registry;
import dev.fleet.registry.UnitRecord;

import java.util.ArrayList;
import java.time.Duration;
import java.util.HashMap;
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
     * The units to keep where they are: scheduled (not global, not inactive) to a machine that is absent and that this
     * leader has not seen alive. Pure.
     */
    static Map<String, String> heldOnUnseenMachines(List<UnitRecord> units, Set<String> live, Set<String> seenLive) {
        Map<String, String> held = new HashMap<>();
        for (UnitRecord u : units) {
            String t = u.target();
            if (t != null && !u.global() && u.desired() != dev.fleet.unit.DesiredState.INACTIVE
                    && !live.contains(t) && !seenLive.contains(t)) {
                held.put(u.name(), t);
            }
        }
        return held;
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
        List<ClusterSnapshot.Unit> snapUnits = new ArrayList<>(units.size());
        for (UnitRecord u : units) {
            snapUnits.add(new ClusterSnapshot.Unit(u.name(), registry.requirements(u), u.desired(), u.global() ? null : u.target()));
        }
        List<ClusterSnapshot.Machine> snapMachines = new ArrayList<>(machines.size());
        machines.forEach(m -> snapMachines.add(new ClusterSnapshot.Machine(m.id(), m.metadata())));
        Plan plan = Placement.plan(new ClusterSnapshot(snapMachines, snapUnits));
        Set<String> live = new HashSet<>();
        machines.forEach(m -> live.add(m.id()));
        if (nanoClock.getAsLong() - leaderSinceNanos >= SEEN_AFTER.toNanos()) {
            // Not before: right after an outage the presences still look alive until the leader's first clock tick
            // expires them, and a machine "seen" in that instant would then count as lost and have its units moved.
            seenLive.addAll(live);
        }
        Map<String, String> targets = plan.targets();
        Map<String, String> reasons = plan.reasons();
        if (nanoClock.getAsLong() - leaderSinceNanos < grace.toNanos()) {
            Map<String, String> held = heldOnUnseenMachines(units, live, seenLive);
            if (!held.isEmpty()) {
                targets = new HashMap<>(targets);
                targets.putAll(held);
                reasons = new LinkedHashMap<>(reasons);
                reasons.keySet().removeAll(held.keySet());
                LOG.fine(() -> "engine: " + held.size() + " unit(s) kept on machines not seen since leadership was acquired");
            }
        }
        EngineWrites.Applied applied = writes.apply(fenceIndex, units, live, targets, reasons);
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
