package dev.fleet.registry;

import dev.fleet.store.Command;
import dev.fleet.store.Command.Condition;
import dev.fleet.store.NodeView;
import dev.fleet.store.Result;
import dev.fleet.store.StoreError;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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
     * Moves units to their new targets (null = unschedule) and records unplaced reasons. {@code units} is the
     * snapshot the decisions were made on. Stops at the first conflicting transaction (conflicted=true): the
     * caller takes a new snapshot and decides again.
     */
    public Applied apply(long fenceIndex, List<UnitRecord> units, Map<String, String> targets, Map<String, String> reasons) {
        Condition fence = new Condition(Keys.ENGINE_LEADER, null, null, fenceIndex);
        int commits = 0;
        int changed = 0;
        List<UnitRecord> moves = new ArrayList<>();
        for (UnitRecord u : units) {
            if (!u.global() && !Objects.equals(u.target(), targets.get(u.name()))) {
                moves.add(u);
            }
        }
        for (int from = 0; from < moves.size(); from += CHUNK) {
            long now = store.now();
            List<Condition> conditions = new ArrayList<>();
            conditions.add(fence);
            List<Command> ops = new ArrayList<>();
            for (UnitRecord u : moves.subList(from, Math.min(moves.size(), from + CHUNK))) {
                UnitRecord moved = u.withTarget(targets.get(u.name()));
                conditions.add(new Condition(Keys.unit(u.name()), null, null, u.index()));
                ops.add(Registry.put(now, Keys.unit(u.name()), moved.encode()));
                if (u.target() != null) {
                    ops.add(Registry.delete(now, Keys.schedule(u.target(), u.name())));
                }
                if (moved.target() != null) {
                    ops.add(Registry.put(now, Keys.schedule(moved.target(), u.name()), moved.scheduleEntry()));
                }
            }
            commits++;
            if (!Registry.ok(store.submit(new Command.Txn(now, conditions, ops)))) {
                return new Applied(changed, 0, 0, commits, true);
            }
            changed += ops.size() > 0 ? Math.min(CHUNK, moves.size() - from) : 0;
        }
        // reasons: only what changed, so a steady state writes nothing
        Map<String, String> current = registry.unplacedReasons();
        List<Command> reasonOps = new ArrayList<>();
        long now = store.now();
        Set<String> unitNames = new HashSet<>();
        units.forEach(u -> unitNames.add(u.name()));
        reasons.forEach((unit, why) -> {
            if (unitNames.contains(unit) && !why.equals(current.get(unit))) {
                reasonOps.add(Registry.put(now, Keys.unplaced(unit), why));
            }
        });
        current.keySet().stream().filter(unit -> !reasons.containsKey(unit))
                .forEach(unit -> reasonOps.add(Registry.delete(now, Keys.unplaced(unit))));
        for (int from = 0; from < reasonOps.size(); from += CHUNK * 2) {
            commits++;
            var chunk = reasonOps.subList(from, Math.min(reasonOps.size(), from + CHUNK * 2));
            if (!Registry.ok(store.submit(new Command.Txn(now, List.of(fence), chunk)))) {
                return new Applied(changed, from, 0, commits, true);
            }
        }
        return new Applied(changed, reasonOps.size(), 0, commits, false);
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
