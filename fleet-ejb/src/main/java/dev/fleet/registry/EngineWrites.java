package dev.fleet.registry;

import dev.fleet.store.Command;
import dev.fleet.store.Command.Condition;
import dev.fleet.store.NodeView;
import dev.fleet.store.Result;
import dev.fleet.store.StoreError;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The engine's side of the registry: its fence and its decisions. Every decision is a transaction
 * conditional on the fence key the engine wrote when it became leader, so a deposed engine's decisions
 * fail instead of racing the new one; and on each unit record it read, so a decision never overwrites a
 * change it did not see.
 */
public final class EngineWrites {
    /** Units per transaction: keeps each RAFT entry well under a megabyte. */
    static final int CHUNK = 400;

    private final Registry registry;
    private final StorePort store;

    public EngineWrites(Registry registry) {
        this.registry = registry;
        this.store = registry.store();
    }

    /** Writes the fence; returns its index, which every later decision of this engine is conditional on. */
    public long claimFence(String owner, long term) {
        Result r = store.submit(Command.Put.set(store.now(), Keys.ENGINE_LEADER, owner + " term=" + term));
        if (r instanceof StoreError e) {
            throw new RegistryException("could not write the engine fence: " + e.message());
        }
        return ((Result.Event) r).node().modifiedIndex();
    }

    /** True if the fence at {@code fenceIndex} is still the latest one. */
    public boolean fenceHeld(long fenceIndex) {
        return registry.node(Keys.ENGINE_LEADER).map(n -> n.modifiedIndex() == fenceIndex).orElse(false);
    }

    /** Outcome of writing one pass's decisions. */
    public record Applied(int unitsChanged, int reasonsChanged, int bodiesCollected, int commits, boolean conflicted) { }

    /**
     * One unit's placement decisions, as the engine took them: off machine {@code from} (null: it had none), onto
     * machine {@code to} (null: it stays unscheduled). A unit that moves is one Move, so its old and new schedule
     * entries change in the same transaction.
     */
    public record Move(String unit, String from, String to) {
        public Move {
            Objects.requireNonNull(unit, "unit");
            if (Objects.equals(from, to)) {
                throw new IllegalArgumentException("a move of " + unit + " must change its machine, not keep " + from);
            }
        }
    }

    /**
     * Writes the engine's moves, in their order, and the unplaced reasons (unit name -> why; a stored reason of a
     * unit not in {@code reasons} is deleted). {@code units} is the snapshot the decisions were made on: each move
     * is conditional on its unit's record being unchanged since, and must start from that record's target.
     * {@code liveMachines} (if given) are the machines the decisions saw: a unit taken off a machine that was gone is
     * moved only if that machine is still gone, so a machine that registers again meanwhile never shares a unit with
     * its new machine. Stops at the first conflicting transaction (conflicted=true): the caller takes a new snapshot
     * and decides again.
     */
    public Applied apply(long fenceIndex, List<UnitRecord> units, Set<String> liveMachines, List<Move> moves,
                         Map<String, String> reasons) {
        Condition fence = new Condition(Keys.ENGINE_LEADER, null, null, fenceIndex);
        Map<String, String> current = registry.unplacedReasons();
        Map<String, UnitRecord> byName = new LinkedHashMap<>();
        units.forEach(u -> byName.put(u.name(), u));
        long now = store.now();
        // one change per unit: its move and its reason travel in the same transaction
        List<List<Command>> changes = new ArrayList<>();
        List<Condition> unitConditions = new ArrayList<>();
        Set<Condition> goneConditions = new LinkedHashSet<>();
        Set<String> moved = new HashSet<>();
        for (Move m : moves) {
            UnitRecord u = byName.get(m.unit());
            if (u == null || u.global() || !Objects.equals(u.target(), m.from()) || !moved.add(m.unit())) {
                throw new IllegalArgumentException("move " + m + " does not apply to the snapshot's "
                        + (u == null ? "units" : u) + (moved.contains(m.unit()) ? " (a second move)" : ""));
            }
            if (liveMachines != null && u.target() != null && !liveMachines.contains(u.target())) {
                goneConditions.add(new Condition(Keys.machine(u.target()), false, null, null));
            }
            List<Command> ops = new ArrayList<>(UnitWrites.ops(now, u, u.withTarget(m.to())));
            reasonOp(now, m.unit(), reasons.get(m.unit()), current).ifPresent(ops::add);
            changes.add(ops);
            unitConditions.add(UnitWrites.unchanged(u.name(), u));
        }
        for (UnitRecord u : units) {
            if (!moved.contains(u.name())) {
                reasonOp(now, u.name(), reasons.get(u.name()), current).ifPresent(op -> {
                    changes.add(List.of(op));
                    unitConditions.add(null);
                });
            }
        }
        for (String unit : current.keySet()) { // reasons of units destroyed meanwhile
            if (!byName.containsKey(unit)) {
                changes.add(List.of(Registry.delete(now, Keys.unplaced(unit))));
                unitConditions.add(null);
            }
        }
        List<Command.Txn> txns = new ArrayList<>();
        for (int from = 0; from < changes.size(); from += CHUNK) {
            List<Condition> conditions = new ArrayList<>();
            conditions.add(fence);
            conditions.addAll(goneConditions); // few: the machines lost since the last pass
            List<Command> ops = new ArrayList<>();
            for (int i = from; i < Math.min(changes.size(), from + CHUNK); i++) {
                if (unitConditions.get(i) != null) {
                    conditions.add(unitConditions.get(i));
                }
                ops.addAll(changes.get(i));
            }
            txns.add(new Command.Txn(store.now(), conditions, ops));
        }
        return new Applied(moved.size(), changes.size(), 0, txns.size(), !submitAll(txns));
    }

    /** The write that makes {@code unit}'s stored reason {@code why} (null: none), if it is not that already. */
    private static Optional<Command> reasonOp(long now, String unit, String why, Map<String, String> current) {
        if (why != null && !why.equals(current.get(unit))) {
            return Optional.of(Registry.put(now, Keys.unplaced(unit), why));
        }
        if (why == null && current.containsKey(unit)) {
            return Optional.of(Registry.delete(now, Keys.unplaced(unit)));
        }
        return Optional.empty();
    }

    /** Chunks touch disjoint units, so they are submitted together (pipelined); false if any lost a race. */
    private boolean submitAll(List<Command.Txn> txns) {
        if (txns.size() <= 1) {
            return txns.isEmpty() || Registry.ok(store.submit(txns.get(0)));
        }
        List<java.util.concurrent.CompletableFuture<Boolean>> results = new ArrayList<>();
        for (Command.Txn t : txns) {
            results.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> Registry.ok(store.submit(t)), SUBMITTERS));
        }
        boolean allOk = true;
        for (var f : results) {
            try {
                allOk &= f.join();
            } catch (java.util.concurrent.CompletionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : e;
            }
        }
        return allOk;
    }

    private static final java.util.concurrent.ExecutorService SUBMITTERS = java.util.concurrent.Executors.newFixedThreadPool(4, r -> {
        Thread t = new Thread(r, "fleet-engine-submit");
        t.setDaemon(true);
        return t;
    });

    /** Deletes the reported states of machines that are gone (fleet let them linger for a TTL). */
    public int collectStates(long fenceIndex, Set<String> liveMachines) {
        long now = store.now();
        List<Condition> conditions = new ArrayList<>();
        conditions.add(new Condition(Keys.ENGINE_LEADER, null, null, fenceIndex));
        List<Command> ops = new ArrayList<>();
        for (NodeView dir : registry.children(Keys.STATES)) {
            String machine = Keys.leaf(dir.key());
            if (!liveMachines.contains(machine)) {
                conditions.add(new Condition(Keys.machine(machine), false, null, null));
                ops.add(new Command.Delete(now, dir.key(), true, true, null, null));
            }
        }
        if (ops.isEmpty()) {
            return 0;
        }
        return Registry.ok(store.submit(new Command.Txn(now, conditions, ops))) ? ops.size() : 0;
    }

    /**
     * Deletes unit bodies no unit refers to. Bodies are listed before the units: a unit created after the
     * listing rewrote its body (a PUT always does), so that body's delete condition fails; a unit created
     * before it is seen as a user.
     */
    public int collectBodies(long fenceIndex) {
        List<NodeView> bodies = registry.children(Keys.BODIES);
        Set<String> used = new HashSet<>();
        registry.units().forEach(u -> used.add(u.hash()));
        long now = store.now();
        List<Condition> conditions = new ArrayList<>();
        conditions.add(new Condition(Keys.ENGINE_LEADER, null, null, fenceIndex));
        List<Command> ops = new ArrayList<>();
        for (NodeView body : bodies) {
            if (!used.contains(Keys.leaf(body.key()))) {
                conditions.add(new Condition(body.key(), null, null, body.modifiedIndex()));
                ops.add(Registry.delete(now, body.key()));
            }
        }
        if (ops.isEmpty()) {
            return 0;
        }
        return Registry.ok(store.submit(new Command.Txn(now, conditions, ops))) ? ops.size() : 0;
    }
}
