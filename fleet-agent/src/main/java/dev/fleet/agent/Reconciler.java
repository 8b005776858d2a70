package dev.fleet.agent;

import dev.fleet.agent.plan.CurrentUnit;
import dev.fleet.agent.plan.DesiredSet;
import dev.fleet.agent.plan.DesiredUnit;
import dev.fleet.agent.plan.ReconcilePlan;
import dev.fleet.agent.plan.Task;
import dev.fleet.agent.systemd.SystemdPort;
import dev.fleet.agent.systemd.SystemdPort.UnitState;
import dev.fleet.unit.DesiredState;

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
 * stops, the starts. A failing unload, load or reload ends the pass (the next pass retries); a
 * failing start or stop does not keep the other units from starting or stopping.
 */
public final class Reconciler {

    /** How long an unload waits for systemd to stop a unit before it gives up (and keeps the file). */
    static final Duration STOP_TIMEOUT = Duration.ofSeconds(90);

    private final SystemdPort systemd;
    private final UnitsDirectory dir;
    private final StatePublisher publisher;
    private final Log log;
    private final Map<String, CurrentUnit> current = new TreeMap<>();
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
        List<Task> tasks = ReconcilePlan.plan(desired, current);
        List<String> failures = new ArrayList<>();
        Map<Task.Kind, Long> millis = new java.util.EnumMap<>(Task.Kind.class);
        if (!tasks.isEmpty()) {
            for (Task t : tasks) {
                log.debug("task " + t.kind() + " " + (t.unitName() == null ? "" : t.unitName() + " ") + "(" + t.reason() + ")");
            }
            run(tasks, failures, millis);
        }
        if (failures.isEmpty()) {
            // Units found on disk that needed nothing now match what is desired: cache it.
            Set<String> touched = tasks.stream().map(Task::unitName).filter(n -> n != null).collect(Collectors.toSet());
            for (DesiredUnit d : desired.units()) {
                CurrentUnit c = current.get(d.name());
                if (c != null && c.state() == DesiredState.INACTIVE && !touched.contains(d.name()) && d.state() != DesiredState.INACTIVE) {
                    current.put(d.name(), CurrentUnit.cached(d.name(), c.hash(), d.state(), d.launch()));
                    publisher.setLaunched(d.name(), d.state() == DesiredState.LAUNCHED, d.launch());
                }
            }
        }
        return new Pass(tasks, List.copyOf(failures), millis);
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
            if (!failures.isEmpty() && e.getKey().compareTo(Task.Kind.RELOAD_UNIT_FILES) <= 0) {
                return; // the unit files are not what the plan assumed: replan next pass
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
        stops.forEach((name, f) -> {
            String result = await(f, STOP_TIMEOUT);
            if ("done".equals(result) || "not-loaded".equals(result)) {
                stopped.add(name);
            } else {
                failures.add("unload " + name + ": stop " + result + " (its file is kept; retried next pass)");
            }
        });
        if (stopped.isEmpty()) {
            return;
        }
        try {
            systemd.disableUnitFiles(stopped);
        } catch (RuntimeException ex) {
            failures.add("unload: DisableUnitFiles " + stopped + ": " + ex.getMessage());
            return;
        }
        for (String name : stopped) {
            try {
                systemd.resetFailedUnit(name);
                dir.delete(name);
                current.remove(name);
                publisher.untrack(name);
                log.info("unloaded " + name);
            } catch (RuntimeException ex) {
                failures.add("unload " + name + ": " + ex.getMessage());
            }
        }
    }

    private void load(List<Task> tasks, List<String> failures) {
        List<Path> files = new ArrayList<>();
        List<Path> enable = new ArrayList<>();
        List<Task.Load> written = new ArrayList<>();
        for (Task t : tasks) {
            Task.Load l = (Task.Load) t;
            try {
                Path p = dir.write(l.name(), l.contents());
                files.add(p);
                if (l.enable()) {
                    enable.add(p);
                }
                written.add(l);
            } catch (RuntimeException ex) {
                failures.add("load " + l.name() + ": " + ex.getMessage());
            }
        }
        if (files.isEmpty()) {
            return;
        }
        // systemd (>= 246) loads a unit it has never loaded straight from disk when it is first used, so linking new
        // units needs no daemon-reload; a unit it has in memory (a replaced file) or an [Install] link does.
        if (!enable.isEmpty() || systemd.states(written.stream().map(Task.Load::name).toList()).values().stream()
                .anyMatch(st -> !"not-found".equals(st.loadState()))) {
            reloadNeeded = true;
        }
        try {
            systemd.linkUnitFiles(files);
            if (!enable.isEmpty()) {
                systemd.enableUnitFiles(enable);
            }
        } catch (RuntimeException ex) {
            failures.add("load: " + ex.getMessage());
        }
        // The files are on disk either way: track them, so a failed link is retried (as inactive, unknown to systemd).
        for (Task.Load l : written) {
            current.put(l.name(), failures.isEmpty() ? CurrentUnit.cached(l.name(), l.hash(), DesiredState.LOADED)
                    : CurrentUnit.onDisk(l.name(), l.hash(), null));
            publisher.track(l.name(), l.hash());
            log.info("loaded " + l.name() + " (" + l.hash().substring(0, 7) + ")");
        }
    }

    private void reload(List<String> failures) {
        if (reloadNeeded) {
            try {
                systemd.reload();
                reloaded = true;
            } catch (RuntimeException ex) {
                failures.add("daemon-reload: " + ex.getMessage());
                return;
            }
        }
        // Newly linked units send no signal until they change: read their state once.
        Set<String> names = current.keySet();
        if (!names.isEmpty()) {
            systemd.states(names).values().forEach(publisher::onSystemd);
        }
    }

    private void stop(List<Task> tasks, List<String> failures) {
        Map<String, CompletableFuture<String>> stops = new TreeMap<>();
        for (Task t : tasks) {
            publisher.setLaunched(t.unitName(), false);
            stops.put(t.unitName(), stopQuietly(t.unitName()));
        }
        stops.forEach((name, f) -> {
            CurrentUnit c = current.get(name);
            current.put(name, CurrentUnit.cached(name, c.hash(), DesiredState.LOADED));
            String result = await(f, STOP_TIMEOUT);
            if ("done".equals(result) || "not-loaded".equals(result)) {
                log.info("stopped " + name);
            } else {
                failures.add("stop " + name + ": " + result);
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
                // systemd refused the job (e.g. a bad unit file): the unit stays "loaded" and the next pass tries again
                failures.add("start " + name + ": " + ex.getCause().getMessage());
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

    private static String await(CompletableFuture<String> f, Duration timeout) {
        try {
            return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            return "timeout after " + timeout.toSeconds() + " s";
        } catch (java.util.concurrent.ExecutionException e) {
            return "error: " + e.getCause().getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }
}
