package dev.fleet.registry;

import dev.fleet.schema.Codec;
import dev.fleet.schema.Machine;
import dev.fleet.schema.Presence;
import dev.fleet.schema.UnitState;
import dev.fleet.store.Command;
import dev.fleet.store.Command.Condition;
import dev.fleet.store.NodeView;
import dev.fleet.store.Result;
import dev.fleet.store.StoreError;
import dev.fleet.store.WatchStart;
import dev.fleet.unit.DesiredState;
import dev.fleet.unit.Requirements;
import dev.fleet.unit.UnitFile;
import dev.fleet.unit.UnitName;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongConsumer;

/**
 * Typed views and atomic changes of fleet's state over the replicated store. Every change that belongs
 * together (a unit with its body, schedule entry and global mirror) is one transaction, conditional on what
 * was read, and retried on contention — so nothing is ever half-applied. See docs/registry.md.
 */
public final class Registry {
    /** Concurrent writers to the same unit retry this often before giving up. */
    private static final int ATTEMPTS = 20;

    private final StorePort store;
    /** Requirements depend on the name (specifiers) and the body; bodies are immutable per hash. */
    private final Map<String, Requirements> requirementsCache = new ConcurrentHashMap<>();
    private final Map<String, UnitFile> bodyCache = new ConcurrentHashMap<>();
    /** Presence values change only on (re)registration; engine passes read every machine every second. */
    private final Map<String, Presence> machineCache = new ConcurrentHashMap<>();

    /** Most units and live machines (README, Limits); a new one past them is refused, existing ones stay writable. */
    private final int maxUnits;
    private final int maxMachines;

    public Registry(StorePort store) {
        this(store, Integer.MAX_VALUE, Integer.MAX_VALUE);
    }

    public Registry(StorePort store, int maxUnits, int maxMachines) {
        this.store = store;
        this.maxUnits = maxUnits;
        this.maxMachines = maxMachines;
    }

    public StorePort store() {
        return store;
    }

    // ------------------------------------------------------------------ units

    public Optional<UnitRecord> unit(String name) {
        return node(Keys.unit(name)).map(n -> UnitRecord.decode(name, n.value(), n.modifiedIndex()));
    }

    /** Every unit, sorted by name. */
    public List<UnitRecord> units() {
        List<UnitRecord> out = new ArrayList<>();
        for (NodeView n : children(Keys.UNITS)) {
            out.add(UnitRecord.decode(Keys.leaf(n.key()), n.value(), n.modifiedIndex()));
        }
        return out;
    }

    /** One page of units in name order, and how many units there are in all. */
    public record UnitPage(List<UnitRecord> units, int total) { }

    public UnitPage units(int offset, int limit) {
        var slice = store.slice(Keys.UNITS, offset, limit);
        List<UnitRecord> out = new ArrayList<>(slice.nodes().size());
        for (NodeView n : slice.nodes()) {
            out.add(UnitRecord.decode(Keys.leaf(n.key()), n.value(), n.modifiedIndex()));
        }
        return new UnitPage(out, slice.total());
    }

    /** One page of live machines in ID order (merged metadata), and how many there are in all. */
    public record MachinePage(List<Machine> machines, int total) { }

    public MachinePage machines(int offset, int limit) {
        var slice = store.slice(Keys.MACHINES, offset, limit);
        List<Machine> out = new ArrayList<>(slice.nodes().size());
        for (NodeView n : slice.nodes()) {
            Presence m = decodeMachine(n.value());
            out.add(new Machine(m.id(), m.publicIP(), metadataOf(m)));
        }
        return new MachinePage(out, slice.total());
    }

    public Optional<UnitFile> body(String hash) {
        UnitFile cached = bodyCache.get(hash);
        if (cached != null) {
            return Optional.of(cached);
        }
        Optional<UnitFile> f = node(Keys.body(hash)).map(n -> Bodies.decode(n.value()));
        f.ifPresent(file -> {
            if (bodyCache.size() > 50_000) {
                bodyCache.clear();
            }
            bodyCache.put(hash, file);
        });
        return f;
    }

    /** The unit's [X-Fleet] requirements (cached: a body never changes under its hash). */
    public Requirements requirements(UnitRecord u) {
        String key = u.name() + "\n" + u.hash();
        Requirements r = requirementsCache.get(key);
        if (r == null) {
            r = body(u.hash()).map(f -> Requirements.of(u.name(), f)).orElse(Requirements.NONE);
            if (requirementsCache.size() > 100_000) {
                requirementsCache.clear();
            }
            requirementsCache.put(key, r);
        }
        return r;
    }

    /** Why each unit that wants to run has no machine, as the engine last decided. */
    public Map<String, String> unplacedReasons() {
        Map<String, String> out = new TreeMap<>();
        for (NodeView n : children(Keys.UNPLACED)) {
            out.put(Keys.leaf(n.key()), n.value());
        }
        return out;
    }

    public Optional<String> unplacedReason(String unit) {
        return node(Keys.unplaced(unit)).map(NodeView::value);
    }

    /**
     * Creates, replaces or updates a unit per fleet's PUT decision table. {@code contents} null = the request
     * carried no options; {@code desired} null = no desired state. Name and options are checked here too (UnitValidation), whoever calls.
     */
    public PutOutcome putUnit(String name, UnitFile contents, DesiredState desired) {
        // the one rule of fleet-model, here too: whatever reaches the store, every agent can write, link and start
        Optional<String> bad = dev.fleet.unit.UnitValidation.nameError(name)
                .or(() -> contents == null ? Optional.empty() : dev.fleet.unit.UnitValidation.optionsError(contents.options()));
        if (bad.isPresent()) {
            return new PutOutcome.Refused(400, bad.get());
        }
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            Optional<UnitRecord> existing = unit(name);
            List<Condition> conditions = new ArrayList<>();
            List<Command> ops = new ArrayList<>();
            long now = store.now();
            PutOutcome outcome;
            if (existing.isEmpty() || (contents != null && !contents.hash().equals(existing.get().hash()))) {
                if (contents == null) {
                    return new PutOutcome.Refused(409, "unit does not exist and options field empty");
                }
                DesiredState d = desired == null ? DesiredState.INACTIVE : desired;
                if (UnitName.isTemplate(name) && d != DesiredState.INACTIVE) {
                    return new PutOutcome.Refused(400, "cannot activate template \"" + name + "\"");
                }
                // checked before proposing: concurrent creates may pass it by a few, never by a request's worth
                if (existing.isEmpty() && store.slice(Keys.UNITS, 0, 0).total() >= maxUnits) {
                    return new PutOutcome.Refused(400, "too many units: the cluster has its limit of " + maxUnits
                            + " (limit_units); destroy one first");
                }
                boolean global = Requirements.of(name, contents).global();
                UnitRecord old = existing.orElse(null);
                // a replaced unit keeps its machine (an in-place update); the engine moves it if it no longer fits
                String target = global || old == null ? null : old.target();
                UnitRecord rec = old == null ? UnitRecord.created(name, contents.hash(), d, null, global)
                        : old.replaced(contents.hash(), d, target, global);
                ops.add(put(now, Keys.body(rec.hash()), Bodies.encode(contents)));
                conditions.add(UnitWrites.unchanged(name, old));
                ops.addAll(UnitWrites.ops(now, old, rec));
                outcome = new PutOutcome.Created(old != null);
            } else {
                UnitRecord old = existing.get();
                if (desired == null) {
                    return new PutOutcome.Refused(409, "must provide DesiredState to update existing unit");
                }
                if (UnitName.isTemplate(name) && desired != DesiredState.INACTIVE) {
                    return new PutOutcome.Refused(400, "cannot activate template \"" + name + "\"");
                }
                conditions.add(UnitWrites.unchanged(name, old));
                ops.addAll(UnitWrites.ops(now, old, old.withDesired(desired)));
                outcome = new PutOutcome.Updated();
            }
            if (ok(store.submit(new Command.Txn(now, conditions, ops)))) {
                return outcome;
            }
        }
        throw new RegistryException("unit " + name + " is changing too fast to update; try again");
    }

    /** Destroys a unit with its schedule entry, global mirror and unplaced reason, atomically. False if absent. */
    public boolean destroy(String name) {
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            Optional<UnitRecord> existing = unit(name);
            if (existing.isEmpty()) {
                return false;
            }
            UnitRecord u = existing.get();
            long now = store.now();
            List<Command> ops = new ArrayList<>(UnitWrites.ops(now, u, null));
            if (unplacedReason(name).isPresent()) {
                ops.add(delete(now, Keys.unplaced(name)));
            }
            if (ok(store.submit(new Command.Txn(now, List.of(UnitWrites.unchanged(name, u)), ops)))) {
                return true;
            }
        }
        throw new RegistryException("unit " + name + " is changing too fast to destroy; try again");
    }

    // ------------------------------------------------------------------ machines

    /** Live machines, sorted by ID, with static metadata merged with the dynamic keys. */
    public List<Machine> machines() {
        Map<String, Map<String, String>> dynamic = dynamicMetadata();
        List<Machine> out = new ArrayList<>();
        for (NodeView n : children(Keys.MACHINES)) {
            Presence m = decodeMachine(n.value());
            out.add(new Machine(m.id(), m.publicIP(), merge(m.metadata(), dynamic.get(m.id()))));
        }
        return out;
    }

    private Presence decodeMachine(String value) {
        Presence m = machineCache.get(value);
        if (m == null) {
            m = Codec.readStoredPresence(value);
            if (machineCache.size() > 20_000) {
                machineCache.clear();
            }
            machineCache.put(value, m);
        }
        return m;
    }

    public Optional<Presence> machineRecord(String id) {
        return node(Keys.machine(id)).map(n -> Codec.readStoredPresence(n.value()));
    }

    /** Merged metadata of one machine (dynamic keys apply even while it is away). */
    public Map<String, String> metadataOf(String id) {
        return merge(machineRecord(id).map(Presence::metadata).orElse(Map.of()), dynamicMetadata(id));
    }

    private Map<String, String> metadataOf(Presence m) {
        return merge(m.metadata(), dynamicMetadata(m.id()));
    }

    private Map<String, String> dynamicMetadata(String id) {
        Map<String, String> dyn = new TreeMap<>();
        for (NodeView n : children(Keys.metadata(id))) {
            dyn.put(Keys.leaf(n.key()), n.value());
        }
        return dyn;
    }

    private Map<String, Map<String, String>> dynamicMetadata() {
        Map<String, Map<String, String>> out = new TreeMap<>();
        for (NodeView dir : children(Keys.METADATA)) {
            Map<String, String> kv = new TreeMap<>();
            if (dir.nodes() != null) {
                dir.nodes().forEach(n -> kv.put(Keys.leaf(n.key()), n.value()));
            }
            out.put(Keys.leaf(dir.key()), kv);
        }
        return out;
    }

    /** fleet's merge: static metadata, then each dynamic key overrides it, "" deletes it. */
    static Map<String, String> merge(Map<String, String> statik, Map<String, String> dynamic) {
        Map<String, String> out = new TreeMap<>(statik);
        if (dynamic != null) {
            dynamic.forEach((k, v) -> {
                if (v.isEmpty()) {
                    out.remove(k);
                } else {
                    out.put(k, v);
                }
            });
        }
        return out;
    }

    /** One metadata operation of a PATCH: value null = remove (stored as the "" tombstone). */
    public record MetadataChange(String machineId, String key, String value) { }

    /** Applies validated metadata operations in order, atomically. */
    public void patchMetadata(List<MetadataChange> changes) {
        if (changes.isEmpty()) {
            return;
        }
        long now = store.now();
        List<Command> ops = new ArrayList<>();
        for (MetadataChange c : changes) {
            ops.add(put(now, Keys.metadata(c.machineId()) + "/" + c.key(), c.value() == null ? "" : c.value()));
        }
        Result r = store.submit(new Command.Txn(now, List.of(), ops));
        if (!ok(r)) {
            throw new RegistryException("metadata update failed: " + ((StoreError) r).message());
        }
    }

    /** The outcome of an agent's registration or heartbeat. */
    public sealed interface Registration {
        record Registered() implements Registration { }

        record Refreshed() implements Registration { }

        record Refused(String message) implements Registration { }

        /** A new machine past the machines limit; nothing written. */
        record OverLimit(String message) implements Registration { }
    }

    /**
     * Registers a machine, or refreshes its presence if this agent (same session) holds it. A live
     * registration of the same ID by another agent is refused: the first one keeps it until it expires.
     * A refresh with unchanged facts does not wake any watcher.
     */
    public Registration register(Presence m) {
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            Optional<NodeView> current = node(Keys.machine(m.id()));
            long now = store.now();
            String value = Codec.storedPresence(m);
            Command cmd;
            Registration outcome;
            if (current.isEmpty()) {
                if (store.slice(Keys.MACHINES, 0, 0).total() >= maxMachines) {
                    return new Registration.OverLimit("too many machines: the cluster has its limit of " + maxMachines
                            + " (limit_machines) registered");
                }
                cmd = new Command.Put(now, Keys.machine(m.id()), value, false, m.ttlSeconds(), false, null, null, false);
                outcome = new Registration.Registered();
            } else {
                Presence held = Codec.readStoredPresence(current.get().value());
                if (!held.session().equals(m.session())) {
                    return new Registration.Refused("machine " + m.id() + " is already registered by another agent"
                            + (held.publicIP().isEmpty() ? "" : " (" + held.publicIP() + ")")
                            + "; it is refused until that registration expires");
                }
                boolean same = current.get().value().equals(value);
                cmd = new Command.Put(now, Keys.machine(m.id()), same ? null : value, false, m.ttlSeconds(),
                        true, current.get().value(), null, same);
                outcome = new Registration.Refreshed();
            }
            if (ok(store.submit(cmd))) {
                return outcome;
            }
        }
        throw new RegistryException("machine " + m.id() + " registration is contended; try again");
    }

    /**
     * A clean agent shutdown: its presence and its reported states go at once, so the engine moves its
     * units in the next pass instead of waiting for the TTL. False if this session does not hold the ID.
     */
    public boolean deregister(String machineId, String session) {
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            Optional<NodeView> current = node(Keys.machine(machineId));
            if (current.isEmpty() || !Codec.readStoredPresence(current.get().value()).session().equals(session)) {
                return false;
            }
            long now = store.now();
            List<Command> ops = new ArrayList<>();
            ops.add(delete(now, Keys.machine(machineId)));
            if (node(Keys.states(machineId)).isPresent()) {
                ops.add(new Command.Delete(now, Keys.states(machineId), true, true, null, null));
            }
            var cond = new Condition(Keys.machine(machineId), null, current.get().value(), null);
            if (ok(store.submit(new Command.Txn(now, List.of(cond), ops)))) {
                return true;
            }
        }
        throw new RegistryException("machine " + machineId + " deregistration is contended; try again");
    }

    // ------------------------------------------------------------------ schedules (what agents read)

    /** One entry of a machine's schedule (or a global unit, which every agent considers). */
    public record ScheduledUnit(String name, String hash, DesiredState desired, boolean global, UnitFile contents,
                                long launch) { }

    /** A machine's schedule at store index {@code index}, with its merged metadata for global units. */
    public record MachineSchedule(String machineId, long index, List<ScheduledUnit> units, Map<String, String> metadata) { }

    public MachineSchedule schedule(String machineId) {
        long index = store.index();
        List<ScheduledUnit> units = new ArrayList<>();
        for (NodeView n : children(Keys.schedule(machineId))) {
            units.add(scheduled(Keys.leaf(n.key()), n.value(), false));
        }
        for (NodeView n : children(Keys.GLOBAL)) {
            units.add(scheduled(Keys.leaf(n.key()), n.value(), true));
        }
        units.sort(Comparator.comparing(ScheduledUnit::name));
        return new MachineSchedule(machineId, index, units, metadataOf(machineId));
    }

    private ScheduledUnit scheduled(String name, String entry, boolean global) {
        String[] f = entry.split(" ");
        DesiredState d = DesiredState.fromWire(f[1]).orElseThrow();
        return new ScheduledUnit(name, f[0], d, global, body(f[0]).orElse(null), f.length > 2 ? Long.parseLong(f[2]) : 0);
    }

    /**
     * Calls {@code onChange} once, with the store index, when anything this machine's agent acts on changes
     * after {@code afterIndex}: its own schedule, a global unit, or its dynamic metadata. Nothing else wakes
     * it. Returns a handle that cancels the wait.
     */
    public Runnable watchSchedule(String machineId, long afterIndex, LongConsumer onChange) {
        AtomicBoolean fired = new AtomicBoolean();
        List<WatchStart.Watch> pending = new ArrayList<>();
        Runnable cancel = () -> {
            synchronized (pending) {
                pending.forEach(WatchStart.Watch::cancel);
            }
        };
        for (String dir : List.of(Keys.schedule(machineId), Keys.GLOBAL, Keys.metadata(machineId))) {
            WatchStart start = store.watch(dir, true, afterIndex + 1, r -> {
                if (fired.compareAndSet(false, true)) {
                    cancel.run();
                    onChange.accept(r.index());
                }
            });
            if (start instanceof WatchStart.Waiting w) {
                synchronized (pending) {
                    pending.add(w.watch());
                }
            } else if (fired.compareAndSet(false, true)) { // already in history, or history cleared: re-read now
                cancel.run();
                onChange.accept(store.index());
                break;
            }
        }
        if (fired.get()) {
            cancel.run();
        }
        return cancel;
    }

    // ------------------------------------------------------------------ unit states (what agents report)

    /**
     * An agent's report: states to set (with the machine's TTL) and units it no longer holds. Only the
     * agent holding the machine's registration may report for it. False if it does not (re-register).
     */
    public boolean reportStates(String machineId, String session, List<UnitState> set, List<String> removed) {
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            Optional<NodeView> presence = node(Keys.machine(machineId));
            if (presence.isEmpty()) {
                return false;
            }
            Presence m = Codec.readStoredPresence(presence.get().value());
            if (!m.session().equals(session)) {
                return false;
            }
            Map<String, NodeView> existing = new LinkedHashMap<>();
            children(Keys.states(machineId)).forEach(n -> existing.put(Keys.leaf(n.key()), n));
            long now = store.now();
            List<Command> ops = new ArrayList<>();
            for (UnitState s : set) {
                ops.add(new Command.Put(now, Keys.state(machineId, s.name()), Codec.storedState(s), false, m.ttlSeconds(),
                        null, null, null, false));
            }
            for (String name : removed) {
                if (existing.containsKey(name)) {
                    ops.add(delete(now, Keys.state(machineId, name)));
                }
            }
            if (ops.isEmpty()) {
                return true;
            }
            var cond = new Condition(Keys.machine(machineId), null, presence.get().value(), null);
            if (ok(store.submit(new Command.Txn(now, List.of(cond), ops)))) {
                return true;
            }
        }
        throw new RegistryException("machine " + machineId + " state report is contended; try again");
    }

    /**
     * Every reported state of a live machine, sorted by unit name, then machine ID. A machine's states go
     * with its presence (fleet kept showing them until their own TTL ran out).
     */
    public List<UnitState> states() {
        return new ArrayList<>(states((unit, machine) -> true));
    }

    /**
     * The states of {@link #states()} whose unit name and machine ID pass {@code unitAndMachine}, in the same order.
     * Each is decoded only when it is read: a page of the API reads 100 of them, not every state in the cluster
     * (decoding all of them made each page of a 1,000-unit listing cost 7-8 ms).
     */
    public List<UnitState> states(java.util.function.BiPredicate<String, String> unitAndMachine) {
        record Stored(String unit, String machine, String value) {
        }
        List<Stored> out = new ArrayList<>();
        java.util.Set<String> live = new java.util.HashSet<>();
        children(Keys.MACHINES).forEach(n -> live.add(Keys.leaf(n.key())));
        for (NodeView machineDir : children(Keys.STATES)) {
            String machine = Keys.leaf(machineDir.key());
            if (machineDir.nodes() != null && live.contains(machine)) {
                for (NodeView n : machineDir.nodes()) {
                    String unit = Keys.leaf(n.key());
                    if (unitAndMachine.test(unit, machine)) {
                        out.add(new Stored(unit, machine, n.value()));
                    }
                }
            }
        }
        out.sort(Comparator.comparing(Stored::unit).thenComparing(Stored::machine));
        final class Decoding extends java.util.AbstractList<UnitState> implements java.util.RandomAccess {
            @Override
            public UnitState get(int i) {
                Stored s = out.get(i);
                return Codec.readStoredState(s.value(), s.unit(), s.machine());
            }

            @Override
            public int size() {
                return out.size();
            }
        }
        return new Decoding();
    }

    public Optional<UnitState> state(String unit, String machineId) {
        if (node(Keys.machine(machineId)).isEmpty()) {
            return Optional.empty();
        }
        return node(Keys.state(machineId, unit)).map(n -> Codec.readStoredState(n.value(), unit, machineId));
    }

    /**
     * fleet's current state, from the target machine's report: {@code inactive} without a target or without a report
     * from it; {@code launched} once the target reports it has started the unit under the unit's current launch
     * number (a report without one, from an older agent, counts for any); {@code loaded} otherwise: the unit is on
     * the target but not started, or still runs a run from before the latest launch (a restart under way). Null for
     * global units (no single target).
     */
    public String currentState(UnitRecord u) {
        if (u.global()) {
            return null;
        }
        if (u.target() == null) {
            return "inactive";
        }
        return state(u.name(), u.target()).map(s -> s.launched() && (s.launch() == 0 || s.launch() >= u.launch())
                ? "launched" : "loaded").orElse("inactive");
    }

    // ------------------------------------------------------------------ helpers

    Optional<NodeView> node(String key) {
        Result r = store.read(key, false);
        return r instanceof Result.Event e ? Optional.of(e.node()) : Optional.empty();
    }

    /** The children of a directory (recursively listed), or none if it does not exist. */
    List<NodeView> children(String dir) {
        Result r = store.read(dir, true);
        if (r instanceof Result.Event e && e.node().nodes() != null) {
            return e.node().nodes();
        }
        return List.of();
    }

    static boolean ok(Result r) {
        if (r instanceof StoreError e) {
            int c = e.errorCode();
            if (c == StoreError.TEST_FAILED || c == StoreError.NODE_EXIST || c == StoreError.KEY_NOT_FOUND) {
                return false; // lost a race: the caller re-reads and retries
            }
            throw new RegistryException("store refused the change: " + e.message() + " (" + e.cause() + ")");
        }
        return true;
    }

    static Command put(long now, String key, String value) {
        return Command.Put.set(now, key, value);
    }

    static Command delete(long now, String key) {
        return new Command.Delete(now, key, false, false, null, null);
    }
}
