package dev.fleet.engine;

import dev.fleet.registry.EngineWrites;
import dev.fleet.registry.Machine;
import dev.fleet.registry.Registry;
import dev.fleet.registry.UnitRecord;

import java.util.ArrayList;
import java.util.List;
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

    private long fenceIndex = -1;
    private long fenceTerm = -1;
    private long passes;

    public Engine(Registry registry, String owner, BooleanSupplier isLeader, LongSupplier term, EngineMetrics metrics) {
        this.registry = registry;
        this.writes = new EngineWrites(registry);
        this.owner = owner;
        this.isLeader = isLeader;
        this.term = term;
        this.metrics = metrics;
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
        java.util.Set<String> live = new java.util.HashSet<>();
        machines.forEach(m -> live.add(m.id()));
        EngineWrites.Applied applied = writes.apply(fenceIndex, units, live, plan.targets(), plan.reasons());
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
                    new Object[]{applied.unitsChanged(), plan.reasons().size(), nanos / 1_000_000});
        }
        PassReport report = new PassReport(true, units.size(), machines.size(), applied.unitsChanged(),
                plan.reasons().size(), commits, applied.conflicted(), nanos);
        metrics.record(report);
        return report;
    }
}
