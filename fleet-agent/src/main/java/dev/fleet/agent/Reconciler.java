package dev.fleet.agent;

import dev.fleet.agent.plan.CurrentUnit;
import dev.fleet.agent.plan.DesiredSet;
import dev.fleet.agent.plan.DesiredUnit;
import dev.fleet.agent.plan.ReconcilePlan;
import dev.fleet.agent.plan.Task;
import dev.fleet.agent.systemd.SystemdPort;
import dev.fleet.agent.systemd.SystemdPort.UnitState;
import dev.fleet.unit.DesiredState;
import dev.fleet.unit.UnitName;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Executes reconcile plans ({@link ReconcilePlan}) against systemd and the units directory, and keeps
 * the agent's cache of what it loaded and launched. Tasks run in the plan's order, by kind:
 * every unload (stops issued together, then — only for the units whose stop succeeded — one
 * DisableUnitFiles, ResetFailedUnit and the file deleted), every load (files written, one
 * LinkUnitFiles, one EnableUnitFiles for units with {@code [Install]}), at most one daemon-reload (only when a
 * linked file replaces one systemd has in memory or something was enabled; see {@link #load}), the
 * stops, the starts.
 *
 * <p>One unit never stops the others: a unit whose name the directory refuses, whose file cannot be written, or whose
 * own D-Bus call fails (a batch LinkUnitFiles/EnableUnitFiles/DisableUnitFiles that fails is retried one unit at a time
 * to find it) is <em>set aside</em> with its reason: its later tasks in the pass are skipped, it is reported failed
 * ({@link StatePublisher#setFailure}), and it is retried with back-off ({@link #RETRY_FIRST} doubling to
 * {@link #RETRY_MAX}), or at once when its schedule entry changes. Only a failing daemon-reload ends a pass.
 */
public final class Reconciler {

    /** How long an unload waits for systemd to stop a unit before it gives up (and keeps the file). */
    static final Duration STOP_TIMEOUT = Duration.ofSeconds(90);
    /** A unit set aside is retried after this, then twice as long each time up to {@link #RETRY_MAX}. */
    static final Duration RETRY_FIRST = Duration.ofSeconds(5);
    static final Duration RETRY_MAX = Duration.ofSeconds(30);

    /**
     * A unit set aside after a failure of its own. {@code entry} is its schedule entry then (hash, state, launch): a
     * different one is retried at once (the user changed something), the same one at {@code retryAt} (nanoTime).
     */
    record SetAside(String reason, String entry, int attempts, long retryAt) {
    }

    private final SystemdPort systemd;
    private final UnitsDirectory dir;
    private final StatePublisher publisher;
    private final Log log;
    private final Map<String, CurrentUnit> current = new TreeMap<>();
    private final Map<String, SetAside> setAside = new TreeMap<>();
    /** The units that failed in the pass under way, with why (their later tasks in the pass are skipped). */
    private final Map<String, String> failedNow = new TreeMap<>();
    /** The result word each failure of the pass under way is reported with. */
    private final Map<String, String> failedResult = new TreeMap<>();
    /** A failure that is not one unit's (daemon-reload): the rest of the pass is not run. */
    private boolean passBroken;
    private final java.util.function.LongSupplier clock;
    private final Duration retryFirst;
    private final Duration retryMax;
    /** This pass linked a file systemd already had in memory, or enabled one: only then is a daemon-reload needed. */
    private boolean reloadNeeded;
    private volatile boolean reloaded;
    /** Set by {@link #purge}: an agent that is leaving loads nothing again (a pass already under way waits, then does nothing). */
    private boolean purged;
    /** Up to 4 StartUnit calls in flight; its threads end when idle (an idle agent keeps its memory small). */
    private final java.util.concurrent.ThreadPoolExecutor startPool = new java.util.concurrent.ThreadPoolExecutor(4, 4,
            5, java.util.concurrent.TimeUnit.SECONDS, new java.util.concurrent.LinkedBlockingQueue<>(), r -> {
                Thread t = new Thread(r, "fleet-agent-start");
                t.setDaemon(true);
                return t;
            });

    {
        startPool.allowCoreThreadTimeOut(true);
    }

    public Reconciler(SystemdPort systemd, UnitsDirectory dir, StatePublisher publisher, Log log) {
        this(systemd, dir, publisher, log, System::nanoTime, RETRY_FIRST, RETRY_MAX);
    }

    /** With a clock (nanoseconds) and back-off bounds of its own (tests). */
    Reconciler(SystemdPort systemd, UnitsDirectory dir, StatePublisher publisher, Log log,
               java.util.function.LongSupplier clock, Duration retryFirst, Duration retryMax) {
        this.clock = clock;
        this.retryFirst = retryFirst;
        this.retryMax = retryMax;
        this.systemd = systemd;
        this.dir = dir;
        this.publisher = publisher;
        this.log = log;
    }

    /** The outcome of one pass: the tasks run (with their reasons) and the first failure, if any. */
    public record Pass(List<Task> tasks, List<String> failures, Map<Task.Kind, Long> millis) {
        public boolean succeeded() {
            return failures.isEmpty();
        }

        /** "unload 3 ms, load 12 ms, reload 310 ms, start 40 ms": where a pass spent its time. */
        public String timings() {
            StringBuilder b = new StringBuilder();
            millis.forEach((k, v) -> b.append(b.length() == 0 ? "" : ", ").append(k.name().toLowerCase(java.util.Locale.ROOT)
                    .replace("_unit_files", "")).append(' ').append(v).append(" ms"));
            return b.toString();
        }
    }

    /**
     * At start-up: the files already in the units directory (an agent restart) become current units
     * "inactive" with systemd's ActiveState, so that the plan does not restart what already runs.
     */
    public synchronized void adopt() {
        Map<String, String> files = dir.scan();
        if (files.isEmpty()) {
            return;
        }
        Map<String, UnitState> states = systemd.states(files.keySet());
        files.forEach((name, hash) -> {
            UnitState s = states.get(name);
            boolean known = s != null && !"not-found".equals(s.loadState());
            current.put(name, CurrentUnit.onDisk(name, hash, known ? s.activeState() : null));
            publisher.track(name, hash);
            if (s != null) {
                publisher.onSystemd(s);
            }
        });
        log.info("found " + files.size() + " unit file(s) in " + dir.dir() + " from a previous run: " + String.join(", ", files.keySet()));
    }

    /** Plans and runs one pass towards {@code desired}. */
    public synchronized Pass reconcile(DesiredSet desired) {
        if (purged) {
            return new Pass(List.of(), List.of(), Map.of());
        }
        long now = clock.getAsLong();
        Set<String> waiting = new java.util.TreeSet<>();
        for (var it = setAside.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (!e.getValue().entry().equals(entryOf(desired.byName().get(e.getKey())))) {
                it.remove(); // its schedule entry changed: planned afresh now
                forgetFailure(e.getKey());
            } else if (now - e.getValue().retryAt() < 0) {
                waiting.add(e.getKey());
            }
        }
        List<Task> tasks = ReconcilePlan.plan(desired, current).stream()
                .filter(t -> t.unitName() == null || !waiting.contains(t.unitName())).toList();
        if (tasks.stream().allMatch(t -> t.kind() == Task.Kind.RELOAD_UNIT_FILES)) {
            tasks = List.of(); // only set-aside units had something to do
        }
        List<String> failures = new ArrayList<>();
        Map<Task.Kind, Long> millis = new java.util.EnumMap<>(Task.Kind.class);
        if (!tasks.isEmpty()) {
            for (Task t : tasks) {
                log.debug("task " + t.kind() + " " + (t.unitName() == null ? "" : t.unitName() + " ") + "(" + t.reason() + ")");
            }
            run(tasks, failures, millis);
            settle(tasks, desired, now);
        }
        pollUnitsWithoutSignals();
        if (!passBroken) {
            // Units found on disk that needed nothing now match what is desired: cache it.
            Set<String> touched = tasks.stream().map(Task::unitName).filter(n -> n != null).collect(Collectors.toSet());
            for (DesiredUnit d : desired.units()) {
                CurrentUnit c = current.get(d.name());
                if (c != null && c.state() == DesiredState.INACTIVE && !touched.contains(d.name()) && !setAside.containsKey(d.name())
                        && d.state() != DesiredState.INACTIVE) {
                    current.put(d.name(), CurrentUnit.cached(d.name(), c.hash(), d.state(), d.launch()));
                    publisher.setLaunched(d.name(), d.state() == DesiredState.LAUNCHED, d.launch());
                }
            }
        }
        return new Pass(tasks, List.copyOf(failures), millis);
    }

    /**
     * Units whose changes systemd's signals cannot bring (a name too long for the D-Bus library's object paths) get their
     * state read at every pass instead: the periodic pass makes that every 5 s.
     */
    private void pollUnitsWithoutSignals() {
        List<String> deaf = current.keySet().stream().filter(n -> !systemd.signalsFor(n)).toList();
        if (!deaf.isEmpty()) {
            try {
                systemd.states(deaf).values().forEach(publisher::onSystemd);
            } catch (RuntimeException e) {
                log.debug("reading the states of " + deaf.size() + " unit(s) without signals failed: " + e.getMessage());
            }
        }
    }

    /** The units set aside now, with why and when they are retried. */
    public synchronized Map<String, SetAside> setAside() {
        return new TreeMap<>(setAside);
    }

    /** A schedule entry as far as retrying goes: what the user can change about it. */
    private static String entryOf(DesiredUnit d) {
        return d == null ? "absent" : d.hash() + "/" + d.state().wire() + "/" + d.launch();
    }

    /** After a pass: units that failed are set aside (logged when the reason is new), units that went through recover. */
    private void settle(List<Task> tasks, DesiredSet desired, long now) {
        failedNow.forEach((name, reason) -> {
            SetAside before = setAside.get(name);
            int attempts = before == null ? 1 : before.attempts() + 1;
            long delay = Math.min(retryMax.toNanos(), retryFirst.toNanos() << Math.min(20, attempts - 1));
            setAside.put(name, new SetAside(reason, entryOf(desired.byName().get(name)), attempts, now + delay));
            String line = "set aside " + UnitsDirectory.printable(name) + ": " + reason + " (the other units go on; retried in "
                    + Duration.ofNanos(delay).toSeconds() + " s)";
            if (before == null || !before.reason().equals(reason)) {
                log.info(line);
            } else {
                log.debug(line);
            }
            String hash = hashOf(desired, name);
            if (hash != null && UnitName.isValid(name)) { // a name the control plane would refuse is never reported
                publisher.setFailure(name, hash, failedResult.getOrDefault(name, "fleet-agent-failed"));
            }
        });
        for (Task t : tasks) {
            String name = t.unitName();
            if (name != null && !failedNow.containsKey(name) && !passBroken && setAside.remove(name) != null) {
                log.info(UnitsDirectory.printable(name) + " recovered");
                forgetFailure(name);
            }
        }
    }

    private String hashOf(DesiredSet desired, String name) {
        DesiredUnit d = desired.byName().get(name);
        if (d != null) {
            return d.hash();
        }
        CurrentUnit c = current.get(name);
        return c == null || !c.hash().matches("[0-9a-f]{40}") ? null : c.hash();
    }

    /** systemd's state is reported again; a unit with no file left (its write failed) is withdrawn. */
    private void forgetFailure(String name) {
        if (current.containsKey(name)) {
            publisher.clearFailure(name);
        } else {
            publisher.untrack(name);
        }
    }

    /** One unit failed in this pass: its later tasks are skipped and it is set aside. */
    private void fail(String name, String result, String reason, List<String> failures) {
        failures.add(reason);
        failedNow.putIfAbsent(name, reason);
        failedResult.putIfAbsent(name, result);
    }

    /** Unloads every unit (stop, disable, reset-failed, delete), repeating until none is left or {@code attempts} run out. */
    public synchronized boolean purge(int attempts) {
        purged = true;
        for (int i = 0; i < attempts && !current.isEmpty(); i++) {
            List<Task> unloads = current.keySet().stream().map(n -> (Task) new Task.Unload(n, "agent shutting down")).toList();
            List<String> failures = new ArrayList<>();
            run(unloads, failures, new java.util.EnumMap<>(Task.Kind.class));
            if (!failures.isEmpty()) {
                log.info("purge: " + String.join("; ", failures));
            }
        }
        return current.isEmpty();
    }

    /** The agent's cache, by unit name (for the state dump and the local API). */
    public synchronized Map<String, CurrentUnit> current() {
        return new TreeMap<>(current);
    }

    private void run(List<Task> tasks, List<String> failures, Map<Task.Kind, Long> millis) {
        reloadNeeded = false;
        reloaded = false;
        passBroken = false;
        failedNow.clear();
        failedResult.clear();
        Map<Task.Kind, List<Task>> byKind = new LinkedHashMap<>();
        for (Task t : tasks) {
            byKind.computeIfAbsent(t.kind(), k -> new ArrayList<>()).add(t);
        }
        for (Map.Entry<Task.Kind, List<Task>> e : byKind.entrySet()) {
            long t0 = System.nanoTime();
            switch (e.getKey()) {
                case UNLOAD -> unload(e.getValue(), failures);
                case LOAD -> load(e.getValue(), failures);
                case RELOAD_UNIT_FILES -> reload(failures);
                case STOP -> stop(e.getValue(), failures);
                case START -> start(e.getValue(), failures);
            }
            millis.put(e.getKey(), (System.nanoTime() - t0) / 1_000_000);
            if (passBroken) {
                return; // systemd did not reload: the unit files are not what the plan assumed, replan next pass
            }
        }
    }

    private void unload(List<Task> tasks, List<String> failures) {
        Map<String, CompletableFuture<String>> stops = new TreeMap<>();
        for (Task t : tasks) {
            publisher.setLaunched(t.unitName(), false);
            stops.put(t.unitName(), stopQuietly(t.unitName()));
        }
        List<String> stopped = new ArrayList<>();
        long deadline = System.nanoTime() + STOP_TIMEOUT.toNanos(); // one wait for the batch: N hung stops take 90 s, not N × 90
        stops.forEach((name, f) -> {
            String result = await(f, deadline);
            if ("done".equals(result) || "not-loaded".equals(result)) {
                stopped.add(name);
            } else {
                fail(name, "fleet-stop-failed", "unload " + name + ": stop " + result + " (its file is kept)", failures);
            }
        });
        if (stopped.isEmpty()) {
            return;
        }
        Map<String, String> notDisabled = oneByOneIfNeeded(stopped, systemd::disableUnitFiles);
        notDisabled.forEach((name, why) -> fail(name, "fleet-disable-failed", "unload " + name + ": DisableUnitFiles: " + why, failures));
        for (String name : stopped) {
            if (notDisabled.containsKey(name)) {
                continue;
            }
            try {
                systemd.resetFailedUnit(name);
                dir.delete(name);
                current.remove(name);
                publisher.untrack(name);
                log.info("unloaded " + name);
            } catch (RuntimeException ex) {
                fail(name, "fleet-unload-failed", "unload " + name + ": " + ex.getMessage(), failures);
            }
        }
    }

    /**
     * {@code call} on all {@code items} at once; if that fails, on each alone, to find the ones systemd refuses (a
     * batch D-Bus call fails as a whole for one bad unit). Returns the items that failed, with why.
     */
    private static <T> Map<T, String> oneByOneIfNeeded(List<T> items, java.util.function.Consumer<List<T>> call) {
        try {
            call.accept(items);
            return Map.of();
        } catch (RuntimeException ex) {
            Map<T, String> bad = new LinkedHashMap<>();
            if (items.size() == 1) {
                bad.put(items.get(0), String.valueOf(ex.getMessage()));
                return bad;
            }
            for (T item : items) {
                try {
                    call.accept(List.of(item));
                } catch (RuntimeException one) {
                    bad.put(item, String.valueOf(one.getMessage()));
                }
            }
            return bad;
        }
    }

    private void load(List<Task> tasks, List<String> failures) {
        Map<Path, Task.Load> written = new LinkedHashMap<>();
        for (Task t : tasks) {
            Task.Load l = (Task.Load) t;
            if (failedNow.containsKey(l.name())) {
                continue; // its unload failed: the old file stays
            }
            try {
                written.put(dir.write(l.name(), l.contents()), l);
            } catch (IllegalArgumentException ex) {
                fail(l.name(), "fleet-name-refused", "load " + UnitsDirectory.printable(l.name()) + ": " + ex.getMessage(), failures);
            } catch (RuntimeException ex) {
                fail(l.name(), "fleet-write-failed", "load " + l.name() + ": " + ex.getMessage()
                        + (ex.getCause() == null ? "" : " (" + ex.getCause() + ")"), failures);
            }
        }
        if (written.isEmpty()) {
            return;
        }
        List<Path> files = new ArrayList<>(written.keySet());
        List<String> names = written.values().stream().map(Task.Load::name).toList();
        // systemd (>= 246) loads a unit it has never loaded straight from disk when it is first used, so linking new
        // units needs no daemon-reload; a unit it has in memory (a replaced file) or an [Install] link does.
        boolean anyEnable = written.values().stream().anyMatch(Task.Load::enable);
        if (anyEnable || systemd.states(names).values().stream().anyMatch(st -> !"not-found".equals(st.loadState()))) {
            reloadNeeded = true;
        }
        Map<Path, String> notLinked = oneByOneIfNeeded(files, systemd::linkUnitFiles);
        List<Path> enable = files.stream().filter(f -> written.get(f).enable() && !notLinked.containsKey(f)).toList();
        Map<Path, String> notEnabled = enable.isEmpty() ? Map.of() : oneByOneIfNeeded(enable, systemd::enableUnitFiles);
        notLinked.forEach((f, why) -> fail(written.get(f).name(), "fleet-link-failed", "load " + written.get(f).name()
                + ": LinkUnitFiles: " + why, failures));
        notEnabled.forEach((f, why) -> fail(written.get(f).name(), "fleet-enable-failed", "load " + written.get(f).name()
                + ": EnableUnitFiles: " + why, failures));
        // The files are on disk either way: track them, so a failed link is retried (as inactive, unknown to systemd).
        written.forEach((f, l) -> {
            boolean ok = !notLinked.containsKey(f) && !notEnabled.containsKey(f);
            current.put(l.name(), ok ? CurrentUnit.cached(l.name(), l.hash(), DesiredState.LOADED)
                    : CurrentUnit.onDisk(l.name(), l.hash(), null));
            publisher.track(l.name(), l.hash());
            if (ok) {
                log.info("loaded " + l.name() + " (" + l.hash().substring(0, 7) + ")");
            }
        });
    }

    private void reload(List<String> failures) {
        if (reloadNeeded) {
            try {
                systemd.reload();
                reloaded = true;
            } catch (RuntimeException ex) {
                failures.add("daemon-reload: " + ex.getMessage());
                passBroken = true;
                return;
            }
        }
        // Newly linked units send no signal until they change: read their state once (the others' come by signal).
        Set<String> names = current.keySet();
        if (!names.isEmpty()) {
            systemd.states(names).values().forEach(publisher::onSystemdRead);
        }
    }

    private void stop(List<Task> tasks, List<String> failures) {
        Map<String, CompletableFuture<String>> stops = new TreeMap<>();
        for (Task t : tasks) {
            if (failedNow.containsKey(t.unitName())) {
                continue;
            }
            publisher.setLaunched(t.unitName(), false);
            stops.put(t.unitName(), stopQuietly(t.unitName()));
        }
        long deadline = System.nanoTime() + STOP_TIMEOUT.toNanos(); // one wait for the batch: N hung stops take 90 s, not N × 90
        stops.forEach((name, f) -> {
            String result = await(f, deadline);
            if ("done".equals(result) || "not-loaded".equals(result)) {
                CurrentUnit c = current.get(name);
                current.put(name, CurrentUnit.cached(name, c.hash(), DesiredState.LOADED));
                log.info("stopped " + name);
            } else {
                // still launched as far as the cache goes: the stop is retried when the unit's back-off ends
                fail(name, "fleet-stop-failed", "stop " + name + ": " + result, failures);
            }
        });
    }

    private void start(List<Task> tasks, List<String> failures) {
        // StartUnit calls overlap (a few in flight): systemd queues the jobs, and a pass of many starts is not a
        // sequence of round trips (measured on this VM: 110-170 starts/s from one thread, 200-240/s from several)
        Map<String, java.util.concurrent.Future<?>> calls = new TreeMap<>();
        Map<String, Long> launches = new TreeMap<>();
        for (Task t : tasks) {
            String name = t.unitName();
            if (failedNow.containsKey(name) || !current.containsKey(name)) {
                continue; // its load or stop failed in this pass
            }
            launches.put(name, ((Task.Start) t).launch());
            publisher.setLaunched(name, true, ((Task.Start) t).launch());
            calls.put(name, startPool.submit(() -> startOrReloadAndStart(name).whenComplete((result, ex) -> {
                if (ex != null || !"done".equals(result)) {
                    log.info("start " + name + ": job " + (ex != null ? ex.getMessage() : result));
                }
            })));
        }
        calls.forEach((name, f) -> {
            try {
                f.get();
                current.put(name, CurrentUnit.cached(name, current.get(name).hash(), DesiredState.LAUNCHED,
                        launches.get(name)));
                log.info("started " + name);
            } catch (java.util.concurrent.ExecutionException ex) {
                // systemd refused the job (a masked unit, a bad unit file): the unit stays "loaded", retried after its back-off
                fail(name, "fleet-start-refused", "start " + name + ": " + ex.getCause().getMessage(), failures);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                failures.add("start " + name + ": interrupted");
            }
        });
    }

    /**
     * StartUnit; if systemd does not find a unit this pass linked without a daemon-reload (a systemd older than 246, or a
     * stale "not found" entry), one reload for the pass, then the start again.
     */
    private CompletableFuture<String> startOrReloadAndStart(String name) {
        try {
            return systemd.startUnit(name);
        } catch (RuntimeException ex) {
            if (!notLoaded(ex)) {
                throw ex;
            }
            synchronized (startPool) {
                if (!reloaded) {
                    log.info("systemd did not find " + name + " without a daemon-reload: reloading");
                    systemd.reload();
                    reloaded = true;
                }
            }
            return systemd.startUnit(name);
        }
    }

    /** StopUnit; a unit systemd does not know counts as stopped ("not-loaded"). */
    private CompletableFuture<String> stopQuietly(String name) {
        try {
            return systemd.stopUnit(name).exceptionally(ex -> notLoaded(ex) ? "not-loaded" : "error: " + ex.getMessage());
        } catch (RuntimeException ex) {
            return CompletableFuture.completedFuture(notLoaded(ex) ? "not-loaded" : "error: " + ex.getMessage());
        }
    }

    private static boolean notLoaded(Throwable ex) {
        String m = String.valueOf(ex.getMessage());
        return m.contains("NoSuchUnit") || m.contains("not loaded") || m.contains("not found");
    }

    private static String await(CompletableFuture<String> f, long deadline) {
        try {
            return f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            return "timeout after " + STOP_TIMEOUT.toSeconds() + " s";
        } catch (java.util.concurrent.ExecutionException e) {
            return "error: " + e.getCause().getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }
}
