package dev.fleet.agent;

import dev.fleet.agent.systemd.SystemdPort;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * An in-memory systemd for the reconcile logic's unit tests only (claims about systemd itself are
 * tested against real systemd). Records every call in order; linked units become "loaded" after a
 * reload; start/stop complete at once unless told to fail.
 */
final class FakeSystemd implements SystemdPort {
    final List<String> calls = new ArrayList<>();
    final Map<String, UnitState> units = new TreeMap<>();
    final Set<String> linked = new HashSet<>();
    final Set<String> failStop = new HashSet<>();
    final Set<String> refuseStart = new HashSet<>();
    /** Units whose LinkUnitFiles / EnableUnitFiles / DisableUnitFiles fail: a batch holding one fails as a whole, as over D-Bus. */
    final Set<String> failLink = new HashSet<>();
    final Set<String> failEnable = new HashSet<>();
    final Set<String> failDisable = new HashSet<>();
    /** Thrown by LinkUnitFiles when set: something that is not an exception (a bug, an OutOfMemoryError). */
    volatile Error linkError;
    /** When set, StartUnit waits for it: a systemd that never answers. */
    volatile java.util.concurrent.CountDownLatch startGate;
    /** What ListUnitsByNames answers instead of the truth: a snapshot older than the signals already sent. */
    final Map<String, UnitState> staleReads = new TreeMap<>();
    /** Linked units this systemd does not find until a daemon-reload (as systemd before 246). */
    final Set<String> needReloadToFind = new HashSet<>();
    /** Units whose changes this systemd never signals (as the D-Bus adapter for names with too long object paths). */
    final Set<String> noSignals = new HashSet<>();
    private Consumer<UnitState> listener = s -> { };

    @Override
    public boolean signalsFor(String name) {
        return !noSignals.contains(name);
    }

    @Override
    public synchronized void linkUnitFiles(List<Path> files) {
        calls.add("link " + names(files));
        if (linkError != null) {
            throw linkError;
        }
        refuseIfAny("link", names(files), failLink);
        files.forEach(f -> linked.add(f.getFileName().toString()));
    }

    @Override
    public synchronized void enableUnitFiles(List<Path> files) {
        calls.add("enable " + names(files));
        refuseIfAny("enable", names(files), failEnable);
    }

    @Override
    public synchronized void disableUnitFiles(List<String> names) {
        calls.add("disable " + names);
        refuseIfAny("disable", names, failDisable);
        names.forEach(linked::remove);
    }

    @Override
    public synchronized void reload() {
        calls.add("reload");
        needReloadToFind.clear();
        for (String n : linked) {
            units.putIfAbsent(n, state(n, "loaded", "inactive", "dead"));
        }
        units.keySet().removeIf(n -> !linked.contains(n) && !units.get(n).activeState().equals("active"));
    }

    @Override
    public CompletableFuture<String> startUnit(String name) {
        java.util.concurrent.CountDownLatch gate = startGate;
        if (gate != null) {
            try {
                gate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return start(name);
    }

    private synchronized CompletableFuture<String> start(String name) {
        calls.add("start " + name);
        if (needReloadToFind.contains(name)) {
            throw new SystemdException("org.freedesktop.systemd1.NoSuchUnit: Unit " + name + " not found.", null);
        }
        if (refuseStart.contains(name)) {
            throw new SystemdException("Unit " + name + " has a bad unit file setting", null);
        }
        set(state(name, "loaded", "active", "running"));
        return CompletableFuture.completedFuture("done");
    }

    @Override
    public synchronized CompletableFuture<String> stopUnit(String name) {
        calls.add("stop " + name);
        if (failStop.contains(name)) {
            return CompletableFuture.completedFuture("failed");
        }
        if (!units.containsKey(name)) {
            return CompletableFuture.failedFuture(new SystemdException("org.freedesktop.systemd1.NoSuchUnit: Unit " + name + " not loaded.", null));
        }
        set(state(name, "loaded", "inactive", "dead"));
        return CompletableFuture.completedFuture("done");
    }

    @Override
    public synchronized void resetFailedUnit(String name) {
        calls.add("reset-failed " + name);
    }

    @Override
    public synchronized Map<String, UnitState> states(Collection<String> names) {
        Map<String, UnitState> out = new TreeMap<>();
        for (String n : names) {
            out.put(n, staleReads.getOrDefault(n, units.getOrDefault(n, state(n, "not-found", "inactive", "dead"))));
        }
        return out;
    }

    @Override
    public Map<String, String> properties(String name) {
        return Map.of("Id", name);
    }

    @Override
    public synchronized void subscribe(Consumer<UnitState> listener) {
        this.listener = listener;
    }

    @Override
    public String systemState() {
        return "running";
    }

    @Override
    public void close() {
    }

    /** A unit as a previous agent left it running (for restart tests). */
    synchronized void running(String name) {
        linked.add(name);
        units.put(name, state(name, "loaded", "active", "running"));
    }

    synchronized List<String> drainCalls() {
        List<String> c = List.copyOf(calls);
        calls.clear();
        return c;
    }

    private static void refuseIfAny(String call, List<String> names, Set<String> failing) {
        for (String n : names) {
            if (failing.contains(n)) {
                throw new SystemdException("org.freedesktop.systemd1.UnitMasked: " + call + ": Unit file " + n + " is masked.", null);
            }
        }
    }

    private void set(UnitState s) {
        units.put(s.name(), s);
        if (!noSignals.contains(s.name())) {
            listener.accept(s);
        }
    }

    private static UnitState state(String n, String load, String active, String sub) {
        return new UnitState(n, load, active, sub, "", "");
    }

    private static List<String> names(List<Path> files) {
        return files.stream().map(f -> f.getFileName().toString()).toList();
    }
}
